"""The reader's text view: wrapping by cells, keys that scroll, copy as the original lines, nothing as markup."""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import App
from textual.geometry import Offset
from textual.selection import Selection

from tmail_tui.tui.widgets.text_view import TextView, wrap

from .tui.helpers import lines


def rows_of(line: str, width: int) -> list[str]:
    return [line[start:end] for _, start, end in wrap([line], width)]


def test_wrap_breaks_after_spaces_and_keeps_every_character():
    line = "the quick brown fox jumps over the lazy dog " * 3
    rows = rows_of(line, 20)
    assert all(len(row) <= 20 for row in rows)
    assert " ".join(rows) == line  # each break drops exactly the one space it broke at
    assert rows_of("x" * 45, 20) == ["x" * 20, "x" * 20, "x" * 5]  # no space: cut at the width
    assert rows_of("", 20) == [""] and rows_of("short", 20) == ["short"]


def test_wrap_counts_cells_not_characters():
    line = "日本語のテキスト " * 10 + "emoji 😀😀😀 end"
    for row in rows_of(line, 15):
        assert cell_len(row) <= 15
    assert "".join(rows_of("日本語" * 10, 7)) == "日本語" * 10


class ViewApp(App[None]):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self):
        yield TextView(id="view")

    def on_mount(self) -> None:
        view = self.query_one(TextView)
        view.show(self.text)
        view.focus()


async def test_keys_scroll_and_the_top_and_bottom_are_reachable():
    text = "\n".join(f"line {n}" for n in range(100))
    app = ViewApp(text)
    async with app.run_test(size=(40, 10)) as pilot:
        view = app.query_one(TextView)
        assert lines(view)[0] == "line 0"
        await pilot.press("j", "j")
        assert lines(view)[0] == "line 2"
        await pilot.press("space")
        assert lines(view)[0] == "line 11"  # a page keeps one line of the last for context
        await pilot.press("G")
        assert lines(view)[-1] == "line 99"
        await pilot.press("g")
        assert lines(view)[0] == "line 0"


async def test_a_selection_copies_the_original_lines_not_the_wrapped_rows():
    paragraph = "alpha beta gamma delta epsilon zeta eta theta"
    app = ViewApp(f"{paragraph}\nsecond line")
    async with app.run_test(size=(20, 10)) as pilot:
        view = app.query_one(TextView)
        assert len(view._wrapped.rows) > 2  # the paragraph is wrapped on screen
        everything, _ = view.get_selection(Selection(None, None))
        assert everything == f"{paragraph}\nsecond line"
        rows = view._wrapped.rows
        last_paragraph_row = max(i for i, (line, _, _) in enumerate(rows) if line == 0)
        part, _ = view.get_selection(Selection(Offset(6, 0), Offset(3, last_paragraph_row + 1)))
        assert part == paragraph[6:] + "\nsec"
        await pilot.pause()


async def test_text_is_never_markup_and_controls_are_made_visible():
    app = ViewApp("[bold]not bold[/bold] [@click=app.quit]x[/] \x1b[2J\x07 done")
    async with app.run_test(size=(80, 5)) as pilot:
        view = app.query_one(TextView)
        shown = lines(view)[0]
        assert shown.startswith("[bold]not bold[/bold] [@click=app.quit]x[/] ")
        assert "\x1b" not in shown and "\x07" not in shown and "␛[2J" in shown
        await pilot.click(TextView)
        assert app.is_running


async def test_drag_selects_and_ctrl_c_copies():
    app = ViewApp("Your code is 482913\nsecond line")
    async with app.run_test(size=(40, 6)) as pilot:
        await pilot.mouse_down(TextView, offset=(13, 0))
        await pilot.hover(TextView, offset=(19, 0))
        await pilot.mouse_up(TextView, offset=(19, 0))
        await pilot.press("ctrl+c")
        assert app.clipboard == "482913"
