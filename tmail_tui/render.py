"""Mail bodies as clean text: HTML through html2text, tuned for real mail, with links as a numbered list.

Tuning (judged on real newsletters and receipts): no wrapping (the terminal wraps), layout tables flattened to
text instead of pipes and dashes, cells of a row kept apart, images as `[image: alt]` (tracking pixels with no alt
vanish), `<script>`, `<style>` and hidden preheaders (`display:none` and friends) dropped, no Markdown escapes.
Every link becomes `text [n]` and is listed under the body; javascript:, data:, file: and the like are marked unsafe.
The result is sanitised: no control character survives, whether it came raw or as an entity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import html2text

from .sanitize import clean_text, one_line

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_HIDDEN_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|mso-hide\s*:\s*all|max-height\s*:\s*0(?![.\d])|"
    r"(?<![-\w])font-size\s*:\s*0(?![.\d])|opacity\s*:\s*0(?![.\d])", re.IGNORECASE)
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
                   "wbr"})
_URL_IN_TEXT = re.compile(r"\b(?:https?://|mailto:)[^\s<>\"'`\[\]]+", re.IGNORECASE)
_SCHEME = re.compile(r"\s*([A-Za-z][A-Za-z0-9+.-]*):")
_BLANK_RUNS = re.compile(r"\n[ \t]*(?:\n[ \t]*){2,}")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")


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

    def to_wire(self) -> list:
        """As JSON-able lists, for the converter's worker process."""
        return [self.text, [[link.number, link.url, link.label] for link in self.links]]

    @classmethod
    def from_wire(cls, data: list) -> RenderedBody:
        text, links = data
        return cls(str(text), tuple(Link(int(n), str(url), str(label)) for n, url, label in links))


class _MailToText(html2text.HTML2Text):
    def __init__(self) -> None:
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
        self._anchors: list[tuple[str | None, list[str]]] = []  # (href, words so far) of each open <a>
        self._hidden: list[list] = []  # [tag, nesting] of each open hidden element
        self._cells = 0

    def _link_number(self, href: str) -> int:
        return self.links.setdefault(href, len(self.links) + 1)

    def handle_tag(self, tag: str, attrs: dict[str, str | None], start: bool) -> None:
        if self._hidden:
            hidden = self._hidden[-1]
            if tag == hidden[0] and tag not in _VOID:
                hidden[1] += 1 if start else -1
                if hidden[1] == 0:
                    self._hidden.pop()
                    self.quiet -= 1
            return
        if start and _HIDDEN_STYLE.search(attrs.get("style") or "") or start and "hidden" in attrs:
            if tag not in _VOID:
                self._hidden.append([tag, 1])
                self.quiet += 1
            return
        if tag == "a":
            self._anchor(attrs, start)
            return
        if tag == "img":
            alt = one_line(attrs.get("alt") or "", 120)
            if start and alt:
                self.o(f"[image: {alt}]")
                self._words(alt)
            return
        if tag == "tr" and start:
            self._cells = 0
        if tag in ("td", "th") and start:
            if self._cells:
                self.o("  ")
            self._cells += 1
        super().handle_tag(tag, attrs, start)

    def _anchor(self, attrs: dict[str, str | None], start: bool) -> None:
        if start:
            href = one_line(attrs.get("href") or "", 2000)
            self._anchors.append((href if href and not href.startswith("#") else None, []))
            return
        href, words = self._anchors.pop() if self._anchors else (None, [])
        if href:
            self.o(f" [{self._link_number(href)}]")
            label = one_line(" ".join(words), 80)
            if label and not self.labels.get(href):
                self.labels[href] = label

    def _words(self, text: str) -> None:
        if self._anchors and len(self._anchors[-1][1]) < 50:  # a label needs a few words, not a whole page
            self._anchors[-1][1].append(text)

    def handle_data(self, data: str, entity_char: bool = False) -> None:
        if not self.quiet:
            self._words(data)
        # Plain text is wanted, not Markdown: skip html2text's backslash escaping.
        super().handle_data(data, entity_char=True)


def html_to_text(html: str) -> RenderedBody:
    converter = _MailToText()
    text = converter.handle(html)
    links = tuple(Link(n, url, converter.labels.get(url, "")) for url, n in converter.links.items())
    return RenderedBody(_tidy(text), links)


def _tidy(text: str) -> str:
    text = clean_text(text)
    text = _TRAILING_SPACE.sub("\n", text)
    text = _BLANK_RUNS.sub("\n\n", text)
    return text.strip("\n")


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
    lines = [f"  [{link.number}] {link.url}" + ("" if link.safe else "   (not a web link: never opened)")
             for link in body.links]
    return "\n\nLinks:\n" + "\n".join(lines)


def text_with_links(body: RenderedBody) -> str:
    """The body text with its links listed under it, as the reader and `tmail read` show it."""
    return (body.text or "(empty message)") + links_block(body)


def for_reader(content: str, is_html: bool) -> RenderedBody:
    """A body as the reader shows it: text_with_links ready for a terminal widget, and the links themselves (to
    open or copy)."""
    body = render_body(content, is_html)
    return RenderedBody(for_display(text_with_links(body)), body.links)


PREVIEW = 32_768  # characters of HTML converted first, so a 1 MB newsletter shows its top at once


def preview_for_reader(content: str) -> RenderedBody:
    """The top of a big HTML mail, converted from its first PREVIEW characters while the whole is converted. Links
    are numbered in order of appearance, so the top's links already carry their final numbers."""
    body = html_to_text(content[:PREVIEW])
    return RenderedBody(for_display(body.text) + "\n\n[converting the rest…]", body.links)


DISPLAY_LIMIT = 1_000_000  # characters of body shown in the reader; more freezes any terminal widget
LONG_LINE = 2000


def for_display(text: str, limit: int = DISPLAY_LIMIT) -> str:
    """Text ready for a terminal widget: lines longer than LONG_LINE broken (at a space when there is one nearby),
    and the whole cut at `limit` with a note. A 5 MB body with no newline would otherwise freeze the reader."""
    cut = len(text) > limit
    if cut:
        text = text[:limit]
    if any(len(line) > LONG_LINE for line in text.split("\n")):
        pieces: list[str] = []
        for line in text.split("\n"):
            while len(line) > LONG_LINE:
                at = line.rfind(" ", LONG_LINE // 2, LONG_LINE)
                at = at + 1 if at > 0 else LONG_LINE
                pieces.append(line[:at])
                line = line[at:]
            pieces.append(line)
        text = "\n".join(pieces)
    if cut:
        text += f"\n\n[tmail: the message is longer than {limit:,} characters; the rest is not shown here. " \
                "`tmail read MESSAGE_ID` prints all of it.]"
    return text


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
