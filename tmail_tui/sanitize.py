"""The one sanitiser for text bound for a terminal and for file names that come from mail.

Textual does not strip terminal escapes, and everything here comes from strangers: a subject can carry ESC[2J, an
OSC 52 clipboard write or a bidi override that hides a file's real extension. Control characters become visible
placeholders, invisible formatting characters are dropped, and bidi controls are shown as `<U+202E>`.
Markup is a separate concern: callers wrap the result in `rich.text.Text`, never parse it as markup.
"""

from __future__ import annotations

import re
import unicodedata

# C0 controls and DEL become their Unicode "control picture" (ESC -> ␛), C1 controls a visible code.
_CONTROL_PICTURES = {code: chr(0x2400 + code) for code in range(0x20)} | {0x7F: "\u2421"}
_C1 = {code: f"<{code:02X}>" for code in range(0x80, 0xA0)}
# Bidi embeddings, overrides and isolates reorder what follows them: made visible so nothing hides.
_BIDI = {code: f"<U+{code:04X}>" for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}
# Invisible characters with no safety meaning (zero-width spaces, joiners, marks, BOM, soft hyphen) are dropped:
# newsletters pad their preheaders with hundreds of them.
_DROPPED = dict.fromkeys((0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x180E, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F,
                          0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0x3164, 0xFEFF, 0xFFA0), "")

_TEXT_TABLE = {**_CONTROL_PICTURES, **_C1, **_BIDI, **_DROPPED, 0x2028: "\n", 0x2029: "\n"}

_SUSPECT = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u034f\u061c\u115f\u1160\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064"
    "\u2066-\u2069\u3164\ufeff\uffa0\ud800-\udfff]"
)
_SURROGATE = re.compile("[\ud800-\udfff]")


def replace_surrogates(text: str) -> str:
    """Lone surrogates (legal in JSON, not in UTF-8) become U+FFFD: nothing downstream can encode them."""
    if text.isascii():  # (known without a scan)
        return text
    try:
        text.encode()  # C-fast, twice the speed of searching: only a surrogate makes it fail
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text)
    return text


def clean_text(text: object, *, multiline: bool = True, tab_size: int = 4) -> str:
    """Text safe to show: no control characters, no invisible reordering.

    With `multiline`, newlines are kept (CRLF and lone CR become LF) and tabs expand to spaces; without it, every
    line break or tab becomes one space.
    """
    if text is None:
        return ""
    if not isinstance(text, str):
        text = str(text)
    if not _SUSPECT.search(text):
        return text  # the common case costs one regex scan
    text = text.replace("\r\n", "\n")
    if multiline:
        table = {**_TEXT_TABLE, 0x0A: "\n", 0x0D: "\n", 0x09: " " * tab_size}
    else:
        table = {**_TEXT_TABLE, 0x0A: " ", 0x0D: " ", 0x09: " ", 0x2028: " ", 0x2029: " "}
    return replace_surrogates(text.translate(table))


def one_line(text: object, limit: int | None = None) -> str:
    """A single line for lists, titles and notifications: cleaned, whitespace folded, cut to `limit`."""
    value = " ".join(clean_text(text, multiline=False).split())
    if limit is not None and len(value) > limit:
        value = value[: max(limit - 1, 0)].rstrip() + "…"
    return value


def redact(text: str, secret: str | None) -> str:
    """Remove a secret from text a server sent back, in case it echoes the request."""
    if secret and len(secret) >= 4 and secret in text:
        return text.replace(secret, "***")
    return text


# --- file names -------------------------------------------------------------------------------------------------

_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", "CLOCK$", "CONIN$", "CONOUT$",
                     *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}
_UNSAFE_IN_NAME = re.compile(r'[<>:"|?*\x00-\x1f\x7f-\x9f]')
# In a file name a visible `<U+202E>` would be noise: bidi controls are simply removed, so the real extension shows.
_HIDDEN_IN_NAME = dict.fromkeys(_BIDI, "") | _DROPPED
_MAX_NAME_BYTES = 200  # leaves room under the usual 255-byte limit for " (12)" and a temporary suffix
_MAX_EXTENSION = 16


def _split_extension(name: str) -> tuple[str, str]:
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or not ext or len(ext) > _MAX_EXTENSION or not ext.isalnum():
        return name, ""
    return stem, "." + ext


def _cut_to_bytes(text: str, limit: int) -> str:
    encoded = text.encode("utf-8")[:limit]
    return encoded.decode("utf-8", "ignore")


def safe_filename(name: object, fallback: str = "attachment", extension: str = "") -> str:
    """A file name that stays inside the folder it is joined to, keeps its extension and hides nothing.

    `../../.bashrc` -> `bashrc`, `invoice\\u202etxt.exe` -> `invoicetxt.exe`, `CON` -> `_CON`, `` -> `attachment`.
    `extension` (the API's own field) is used when the name itself has none to keep.
    """
    text = unicodedata.normalize("NFC", name if isinstance(name, str) else "")
    text = _SURROGATE.sub("", text)
    text = text.translate(_HIDDEN_IN_NAME)
    # Only the last path component counts, whichever separator the sender used.
    text = re.split(r"[/\\]", text)[-1]
    text = _UNSAFE_IN_NAME.sub("_", text)
    text = " ".join(text.split())  # no leading, trailing or repeated white space
    text = text.lstrip(".-_ ").rstrip(". ")
    stem, ext = _split_extension(text)
    if not stem.strip("._- "):
        clean_ext = re.sub(r"[^A-Za-z0-9]", "", extension or "")[:_MAX_EXTENSION]
        stem, ext = fallback, (ext or (f".{clean_ext}" if clean_ext else ""))
    if stem.split(".")[0].upper() in _WINDOWS_RESERVED:
        stem = "_" + stem
    stem = _cut_to_bytes(stem, _MAX_NAME_BYTES - len(ext.encode("utf-8"))).rstrip(". ") or fallback
    return stem + ext


def numbered_names(name: str):
    """`name`, then `stem (1).ext`, `stem (2).ext`, ...: candidates that never overwrite."""
    stem, ext = _split_extension(name)
    yield name
    n = 1
    while True:
        yield f"{stem} ({n}){ext}"
        n += 1
