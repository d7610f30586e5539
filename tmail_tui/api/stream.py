"""The answer to GET /api/messages, read as it arrives: each message's raw JSON is handed out as soon as it is whole,
so a poll never holds the whole answer (hundreds of MB for a box of thousands of HTML mails) nor its objects.

    reader = ListingReader(on_batch)      # on_batch(array, [raw message bytes, ...]) as they complete
    for chunk in response: reader.feed(chunk)
    array = reader.close()                # which array is the message list (or ServerError / ApiError)

How: a small tokenizer in Python walks the answer's outer object (a few hundred bytes: status, mailbox) and follows
the keys that can hold the list (`messages`, `data.messages`, `data`). Inside such an array the messages are split
by msgspec (C): a stretch of the buffer that ends where one message ends and the next begins (`}`, `,`, `{`) is
decoded as a list of `msgspec.Raw`, which validates the JSON and hands back each element's bytes without building
any object (about 1.5 GB/s; the stdlib's `json.loads` of the same answer is 5-10 times slower). A stretch msgspec
refuses (NaN, which Python's json accepts; a candidate end inside a nested list) is split one element at a time by
the tokenizer instead, so whatever `json.loads` accepts is read, and what it refuses is refused.

Everything outside those arrays is kept (the skeleton, with each array left empty) and parsed at the end by the same
`decode` as any answer, so an answer's shape, `status: false`, or broken JSON around the list give the same errors
as before. Elements are decoded by `decode` too (one at a time, only those the caller needs): invalid UTF-8, lone
surrogates, 5,000-digit numbers and NaN are treated exactly as when the answer was read whole.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import msgspec

from .errors import ServerError

BATCH = 1 << 20  # bytes gathered before msgspec splits them: few calls, each well under a millisecond per MB
_RAWS = msgspec.json.Decoder(list[msgspec.Raw])
_SPACE = re.compile(rb"[ \t\n\r]*")
_STRING_END = re.compile(rb'(?:[^"\\]++|\\.)*+"', re.DOTALL)  # from just after an opening quote
_SCALAR = re.compile(rb'[^ \t\n\r,:\[\]{}"]+')
_STRUCTURE = re.compile(rb'[\[\]{}"]')
_NEXT_MESSAGE = re.compile(rb"[ \t\n\r]*,[ \t\n\r]*\{")
_LIST_PATHS = {("messages",), ("data", "messages"), ("data",)}
NOT_JSON = "The server sent something that is not JSON."


def _key(token: bytes) -> str | None:
    """A JSON object key as text (keys may use escapes: "mess\\u0061ges" is "messages")."""
    from .client import (
        _decode,  # the one decoder of answers (client imports this module)
    )

    try:
        key = _decode(token)
    except ServerError:
        return None
    return key if isinstance(key, str) else None


class ListingReader:
    """Splits an answer into its message lists' elements as bytes arrive (see the module docstring)."""

    def __init__(self, on_batch: Callable[[int, list], None]) -> None:
        self.on_batch = on_batch
        self.arrays: list[tuple[str, ...]] = []  # the path of each array followed, in order
        self._buf = bytearray()
        self._pos = 0
        self._skeleton: list[bytes] = []
        # The outer tokenizer: a stack of containers, each [kind, key of the value being read, expecting a key].
        self._stack: list[list] = []
        self._array: int | None = None  # the array being split, when inside one
        self._state = "start"  # inside a list: at its "start", after an "element", after a "comma"
        self._slow_until = 0  # msgspec refused the stretch up to here: the tokenizer splits it
        self._retry_at = 0  # buffer length below which an attempt that needs more bytes is not repeated

    # --- feeding -------------------------------------------------------------------------------------------------

    def feed(self, chunk: bytes) -> None:
        self._buf += chunk
        if len(self._buf) >= self._retry_at:
            self._run(final=False)
        if self._pos > BATCH:  # drop what has been handed out (a copy of the rest: the rest is small)
            del self._buf[:self._pos]
            self._retry_at = max(self._retry_at - self._pos, 0)
            self._slow_until = max(self._slow_until - self._pos, 0)
            self._pos = 0

    def close(self) -> tuple[object, int | None]:
        """The end of the answer: the answer as json.loads reads it, each followed list left empty, and the index of
        the list `_parse_messages` picks from it (None: none of those followed)."""
        self._run(final=True)
        if self._array is not None or self._stack or self._pos < len(self._buf):
            raise ServerError(NOT_JSON)
        from .client import _decode

        data = _decode(b"".join(self._skeleton))
        return data, self._pick(data)

    def _pick(self, data: object) -> int | None:
        """The array that `_parse_messages` picks from the whole answer, by where it was (the last array at a path
        is the one a JSON object keeps when a key is repeated)."""
        if not isinstance(data, dict):
            return None
        last = {path: index for index, path in enumerate(self.arrays)}
        if data.get("messages") is not None:
            return last.get(("messages",)) if isinstance(data["messages"], list) else None
        inner = data.get("data")
        if isinstance(inner, dict) and inner.get("messages") is not None:
            return last.get(("data", "messages")) if isinstance(inner["messages"], list) else None
        if isinstance(inner, list):
            return last.get(("data",))
        return None

    # --- the outer tokenizer ---------------------------------------------------------------------------------------

    def _run(self, final: bool) -> None:
        while self._pos < len(self._buf):
            if self._array is not None:
                if not self._split(final):
                    return
                continue
            if not self._outer_token(final):
                return

    def _outer_token(self, final: bool) -> bool:
        """Reads one token outside the followed arrays; False when more bytes are needed."""
        buf, start = self._buf, self._pos
        pos = _SPACE.match(buf, start).end()
        if pos >= len(buf):
            self._emit(start, pos)
            return False
        char = buf[pos]
        top = self._stack[-1] if self._stack else None
        if char == 0x22:  # a string: a key or a value
            end = _STRING_END.match(buf, pos + 1)
            if end is None:
                self._need(final, start)
                return False
            if top is not None and top[0] == "{" and top[2]:
                top[1], top[2] = _key(bytes(buf[pos:end.end()])), False
            self._emit(start, end.end())
            return True
        if char in b"{[":
            if char == 0x5B and 0 < len(self._stack) <= 2 and all(entry[0] == "{" for entry in self._stack) \
                    and tuple(entry[1] for entry in self._stack) in _LIST_PATHS:  # (only lists 1 or 2 deep)
                self._emit(start, pos + 1)
                self._skeleton.append(b"]")
                self.arrays.append(tuple(entry[1] for entry in self._stack))
                self._array, self._state = len(self.arrays) - 1, "start"
                self._pos = pos + 1
                return True
            self._stack.append([chr(char), None, char == 0x7B])
        elif char in b"}]":
            if self._stack:
                self._stack.pop()
        elif char == 0x2C and top is not None and top[0] == "{":  # a comma in an object: a key comes next
            top[1], top[2] = None, True
        elif char not in b":,":
            scalar = _SCALAR.match(buf, pos)
            if scalar is None:
                raise ServerError(NOT_JSON)
            if scalar.end() == len(buf) and not final:  # a number may go on in the next chunk
                self._need(final, start)
                return False
            self._emit(start, scalar.end())
            return True
        self._emit(start, pos + 1)
        return True

    def _emit(self, start: int, end: int) -> None:
        if end > start:
            self._skeleton.append(bytes(self._buf[start:end]))
        self._pos = end

    def _need(self, final: bool, start: int) -> None:
        """Wait for more bytes, and don't try again before the buffer has doubled (linear, whatever the chunks)."""
        if final:
            raise ServerError(NOT_JSON)
        self._pos = start
        self._retry_at = len(self._buf) + max(len(self._buf) - start, 4096)

    # --- inside a message list -------------------------------------------------------------------------------------

    def _split(self, final: bool) -> bool:
        """Hands out the whole elements now in the buffer; False when more bytes are needed."""
        buf = self._buf
        pos = _SPACE.match(buf, self._pos).end()
        if pos >= len(buf):
            if final:
                raise ServerError(NOT_JSON)
            self._pos = pos
            return False
        char = buf[pos]
        if char == 0x5D and self._state != "comma":  # the list ends (not after a trailing comma)
            self._array, self._pos = None, pos + 1
            return True
        if self._state == "element":  # after an element: a comma, or the end above
            if char != 0x2C:
                raise ServerError(NOT_JSON)
            self._state, self._pos = "comma", pos + 1
            return True
        self._pos = pos
        if len(buf) - pos < BATCH and not final:
            self._retry_at = pos + BATCH
            return False
        if pos >= self._slow_until:
            found = self._last_boundary(pos)
            if found is not None:
                self._hand_out(*found)
                return True
        end = self._one_element(pos)
        if end is None:
            if final:
                raise ServerError(NOT_JSON)
            self._retry_at = len(buf) + max(len(buf) - pos, BATCH)  # one huge element: wait till it doubles
            return False
        self._hand_out([bytes(buf[pos:end])], end)
        return True

    def _last_boundary(self, pos: int) -> tuple[list, int] | None:
        """The messages from `pos` to the end of the last one in the buffer whose next one has begun, if msgspec
        accepts them as whole JSON values; None otherwise (then the tokenizer goes one element at a time up to the
        refused stretch's end, so a server that always sends NaN costs one refusal a batch)."""
        buf = self._buf
        cut = len(buf)
        for _ in range(3):  # a candidate inside a nested list of objects is refused: try an earlier one
            cut = buf.rfind(b"}", pos, cut)
            if cut < 0:
                break
            if _NEXT_MESSAGE.match(buf, cut + 1):
                try:
                    return _RAWS.decode(b"".join((b"[", memoryview(buf)[pos:cut + 1], b"]"))), cut + 1  # one copy
                except msgspec.DecodeError:
                    self._slow_until = max(self._slow_until, cut + 1)
        return None

    def _hand_out(self, raws: list, end: int) -> None:
        self._pos, self._state = end, "element"
        if raws:
            self.on_batch(self._array, raws)

    def _one_element(self, pos: int) -> int | None:
        """The end of the one JSON value at `pos` (brackets and strings followed, nothing decoded), or None if it is
        not whole yet."""
        buf = self._buf
        if buf[pos] == 0x22:
            end = _STRING_END.match(buf, pos + 1)
            return end.end() if end else None
        if buf[pos] not in b"{[":
            scalar = _SCALAR.match(buf, pos)
            if scalar is None:
                raise ServerError(NOT_JSON)
            return scalar.end() if scalar.end() < len(buf) else None
        depth, at = 0, pos
        while True:
            found = _STRUCTURE.search(buf, at)
            if found is None:
                return None
            char = buf[found.start()]
            if char == 0x22:
                end = _STRING_END.match(buf, found.end())
                if end is None:
                    return None
                at = end.end()
                continue
            depth += 1 if char in b"{[" else -1
            at = found.end()
            if depth == 0:
                return at
