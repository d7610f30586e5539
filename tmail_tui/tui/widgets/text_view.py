"""A read-only, scrollable, selectable view of plain text that draws only the lines on screen.

The reader's body used to be a TextArea: loading 270 KB of converted newsletter into it took ~150 ms on the UI thread
(it builds a document and wraps every line), long enough to swallow keys. Here the text is wrapped once per width into
(line, start, end) spans (~3 ms for those 270 KB), and painting costs one screenful.
Nothing is ever parsed as markup: rows are drawn as plain segments, styled only where the view is told to: heading
lines (from the renderer), one marked span (the code `y` copied: the evidence), and the mouse selection.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len, get_character_cell_size
from rich.segment import Segment
from textual.binding import Binding
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.selection import Selection
from textual.strip import Strip

from ...sanitize import clean_text


def wrap(lines: list[str], width: int) -> list[tuple[int, int, int]]:
    """Soft-wrap lines to `width` cells: one (line index, start, end) span per screen row, broken after a space when
    there is one in the row, else at the width. Spaces at a break are not drawn (they stay in copied text)."""
    width = max(width, 1)
    rows: list[tuple[int, int, int]] = []
    append = rows.append
    for number, line in enumerate(lines):
        size = len(line)
        if size <= width and (line.isascii() or cell_len(line) <= width):
            append((number, 0, size))
        elif line.isascii():
            start = 0
            while size - start > width:
                cut = line.rfind(" ", start + 1, start + width + 1)
                if cut <= start:
                    append((number, start, start + width))
                    start += width
                else:
                    append((number, start, cut))
                    start = cut + 1
            append((number, start, size))
        else:
            _wrap_wide(number, line, width, append)
    return rows


def _wrap_wide(number: int, line: str, width: int, append) -> None:
    """The same, counting cells character by character (wide CJK, emoji, combining marks)."""
    start, used, last_space = 0, 0, -1
    index = 0
    while index < len(line):
        char = line[index]
        cells = get_character_cell_size(char)
        if used + cells > width and index > start:
            if last_space > start:
                append((number, start, last_space))
                start = last_space + 1
            else:
                append((number, start, index))
                start = index
            used = cell_len(line[start:index])
            last_space = -1
        if char == " ":
            last_space = index
        used += cells
        index += 1
    append((number, start, len(line)))


def _styled(text: str, style, spans: list) -> list[Segment]:
    """Segments of `text` in `style`, with each (low, high, extra style) span laid over it."""
    if not spans:
        return [Segment(text, style)]
    cuts = sorted({0, len(text), *(max(min(p, len(text)), 0) for low, high, _ in spans for p in (low, high))})
    segments = []
    for low, high in zip(cuts, cuts[1:]):
        piece = style
        for start, end, extra in spans:
            if start <= low and high <= end:
                piece = piece + extra
        segments.append(Segment(text[low:high], piece))
    return segments


@dataclass(frozen=True)
class Wrapped:
    """Text split into lines and wrapped to a width: what the view draws."""

    lines: list[str]
    width: int
    rows: list[tuple[int, int, int]]

    @classmethod
    def of(cls, text: str, width: int) -> Wrapped:
        lines = clean_text(text).split("\n")
        return cls(lines, width, wrap(lines, width))

    def to_width(self, width: int) -> Wrapped:
        return self if width == self.width else Wrapped(self.lines, width, wrap(self.lines, width))


class TextView(ScrollView, can_focus=True):
    """Shows plain text. Keys scroll; the mouse selects (Textual's selection, copied as the original lines)."""

    ALLOW_SELECT = True
    COMPONENT_CLASSES = {"text-view--heading", "text-view--mark"}
    DEFAULT_CSS = """
    TextView { overflow-x: hidden; overflow-y: auto; }
    TextView > .text-view--heading { text-style: bold; }
    TextView > .text-view--mark { background: $warning; color: $text; text-style: bold reverse; }
    """
    # Jumps, not animations: a long mail scrolled with G or Space must land at once.
    BINDINGS = [
        Binding("down,j", "scroll_by(1)", "Scroll down", show=False),
        Binding("up,k", "scroll_by(-1)", "Scroll up", show=False),
        Binding("pagedown,space", "page(1)", "Page down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("home,g", "jump(0)", "Top", show=False),
        Binding("end,G", "jump(-1)", "Bottom", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._wrapped = Wrapped([""], 1, [(0, 0, 0)])
        self._strips: dict[int, Strip] = {}
        self._headings: frozenset[int] = frozenset()  # numbers of heading lines
        self._mark: tuple[int, int, int] | None = None  # (line, start, end) of the marked span

    @property
    def text(self) -> str:
        return "\n".join(self._wrapped.lines)

    @property
    def wrap_width(self) -> int:
        """The width text is wrapped to: the room beside the scrollbar (80 before the first layout)."""
        return max(self.scrollable_content_region.width, 1) if self.size.width else 80

    def show(self, text: str, *, headings: tuple[int, ...] = (), keep_position: bool = False) -> None:
        self._wrapped = Wrapped.of(text, self.wrap_width)
        self._headings = frozenset(headings)
        self._mark = None
        self._strips.clear()
        self.virtual_size = Size(self.wrap_width, len(self._wrapped.rows))
        if not keep_position:
            self.scroll_to(0, 0, animate=False, immediate=True)
        self.refresh()

    def mark(self, line: int, start: int, end: int) -> None:
        """Mark a span of one line (the evidence of a copied code) and scroll it into view."""
        if not 0 <= line < len(self._wrapped.lines):
            return
        self._mark = (line, start, end)
        self._strips.clear()
        row = next((i for i, (number, low, high) in enumerate(self._wrapped.rows)
                    if number == line and low <= start <= high), 0)
        height = max(self.scrollable_content_region.height, 1)
        if not self.scroll_y <= row < self.scroll_y + height:
            self.scroll_to(y=max(row - height // 3, 0), animate=False, immediate=True)
        self.refresh()

    @property
    def marked(self) -> str:
        """The marked text (empty when nothing is marked)."""
        if self._mark is None:
            return ""
        line, start, end = self._mark
        return self._wrapped.lines[line][start:end]

    def on_resize(self) -> None:
        if self._wrapped.width != self.wrap_width:
            self._wrapped = self._wrapped.to_width(self.wrap_width)
            self._strips.clear()
        self.virtual_size = Size(self.wrap_width, len(self._wrapped.rows))

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self.size.width
        style = self.rich_style
        rows = self._wrapped.rows
        if index >= len(rows):
            return Strip.blank(width, style)
        selection = self.text_selection
        strip = None if selection else self._strips.get(index)
        if strip is None:
            number, start, end = rows[index]
            text = self._wrapped.lines[number][start:end]
            if number in self._headings:
                style = style + self.get_component_rich_style("text-view--heading")
            spans = []  # (low, high, style) over this row's text, later ones on top
            if self._mark is not None and self._mark[0] == number:
                low, high = max(self._mark[1] - start, 0), min(self._mark[2] - start, len(text))
                if low < high:
                    spans.append((low, high, self.get_component_rich_style("text-view--mark")))
            span = selection.get_span(index) if selection else None
            if span is not None:
                spans.append((span[0], len(text) if span[1] == -1 else span[1],
                              self.screen.get_component_rich_style("screen--selection")))
            segments = _styled(text, style, spans)
            strip = Strip(segments).crop_extend(0, width, style).apply_offsets(0, index)
            if not selection:
                if len(self._strips) > 1024:
                    self._strips.clear()
                self._strips[index] = strip
        return strip

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The selected text from the original lines, so a wrapped paragraph copies as one line."""
        rows = self._wrapped.rows
        if not rows:
            return None

        def position(offset, default: int) -> tuple[int, int]:
            if offset is None:
                number, start, end = rows[default]
                return number, start if default == 0 else end
            row = min(max(offset.y, 0), len(rows) - 1)
            number, start, end = rows[row]
            return number, min(start + max(offset.x, 0), end)

        (first_line, first_at), (last_line, last_at) = position(selection.start, 0), position(selection.end, -1)
        lines = self._wrapped.lines
        if first_line == last_line:
            return lines[first_line][first_at:last_at], "\n"
        chosen = [lines[first_line][first_at:], *lines[first_line + 1:last_line], lines[last_line][:last_at]]
        return "\n".join(chosen), "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        self._strips.clear()
        self.refresh()

    def action_scroll_by(self, rows: int) -> None:
        self.scroll_to(y=self.scroll_y + rows, animate=False, immediate=True)

    def action_page(self, direction: int) -> None:
        self.scroll_to(y=self.scroll_y + direction * max(self.scrollable_content_region.height - 1, 1),
                       animate=False, immediate=True)

    def action_jump(self, where: int) -> None:
        self.scroll_to(y=self.max_scroll_y if where < 0 else 0, animate=False, immediate=True)
