"""Mail bodies as clean text: HTML through html2text, tuned for real mail, with links as a numbered list.

Tuning (judged on real newsletters, receipts and template collections):
- No wrapping here (the reader wraps to its pane; `wrap_for_terminal` wraps for `tmail read`).
- Hiding follows inline CSS the way a mail client reads it. `display:none`, `visibility:hidden`, `max-height:0`,
  `opacity:0` and the `hidden` attribute hide an element and all it holds (preheaders, mobile-only duplicates).
  `font-size:0` is a size, not a switch: it is inherited and an inner element may set a size again (mjml and
  "hybrid" layouts put it on every column wrapper), so it hides only text that no inner element resizes; images
  and the links around them stay. `mso-hide:all` hides nothing: it is Outlook's switch, put on the button every
  other client shows; the Outlook twin sits in an `<!--[if mso]>` comment, and comments are dropped. Elements nest
  as a browser nests them (a new cell, row, item or paragraph closes the open one), so a hidden cell left open
  hides nothing after it.
- Safety net: when the hiding rules removed nearly all of a mail's words, it is converted again without them. Text
  that a sender hid by mistake is worth more than an empty reader.
- Tables: a layout table (most of mail) is flattened to text, the cells of a row that hold words kept apart on one
  line; `&nbsp;` padding is not words, and a spacer row of it reads as a blank line. A data table (a receipt's
  items, an invoice, a schedule) reads as aligned columns, numbers to the right. Which is which is decided from the
  table itself: a data table has no table inside it, short one-line cells, and header cells, a column of numbers or
  repeated rows of the same shape. A table is held back until that is known, then rendered.
- Headings read as their text on a line of their own between blank lines, never as Markdown `#`; their line numbers
  are kept (`RenderedBody.headings`) so the reader can emphasise them.
- Images as `[image: alt]` (tracking pixels with no alt vanish); `<script>`, `<style>` and comments dropped; no
  Markdown escapes or emphasis marks.
- Every link becomes `text [n]` and is listed under the body; a link with no words (an image with no alt, an empty
  anchor) still shows, as `[image] [n]` or `[link] [n]`. The list writes a web address with no path with `/`,
  as browsers do. javascript:, data:, file: and the like are marked unsafe.
The result is sanitised: no control character survives, whether it came raw or as an entity.

Tables and headings travel through html2text as private-use marks and are laid out afterwards; marks that come in
with the mail are removed first, so a sender cannot forge them.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

import html2text

from .sanitize import _DROPPED, clean_text, one_line

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
# Inline CSS (lowercased) that hides an element with everything in it.
_HIDDEN_STYLE = re.compile(
    r"(?<![-\w])(?:display\s*:\s*none|visibility\s*:\s*hidden|max-height\s*:\s*0(?![.\d])|opacity\s*:\s*0(?![.\d]))")
_FONT_SIZE = re.compile(r"(?<![-\w])font-size\s*:\s*([^;]*)")
_ZERO_SIZE = re.compile(r"\s*[-+]?(?:0+\.?0*|\.0+)(?:[a-z]{1,4}|%)?\s*(?:!\s*important)?\s*")

_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
                   "wbr"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_TABLE_TAGS = frozenset({"table", "tr", "td", "th"})
_CELLS = frozenset({"td", "th"})
# The tags html2text does something with, as configured here (no links, images, emphasis or tables of its own).
_H2T_TAGS = frozenset({"p", "div", "br", "hr", "head", "style", "script", "body", "blockquote", "kbd", "code", "tt",
                       "abbr", "q", "dl", "dt", "dd", "ol", "ul", "li", "pre", "tr"})
_NOT_TEXT = frozenset({"style", "script", "title", "head", "template"})  # their data is not the mail's words
# Start tags that close an open <p>, and the open elements a start tag closes within its scope (as browsers do).
_CLOSES_P = frozenset({"p", "div", "table", "ul", "ol", "dl", "pre", "blockquote", "hr", "section", "center",
                       *_HEADINGS})
_IMPLIED_END = {"li": ({"li"}, {"ul", "ol"}), "td": ({"td", "th"}, {"tr", "table"}),
                "th": ({"td", "th"}, {"tr", "table"}), "tr": ({"tr"}, {"table"})}
_CLOSES_SOMETHING = _CLOSES_P | _IMPLIED_END.keys()
_DEEPEST_MATCH = 200  # open elements searched for an end tag's match; sloppy HTML must not cost quadratic time
_URL_IN_TEXT = re.compile(r"\b(?:https?://|mailto:)[^\s<>\"'`\[\]]+", re.IGNORECASE)
_NO_PATH = re.compile(r"https?://[^/?#]*(?=[?#]|$)", re.IGNORECASE)
_SCHEME = re.compile(r"\s*([A-Za-z][A-Za-z0-9+.-]*):")
_WORD = re.compile(r"\w+")
_NBSP = "&nbsp_place_holder;"  # html2text's stand-in for &nbsp; until its output is joined
# What clean_text turns into a line break or drops (so a line may become blank): its own table of dropped characters.
_CHANGES_LINES = re.compile("[\r\u2028\u2029" + "".join(map(chr, _DROPPED)) + "]")

# Marks carried through html2text: a data table, its rows and cells (one _SPAN per extra column a cell spans),
# and the start of a heading's words.
_TABLE, _TABLE_END, _ROW, _CELL, _SPAN, _HEAD = "\ue000", "\ue001", "\ue002", "\ue003", "\ue004", "\ue005"
_MARKS = re.compile("[\ue000-\ue005]")
_MARK_CHARS = frozenset("\ue000\ue001\ue002\ue003\ue004\ue005")
_TABLE_REGION = re.compile(f"{_TABLE}(.*?){_TABLE_END}", re.DOTALL)
_HEAD_MARK = re.compile(f"{_HEAD} ?")
_TABLE_GAP = 3  # spaces between the columns of a data table
_TABLE_CELL_MAX = 40  # a longer cell pushes the rest of its row right instead of widening its whole column
# Above this share of a mail's words hidden (and this many), the hiding rules are taken to be wrong for this mail.
_NET_SHARE, _NET_WORDS = 0.9, 20


@dataclass(frozen=True)
class Link:
    number: int
    url: str  # sanitised, one line
    label: str = ""  # the words that were the link ("Confirm your address"), sanitised, one line

    @property
    def scheme(self) -> str:
        match = _SCHEME.match(self.url)  # not urlsplit: it raises on hostile netlocs such as `a]b`
        return match.group(1).lower() if match else ""

    @property
    def safe(self) -> bool:
        """Only web and mail links may ever be opened; the rest are listed as text."""
        return self.scheme in SAFE_SCHEMES


@dataclass(frozen=True)
class RenderedBody:
    text: str
    links: tuple[Link, ...] = ()
    headings: tuple[int, ...] = ()  # 0-based numbers of the lines of `text` that are headings

    def to_wire(self) -> list:
        """As JSON-able lists, for the converter's worker process."""
        return [self.text, [[link.number, link.url, link.label] for link in self.links], list(self.headings)]

    @classmethod
    def from_wire(cls, data: list) -> RenderedBody:
        text, links, *rest = data
        headings = tuple(int(n) for n in rest[0]) if rest else ()
        return cls(str(text), tuple(Link(int(n), str(url), str(label)) for n, url, label in links), headings)


class _MailToText(html2text.HTML2Text):
    def __init__(self, hide: bool = True) -> None:
        super().__init__(bodywidth=0)
        self.ignore_tables = True
        self.ignore_emphasis = True
        self.ignore_images = True  # images are handled below, as [image: alt]
        self.ignore_links = True  # links are handled below, as text [n]
        self.single_line_break = False
        self.ul_item_mark = "•"
        self.unicode_snob = True
        self.links: dict[str, int] = {}
        self.labels: dict[str, str] = {}  # the first words seen for each link
        self.hidden_words = 0  # words the hiding rules kept out (for the safety net)
        self._hide = hide  # False: every hiding rule off (the safety net's second try)
        # (href, words so far, [shown anything, seen an image]) of each open <a>
        self._anchors: list[tuple[str | None, list[str], list[bool]]] = []
        # (tag, font size is 0, hidden) of each open element: what its text inherits
        self._open: list[tuple[str, bool, bool]] = []
        self._row_has_words = False  # in the current row of a layout table
        self._gap = False  # the words to come are in a new cell of that row
        self._table: list | None = None  # the events of a table being read before it is rendered
        self._data_table = False  # rendering a data table: rows and cells become marks
        self._cell_lines = 0  # line-making elements in the held-back table's current cell
        self._in_heading = False
        self._heading_due = False  # the heading mark goes before the next words

    def updatepos(self, i: int, j: int) -> int:
        return j  # HTMLParser counts lines for its error messages on every tag; nothing here reads them

    def _link_number(self, href: str) -> int:
        return self.links.setdefault(href, len(self.links) + 1)

    # --- events: a table is held back until it is known to be data or layout ----------------------------------

    def handle_tag(self, tag: str, attrs: dict[str, str | None], start: bool) -> None:
        if self._table is not None:
            self._table.append((tag, attrs, start))
            if tag == "table":  # a table inside: layout. Its end: the whole table is known (quoted: keep "> ").
                self._render_table(data=not start and not self.blockquote and _is_data_table(self._table))
            elif start and tag in _CELLS:
                self._cell_lines = 0
            elif start and tag in _CELL_LINES:
                self._cell_lines += 1
                if self._cell_lines > 1:  # a cell of several lines: layout, known now (saves holding the rest)
                    self._render_table(data=False)
            return
        if tag == "table" and start and not self._hidden_now() and not self._hidden_by(attrs):
            self._table = [(tag, attrs, start)]
            self._cell_lines = 0
            return
        self._tag(tag, attrs, start)

    def handle_data(self, data: str, entity_char: bool = False) -> None:
        if self._table is not None:
            self._table.append((data, entity_char))
            return
        if not data or entity_char and data in _MARK_CHARS:
            return
        padding = entity_char and data == _NBSP  # kept (a spacer row reads as a blank line) but not words
        blank = padding or data.isspace()
        if self._open:
            tag, zero, hidden = self._open[-1]
            if hidden:
                if not blank and tag not in _NOT_TEXT:
                    self.hidden_words += len(_WORD.findall(data))
                return
            if zero:
                if not blank and tag not in _NOT_TEXT:
                    self.hidden_words += len(_WORD.findall(data))
                self.space = True  # words stay apart around what font-size:0 hides
                return
        if blank and not padding and not self.pre:  # what html2text would make of it, in one step
            if not self.quiet:
                self.space = True
            return
        if not self.quiet and not blank:
            self._before_words()
            if self._anchors:
                self._words(data)
                self._anchors[-1][2][0] = True
        # A trailing space waits like a leading one (html2text would write both: "a  b").
        trailing = not self.pre and data[-1].isspace()
        # Plain text is wanted, not Markdown: skip html2text's backslash escaping.
        super().handle_data(data.rstrip() if trailing else data, entity_char=True)
        if trailing:
            self.space = True

    def _before_words(self) -> None:
        """Words are about to be written: the gap from the row's previous cell, the mark of a heading."""
        if self._gap:
            self._gap = False
            if not self.p_p:  # not when the words start a line anyway
                self.space = False
                self.o("  ")
        self._row_has_words = True
        if self._heading_due:
            self._heading_due = False
            self.o(_HEAD)

    def close(self) -> None:
        super().close()
        if self._table is not None:  # a table never closed
            self._render_table(data=False)

    def _render_table(self, data: bool) -> None:
        events, self._table = self._table, None
        if data:
            self.p()
            self.o(_TABLE)
            self._data_table = True
        last = len(events) - 1
        for n, event in enumerate(events):
            if len(event) == 2:
                self.handle_data(*event)
            elif 0 < n == last:
                self.handle_tag(*event)  # a table inside starts being held back in turn
            else:
                self._tag(*event)
        if data:
            self._data_table = False
            self.o(_TABLE_END)
            self.p()

    # --- hiding: an element's state, inherited by what it holds ---------------------------------------------

    def _hidden_now(self) -> bool:
        return bool(self._open) and self._open[-1][2]

    def _hidden_by(self, attrs: dict[str, str | None]) -> bool:
        if not self._hide:
            return False
        style = (attrs.get("style") or "").lower()
        return "hidden" in attrs or _may_hide(style) and _HIDDEN_STYLE.search(style) is not None

    def _close_implied(self, tag: str) -> None:
        stack = self._open
        if tag in _CLOSES_P and stack and stack[-1][0] == "p":
            stack.pop()
        rule = _IMPLIED_END.get(tag)
        if rule:
            same, scope = rule
            for i in range(len(stack) - 1, max(len(stack) - _DEEPEST_MATCH, 0) - 1, -1):
                if stack[i][0] in same:
                    del stack[i:]
                    break
                if stack[i][0] in scope:
                    break

    def _enter(self, tag: str, attrs: dict[str, str | None]) -> bool:
        """Track the element that starts; True when it is shown."""
        stack = self._open
        if stack and tag in _CLOSES_SOMETHING:
            self._close_implied(tag)
        zero, hidden = stack[-1][1:] if stack else (False, False)
        if not hidden and self._hide and attrs:
            hidden = "hidden" in attrs
            style = attrs.get("style")
            if style:
                style = style.lower()
                hidden = hidden or _may_hide(style) and _HIDDEN_STYLE.search(style) is not None
                if "font-size" in style:
                    sizes = _FONT_SIZE.findall(style)
                    if sizes:
                        zero = _ZERO_SIZE.fullmatch(sizes[-1]) is not None
        if tag not in _VOID:
            stack.append((tag, zero, hidden))
        return not hidden

    def _leave(self, tag: str) -> bool:
        """Track the element that ends; True when it was shown."""
        stack = self._open
        if stack and stack[-1][0] == tag:  # the common case: well-formed
            return not stack.pop()[2]
        for i in range(len(stack) - 2, max(len(stack) - _DEEPEST_MATCH, 0) - 1, -1):
            if stack[i][0] == tag:
                hidden = stack[i][2]
                del stack[i:]
                return not hidden
        return not self._hidden_now()  # an end tag with no start: harmless where text shows

    # --- the elements -------------------------------------------------------------------------------------------

    def _tag(self, tag: str, attrs: dict[str, str | None], start: bool) -> None:
        if not (self._enter(tag, attrs) if start else self._leave(tag)):
            return
        if tag == "a":
            self._anchor(attrs, start)
        elif tag == "img":
            alt = _MARKS.sub("", one_line(attrs.get("alt") or "", 120))
            if start and alt:
                self._before_words()
                self.o(f"[image: {alt}]")
                self._words(alt)
                self.space = True  # an image's words stand apart from text that follows it
            if start and self._anchors:
                self._anchors[-1][2][0] |= bool(alt)
                self._anchors[-1][2][1] = True
        elif tag in _HEADINGS:
            self.p()  # a blank line around, no '#' marks
            self._in_heading = self._heading_due = start
        elif self._data_table and tag in _TABLE_TAGS:
            if tag == "tr":
                self.o(_ROW)  # at both ends: text between rows stays out of the cells
            elif start and tag != "table":
                self.o(_CELL + _SPAN * (_span(attrs) - 1))
        elif tag in _H2T_TAGS:
            if tag == "br" and self._in_heading:
                self._heading_due = True
            elif tag == "tr":
                self._row_has_words = self._gap = False
            super().handle_tag(tag, attrs, start)
        elif tag in _CELLS:
            if start:  # cells of a layout row stay apart on its line; empty cells add no space
                self._gap = self._row_has_words
        else:  # html2text does nothing with it (span, font, emphasis, strike-through: a terminal shows plain text)
            self.lastWasList = False

    def _anchor(self, attrs: dict[str, str | None], start: bool) -> None:
        if start:
            href = one_line(attrs.get("href") or "", 2000)
            self._anchors.append((href if href and not href.startswith("#") else None, [], [False, False]))
            return
        href, words, (shown, image) = self._anchors.pop() if self._anchors else (None, [], (False, False))
        if href:
            placeholder = "[image]" if image else "[link]"
            self._before_words()
            if not shown:  # a link with nothing to read is still a link the user can follow
                self.o(placeholder)
            self.space = True
            self.o(f"[{self._link_number(href)}]")
            self.space = not shown or image  # words after a link made of an image stand apart
            label = one_line(" ".join(words), 80) or placeholder
            if not self.labels.get(href):
                self.labels[href] = label

    def _words(self, text: str) -> None:
        if self._anchors and len(self._anchors[-1][1]) < 50:  # a label needs a few words, not a whole page
            self._anchors[-1][1].append(text)


def _may_hide(style: str) -> bool:
    """A quick look before the regex: most styles name none of the hiding properties."""
    return "none" in style and "display" in style or "visibility" in style or "max-height" in style or \
        "opacity" in style


def _web_form(url: str) -> str:
    """A web address as a browser (and w3m and lynx) writes it: an empty path is `/`. The list shows this form;
    Link.url stays as the mail wrote it."""
    match = _NO_PATH.match(url)
    return f"{url[:match.end()]}/{url[match.end():]}" if match else url


def _span(attrs: dict[str, str | None]) -> int:
    try:
        return max(1, min(int(attrs.get("colspan") or 1), 20))
    except ValueError:
        return 1


# --- data tables --------------------------------------------------------------------------------------------------

_CELL_LINES = frozenset({"p", "div", "br", "li", *_HEADINGS})  # more than one in a cell: not one line of data
_LONG_CELL = 150  # characters: a paragraph, so a layout cell
_SAMPLE_ROWS = 100  # rows that tell what a table is and which of its columns hold numbers


def _numeric(text: str) -> bool:
    """A price, quantity, date or time: short, and at least half of its letters and digits are digits."""
    if not text or len(text) > 30:
        return False
    digits = sum(map(str.isdigit, text))
    return digits > 0 and 2 * digits >= sum(map(str.isalnum, text))


def _is_data_table(events: list) -> bool:
    """Whether a table (its events, without tables inside) holds data rather than layout."""
    rows: list[list[list]] = []  # cells: [header cell, text pieces, line-making elements]
    cell: list | None = None
    for event in events[1:]:
        if len(event) == 3:
            tag, _, start = event
            if not start:
                continue
            if tag == "tr":
                rows.append([])
                cell = None
            elif tag in ("td", "th"):
                if not rows:
                    rows.append([])
                cell = [tag == "th", [], 0]
                rows[-1].append(cell)
            elif cell is not None and tag in _CELL_LINES:
                cell[2] += 1
        elif cell is not None and event[0] != _NBSP:
            cell[1].append(event[0])
    if sum(len(row) > 1 for row in rows) < 2:  # most tables of a layout: known without reading the cells
        return False
    shaped: list[list[str]] = []  # the rows with two or more cells that hold words
    header = False
    for row in rows[:_SAMPLE_ROWS]:
        texts = [" ".join("".join(pieces).split()) for _, pieces, _ in row]
        if any(len(text) > _LONG_CELL for text in texts) or any(lines > 1 for _, _, lines in row):
            return False
        if sum(bool(text) for text in texts) >= 2:
            shaped.append(texts)
            header = header or any(is_th for is_th, _, _ in row)
    if len(shaped) < 2:
        return False
    if header:
        return True
    columns = max(len(texts) for texts in shaped)
    for column in range(columns):
        numbers = sum(_numeric(texts[column]) for texts in shaped if column < len(texts))
        if numbers and 2 * numbers >= len(shaped):
            return True
    return Counter(len(texts) for texts in shaped).most_common(1)[0][1] >= 3  # rows of one shape


def _width(text: str) -> int:
    """Columns on a terminal: wide (CJK) characters take two, combining marks none."""
    if text.isascii():
        return len(text)
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
               for ch in text)


def _layout_table(region: str) -> str:
    """A data table's marked text as aligned columns, numbers to the right."""
    items: list[str | list[tuple[int, str]]] = []  # loose text lines, and rows of (columns spanned, text)
    for segment in region.split(_ROW):
        loose, *cells = segment.split(_CELL)
        loose = " ".join(_HEAD_MARK.sub("", loose).split())
        if loose:
            items.append(loose)
        row = []
        for cell in cells:
            text = cell.lstrip(_SPAN)
            row.append((1 + len(cell) - len(text), " ".join(_MARKS.sub("", text).split())))
        if any(text for _, text in row):
            items.append(row)
    rows = [item for item in items if isinstance(item, list)]
    ncols = max((sum(span for span, _ in row) for row in rows), default=0)
    widths, used, numbers, texts = [0] * ncols, [False] * ncols, [0] * ncols, [0] * ncols
    for n, row in enumerate(rows):
        column = 0
        for span, text in row:
            if text:
                used[column] = True
                if span == 1:
                    widths[column] = max(widths[column], min(_width(text), _TABLE_CELL_MAX))
                    if n < _SAMPLE_ROWS:
                        texts[column] += 1
                        numbers[column] += _numeric(text)
            column += span
    starts, x = [], 0
    for column in range(ncols):
        starts.append(x)
        if used[column]:
            x += widths[column] + _TABLE_GAP
    lines = []
    for item in items:
        if isinstance(item, str):
            lines.append(item)
            continue
        line, at, column = "", 0, 0
        for span, text in item:
            if text:
                width = _width(text)
                right = span == 1 and 2 * numbers[column] > texts[column]
                target = starts[column] + (widths[column] - width if right else 0)
                target = max(target, at + _TABLE_GAP if line else 0)
                line += " " * (target - at) + text
                at = target + width
            column += span
        lines.append(line)
    return "\n" + "\n".join(lines) + "\n"


# --- conversion ---------------------------------------------------------------------------------------------------

def _convert(html: str, hide: bool) -> tuple[RenderedBody, int]:
    converter = _MailToText(hide)
    text = converter.handle(html)
    links = tuple(Link(n, url, converter.labels.get(url, "")) for url, n in converter.links.items())
    text, headings = _tidy(text)
    return RenderedBody(text, links, headings), converter.hidden_words


def html_to_text(html: str) -> RenderedBody:
    if not html.isascii() and _MARKS.search(html):
        html = _MARKS.sub("", html)  # the marks are ours alone
    body, hidden = _convert(html, hide=True)
    if hidden:
        enough = int(hidden * (1 - _NET_SHARE) / _NET_SHARE) + 1  # shown words that make the hiding plausible
        shown = sum(1 for _ in itertools.islice(_WORD.finditer(body.text), enough))
        if not shown or hidden >= _NET_WORDS and shown < enough:
            body = _convert(html, hide=False)[0]  # the safety net: these rules were wrong for this mail
    return body


def _tidy(text: str) -> tuple[str, tuple[int, ...]]:
    """Clean text with no trailing spaces or runs of blank lines, and the numbers of its heading lines."""
    # clean_text goes first when it would change which lines there are or which are blank, else last: on text that
    # is ASCII but for our marks it is many times faster once the marks are gone (the benchmark's 1 MB newsletter).
    early = _CHANGES_LINES.search(text) is not None
    if early:
        text = clean_text(text)
    if _TABLE in text:
        text = _TABLE_REGION.sub(lambda match: _layout_table(match.group(1)), text)
    lines: list[str] = []
    headings: list[int] = []
    blank = False
    for line in text.split("\n"):
        line = line.rstrip(" \t\xa0")  # &nbsp; pads many a layout cell
        if line[:1] == "\xa0":
            line = line.lstrip("\xa0 ")
        if not line:
            blank = bool(lines)
            continue
        if blank:
            lines.append("")
            blank = False
        if _HEAD in line:  # a heading mark only ever stands before words: the line stays
            headings.append(len(lines))
            line = _HEAD_MARK.sub("", line)
        lines.append(line)
    text = "\n".join(lines)
    if _MARKS.search(text):
        text = _MARKS.sub("", text)
    return text if early else clean_text(text), tuple(headings)


def plain_to_text(text: str) -> RenderedBody:
    """Plain-text mail is shown as it is (sanitised); the URLs in it are listed too."""
    clean = clean_text(text).rstrip()
    urls: dict[str, int] = {}
    for match in _URL_IN_TEXT.finditer(clean):
        urls.setdefault(match.group(0).rstrip(".,;:!?)]}"), len(urls) + 1)
    return RenderedBody(clean, tuple(Link(n, url) for url, n in urls.items()))


def render_body(content: str, is_html: bool) -> RenderedBody:
    return html_to_text(content) if is_html else plain_to_text(content)


def links_block(body: RenderedBody) -> str:
    """The numbered links, to stand under the body text (empty when there are none)."""
    if not body.links:
        return ""
    lines = [f"  [{link.number}] {_web_form(link.url)}" + ("" if link.safe else "   (not a web link: never opened)")
             for link in body.links]
    return "\n\nLinks:\n" + "\n".join(lines)


def text_with_links(body: RenderedBody) -> str:
    """The body text with its links listed under it, as the reader and `tmail read` show it."""
    return (body.text or "(empty message)") + links_block(body)


def for_reader(content: str, is_html: bool) -> RenderedBody:
    """A body as the reader shows it: text_with_links ready for a terminal widget, the links themselves (to open or
    copy) and the heading lines."""
    body = render_body(content, is_html)
    text, headings = _for_display(text_with_links(body), body.headings if body.text else ())
    return RenderedBody(text, body.links, headings)


PREVIEW = 32_768  # characters of HTML converted first, so a 1 MB newsletter shows its top at once


def preview_for_reader(content: str) -> RenderedBody:
    """The top of a big HTML mail, converted from its first PREVIEW characters while the whole is converted. Links
    are numbered in order of appearance, so the top's links already carry their final numbers."""
    body = html_to_text(content[:PREVIEW])
    text, headings = _for_display(body.text, body.headings)
    return RenderedBody(text + "\n\n[converting the rest…]", body.links, headings)


DISPLAY_LIMIT = 1_000_000  # characters of body shown in the reader; more freezes any terminal widget
LONG_LINE = 2000


def for_display(text: str, limit: int = DISPLAY_LIMIT) -> str:
    """Text ready for a terminal widget: lines longer than LONG_LINE broken (at a space when there is one nearby),
    and the whole cut at `limit` with a note. A 5 MB body with no newline would otherwise freeze the reader."""
    return _for_display(text, (), limit)[0]


def _for_display(text: str, headings: tuple[int, ...], limit: int = DISPLAY_LIMIT) -> tuple[str, tuple[int, ...]]:
    """for_display, and where the heading lines went."""
    cut = len(text) > limit
    if cut:
        text = text[:limit]
        lines = text.count("\n") + 1
        headings = tuple(n for n in headings if n < lines)
    if any(len(line) > LONG_LINE for line in text.split("\n")):
        pieces: list[str] = []
        first_piece: list[int] = []  # the line each original line starts at
        for line in text.split("\n"):
            first_piece.append(len(pieces))
            while len(line) > LONG_LINE:
                at = line.rfind(" ", LONG_LINE // 2, LONG_LINE)
                at = at + 1 if at > 0 else LONG_LINE
                pieces.append(line[:at])
                line = line[at:]
            pieces.append(line)
        text = "\n".join(pieces)
        headings = tuple(first_piece[n] for n in headings)
    if cut:
        text += f"\n\n[tmail: the message is longer than {limit:,} characters; the rest is not shown here. " \
                "`tmail read MESSAGE_ID` prints all of it.]"
    return text, headings


# --- wrapping for a terminal (`tmail read`) ---------------------------------------------------------------------

_LEAD = re.compile(r"[ \t]*(?:(?:> ?)+|(?:[•*-]|\d{1,3}[.)]|\[\d{1,4}\]) +)?")
_CELL_GAP = re.compile(r" {2,}")


def wrap_for_terminal(text: str, width: int) -> str:
    """Lines wrapped at word boundaries to `width` terminal columns (wide characters count two).

    A URL is never broken: one wider than the terminal stands alone on its line, so it can still be copied whole.
    Continuation lines keep the line's indentation, hang under a list mark or repeat a quote's `> `. In a row of
    cells (two or more spaces apart) a cell moves to the next line whole when it can.
    """
    width = max(width, 10)
    out: list[str] = []
    for line in text.split("\n"):
        if _width(line) <= width:
            out.append(line)
        else:
            out.extend(_wrap_line(line, width))
    return "\n".join(out)


def _wrap_line(line: str, width: int) -> list[str]:
    lead = _LEAD.match(line).group(0)
    body = line[len(lead):]
    if lead.lstrip().startswith(">"):
        hang = lead
    else:
        hang = " " * _width(lead)
    cells = _CELL_GAP.split(body)
    if len(cells) > 1:
        hang += "  "  # the rest of a row, set in from its first cell
    if _width(hang) > width // 2:
        hang = hang[: width // 4]
    lines: list[str] = []
    current, at = lead, _width(lead)  # the line being filled and its width
    fresh = True  # nothing but the lead or hang on it yet

    def new_line() -> None:
        nonlocal current, at, fresh
        lines.append(current.rstrip())
        current, at, fresh = hang, _width(hang), True

    for index, cell in enumerate(cells):
        gap = "" if fresh else "   " if index and len(cells) > 1 else " "
        cell_width = _width(cell)
        if not fresh and at + len(gap) + cell_width > width and _width(hang) + cell_width <= width:
            new_line()  # the whole cell fits on a line of its own
            gap = ""
        for word in cell.split(" "):
            if not word:
                continue
            word_width = _width(word)
            if not fresh and at + len(gap) + word_width > width:
                new_line()
                gap = ""
            while word_width > width - at and not _URL_IN_TEXT.match(word) and fresh:
                piece = _cut_to(word, width - at)  # a word wider than the terminal (not a URL): broken
                current += piece
                word = word[len(piece):]
                word_width = _width(word)
                new_line()
            if word:
                current += gap + word
                at += len(gap) + word_width
                fresh = False
            gap = " "
    if not fresh or not lines:
        lines.append(current.rstrip())
    return lines


def _cut_to(word: str, columns: int) -> str:
    """The longest start of `word` that fits in `columns` (at least one character)."""
    taken = 0
    for index, ch in enumerate(word):
        taken += _width(ch)
        if taken > columns:
            return word[: max(index, 1)]
    return word


def human_size(size: int | None) -> str:
    if size is None or size < 0:
        return "size unknown"
    if size < 1024:
        return f"{size} B"
    for unit in ("KB", "MB", "GB"):
        size /= 1024
        if size < 1024 or unit == "GB":
            return f"{size:.1f} {unit}" if size < 10 else f"{size:.0f} {unit}"
    return f"{size} B"  # pragma: no cover
