"""A keyboard-driven list that renders only the lines on screen (Textual's line API).

A DataTable of 10,000 rows takes about a second to first paint and a ListView forty; this paints in the time of
one screenful whatever the row count, and a changed row costs one cached line, not a rebuild.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip


class VirtualList(ScrollView, can_focus=True):
    """Rows of `ROW_HEIGHT` lines, a cursor, and `Highlighted`/`Selected` messages. Subclasses draw rows."""

    ROW_HEIGHT = 1
    COMPONENT_CLASSES = {"virtual-list--cursor", "virtual-list--bar", "virtual-list--dim", "virtual-list--strong"}
    DEFAULT_CSS = """
    VirtualList { overflow-x: hidden; overflow-y: auto; }
    VirtualList > .virtual-list--cursor { background: $primary 25%; }
    VirtualList:focus > .virtual-list--cursor { background: $accent 50%; }
    VirtualList > .virtual-list--bar { color: $foreground; }
    VirtualList:focus > .virtual-list--bar { color: $accent; text-style: bold; }
    VirtualList > .virtual-list--dim { color: $foreground; text-style: dim; }
    VirtualList > .virtual-list--strong { text-style: bold; }
    """
    BINDINGS = [
        Binding("down,j", "move(1)", "Down", show=False),
        Binding("up,k", "move(-1)", "Up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("home,g", "jump(0)", "First", show=False),
        Binding("end,G", "jump(-1)", "Last", show=False),
        Binding("enter", "select", "Open", show=False),
    ]

    class Highlighted(Message):
        def __init__(self, sender: VirtualList, index: int) -> None:
            super().__init__()
            self.list = sender
            self.index = index

        @property
        def control(self) -> VirtualList:
            return self.list

    class Selected(Highlighted):
        pass

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.cursor = 0
        self._count = 0
        self._lines: dict[tuple[int, int, bool], Strip] = {}
        self.renders = 0  # rows drawn: lets tests and the benchmark see that an idle poll draws nothing

    # --- for subclasses ----------------------------------------------------------------------------------------

    def render_row(self, index: int, line: int, width: int) -> Text:
        raise NotImplementedError

    @property
    def row_count(self) -> int:
        return self._count

    def set_row_count(self, count: int, cursor: int | None = None) -> None:
        """The rows changed: redraw what is visible (only that), keep the cursor in range."""
        self._count = count
        self.virtual_size = Size(self.size.width, count * self.ROW_HEIGHT)
        self.cursor = min(max(self.cursor if cursor is None else cursor, 0), max(count - 1, 0))
        self._lines.clear()
        self.refresh()

    def refresh_row(self, index: int) -> None:
        """One row changed: forget its cached lines and repaint just its region."""
        for line in range(self.ROW_HEIGHT):
            self._lines.pop((index, line, True), None)
            self._lines.pop((index, line, False), None)
        y = index * self.ROW_HEIGHT - self.scroll_offset.y
        if -self.ROW_HEIGHT < y < self.size.height:
            self.refresh(Region(0, max(y, 0), self.size.width, self.ROW_HEIGHT))

    def refresh_all_rows(self) -> None:
        self._lines.clear()
        self.refresh()

    # --- drawing -----------------------------------------------------------------------------------------------

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, self._count * self.ROW_HEIGHT)
        self._lines.clear()

    def on_focus(self) -> None:
        self.refresh_all_rows()

    def on_blur(self) -> None:
        self.refresh_all_rows()

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        index, line = divmod(self.scroll_offset.y + y, self.ROW_HEIGHT)
        base = self.rich_style
        if index >= self._count:
            return Strip.blank(width, base)
        key = (index, line, index == self.cursor)
        strip = self._lines.get(key)
        if strip is None or strip.cell_length != width:
            self.renders += 1
            style = base + self.get_component_rich_style("virtual-list--cursor") if key[2] else base
            text = self.render_row(index, line, max(width - 1, 1))
            text.no_wrap = True
            # The cursor's row is marked by a bar in the first column as well as by its background: a background
            # can vanish in 16 colours or a light theme, a bar cannot.
            bar = Segment("▌" if key[2] else " ", style + self.get_component_rich_style("virtual-list--bar"))
            segments = [bar] + [Segment(s.text, style + s.style if s.style else style)
                                for s in text.render(self.app.console) if s.text != "\n"]
            strip = Strip(segments).crop_extend(0, width, style)
            if len(self._lines) > 4096:
                self._lines.clear()
            self._lines[key] = strip
        return strip

    def style_for(self, component: str) -> Style:
        return self.get_component_rich_style(component, partial=True)

    # --- moving ------------------------------------------------------------------------------------------------

    def move_to(self, index: int, *, announce: bool = True) -> None:
        if not self._count:
            return
        index = min(max(index, 0), self._count - 1)
        old, self.cursor = self.cursor, index
        if old != index:
            self.refresh_row(old)
            self.refresh_row(index)
        self.scroll_to_region(Region(0, index * self.ROW_HEIGHT, 1, self.ROW_HEIGHT), animate=False, force=True,
                              immediate=True)
        if announce:
            self.post_message(self.Highlighted(self, index))

    def action_move(self, delta: int) -> None:
        self.move_to(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        rows = max(self.size.height // self.ROW_HEIGHT - 1, 1)
        self.move_to(self.cursor + direction * rows)

    def action_jump(self, where: int) -> None:
        self.move_to(self._count - 1 if where < 0 else where)

    def action_select(self) -> None:
        if self._count:
            self.post_message(self.Selected(self, self.cursor))

    def on_click(self, event) -> None:
        index = (event.y + self.scroll_offset.y) // self.ROW_HEIGHT
        if 0 <= index < self._count:
            self.move_to(index)
            if event.chain >= 2:
                self.action_select()
