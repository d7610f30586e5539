"""Mail out of tmail: each message as a real RFC 5322 message, into mbox, maildir or .eml files, or into a command.

    build_message(message, attachments={name: bytes}, missing={name: why}) -> EmailMessage
    await export_boxes(store, addresses, "mbox" | "maildir" | "eml", folder, fetch=...) -> ExportReport
    await pipe_to(command, data) -> PipeResult            # the reader's `|`

A message is built with Python's `email` package (policy.default): From (the sender's name and address), To (the
box), Date (received, else fetched), Subject, Message-ID made from the API's id (`<id@box's domain>`; an id that is
not a valid message-id is hex-encoded) and X-Tmail-Id with the id as the API gave it. An HTML mail is
multipart/alternative: the text the reader shows (with its numbered links) first, the HTML as received second; a
plain mail is text/plain. Attachments are MIME parts with the bytes the server sends (`--with-attachments`); an
attachment that is not included is named in an `X-Tmail-Attachment-Missing` header with the reason (not asked
for, no longer on the server, too big, a network error), and the command says so too. Header values are made one
line and their control characters visible (a subject cannot add a header); lines end in LF, as mutt writes them.

Files: each box goes to `<address>.mbox`, or a folder `<address>/` (maildir, or one `.eml` a message), in the
folder given; nothing there is ever overwritten or appended to: a name that exists gets ` (1)`, ` (2)`... Mail is
private, so folders are made 0700 and files 0600. Messages go oldest first, as mail files are read.

The pipe (mutt's `|`): the user's command runs through /bin/sh, as in mutt, so pipelines and redirections work
(`grep -i invoice | wc -l`, `cat > ~/msg.eml`). That is safe because the command is only ever what the user typed:
nothing from the mail goes into it, the message goes to its standard input. Its environment is tmail's without
the API key, it runs in a session of its own (so stopping it stops a whole pipeline), for at most PIPE_TIMEOUT
seconds or until cancelled, and its output (stdout and stderr together, at most OUTPUT_LIMIT bytes) comes back as
text for the caller to show sanitised. It has no terminal: `less` or `vim` act as filters, and the reader shows
what they print.
"""

from __future__ import annotations

import asyncio
import itertools
import mailbox
import mimetypes
import os
import re
import signal
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from .api import NotFoundError, TempMailClient, TmailError
from .api.models import Attachment, Message
from .config import environment_without_key
from .downloads import prepare_folder
from .formatting import headers
from .render import human_size, render_body, text_with_links
from .sanitize import clean_text, numbered_names, one_line, safe_filename
from .store import Store

FORMATS = ("mbox", "maildir", "eml")
MAX_ATTACHMENT = 100 * 1024 * 1024  # bytes of one attachment kept in memory to build its message
PIPE_TIMEOUT = 60.0
OUTPUT_LIMIT = 1024 * 1024
_ATEXT = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_DOMAIN = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+")
Fetch = Callable[[Message, Attachment], Awaitable[bytes]]


# --- one message ------------------------------------------------------------------------------------------------

def message_id(message: Message) -> str:
    """`<id@domain>` from the API's id and the box's domain."""
    left = message.id if _ATEXT.fullmatch(message.id) and len(message.id) <= 200 else \
        "x" + message.id.encode("utf-8", "replace").hex()[:200]
    domain = message.mailbox.rpartition("@")[2].lower()
    return f"<{left}@{domain if _DOMAIN.fullmatch(domain) else 'tmail.invalid'}>"


def received(message: Message, fallback: float | None = None) -> datetime:
    if message.received_at is not None:
        return message.received_at
    return datetime.fromtimestamp(fallback if fallback is not None else time.time(), timezone.utc)


def _set(msg: EmailMessage, name: str, value: object) -> None:
    """A header, never failing on what the server sent: an address the parser refuses goes in as text."""
    try:
        msg[name] = value
    except (ValueError, TypeError, IndexError):
        del msg[name]
        msg[name] = one_line(str(value), 900)


def _sender(message: Message) -> object:
    address = one_line(message.from_email, 300)
    name = one_line(message.from_name, 200)
    try:
        return Address(display_name=name, addr_spec=address) if address else (name or "unknown sender")
    except (ValueError, IndexError, TypeError):
        return f"{name} <{address}>" if name else address


def build_message(message: Message, *, fetched_at: float | None = None, attachments: dict[str, bytes] | None = None,
                  missing: dict[str, str] | None = None) -> EmailMessage:
    """The message as an RFC 5322 message (see the module's docstring). `attachments` maps a name to its bytes;
    `missing` a name to why it is not included. (Whether it was read is the mail file's business: mbox and
    maildir flags.)"""
    msg = EmailMessage(policy=policy.default)
    _set(msg, "From", _sender(message))
    _set(msg, "To", one_line(message.mailbox, 300) or "undisclosed-recipients:;")
    _set(msg, "Date", format_datetime(received(message, fetched_at)))
    _set(msg, "Subject", one_line(message.subject, 900))
    _set(msg, "Message-ID", message_id(message))
    _set(msg, "X-Tmail-Id", one_line(message.id, 300))
    for attachment in message.attachments:
        if attachment.name in (missing or {}):
            _set(msg, "X-Tmail-Attachment-Missing",
                 f"{one_line(attachment.name, 200)} ({one_line(missing[attachment.name], 200)})")
    if message.is_html:
        msg.set_content(text_with_links(render_body(message.content, True)))
        msg.add_alternative(message.content, subtype="html")
    else:
        msg.set_content(message.content)
    added: set[str] = set()
    for attachment in message.attachments:
        data = (attachments or {}).get(attachment.name)
        if data is None or attachment.name in added:
            continue  # not included, or a second attachment of one name (the server can only give one)
        added.add(attachment.name)
        name = safe_filename(attachment.name, extension=attachment.extension)
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        maintype, _, subtype = kind.partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg


def message_bytes(msg: EmailMessage) -> bytes:
    return msg.as_bytes(policy=policy.default)


def message_as_text(message: Message) -> str:
    """The message as the reader shows it: headers, the body as clean text with its links, the attachments."""
    lines = [f"{label + ':':<9}{value}" for label, value in headers(message, seconds=True)]
    lines += ["", text_with_links(render_body(message.content, message.is_html))]
    if message.attachments:
        lines += ["", "Attachments:"] + [f"  {safe_filename(a.name, extension=a.extension)}  ({human_size(a.size)})"
                                         for a in message.attachments]
    return clean_text("\n".join(lines)) + "\n"


async def download(api: TempMailClient, message: Message, attachment: Attachment,
                   limit: int = MAX_ATTACHMENT) -> bytes:
    """An attachment's bytes from the server (TmailError when it cannot be had, saying why)."""
    chunks, size = [], 0
    async with api.attachment_stream(message.id, attachment.name) as stream:
        async for chunk in stream:
            size += len(chunk)
            if size > limit:
                raise TmailError(f"larger than {human_size(limit)}")
            chunks.append(chunk)
    return b"".join(chunks)


# --- files ------------------------------------------------------------------------------------------------------

def _claim(folder: Path, name: str, make: Callable[[Path], None], *, extension: bool = True) -> Path:
    """The first free one of `name`, `name (1)`, ... (`stem (1).ext` for a file): `make` creates it exclusively
    (FileExistsError: taken, a link included)."""
    names = numbered_names(name) if extension else (name if n == 0 else f"{name} ({n})" for n in itertools.count())
    for _, candidate in zip(range(10_000), names):
        path = folder / candidate
        try:
            make(path)
            return path
        except FileExistsError:
            continue
    raise TmailError(f"No free name for {name} in {folder}.")


def _new_file(path: Path) -> None:
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600))


def _new_folder(path: Path) -> None:
    os.mkdir(path, 0o700)


class _Writer:
    def __init__(self, folder: Path, address: str) -> None:
        self.base = safe_filename(address, fallback="mailbox")

    def add(self, msg: EmailMessage, message: Message, seen: bool, when: datetime) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


class _Mbox(_Writer):
    def __init__(self, folder: Path, address: str) -> None:
        super().__init__(folder, address)
        self.path = _claim(folder, self.base + ".mbox", _new_file)
        self.box = mailbox.mbox(self.path, create=False)

    def add(self, msg: EmailMessage, message: Message, seen: bool, when: datetime) -> None:
        entry = mailbox.mboxMessage(msg)
        sender = one_line(message.from_email, 200).replace(" ", "") or "MAILER-DAEMON"
        entry.set_from(sender, when.astimezone(timezone.utc).timetuple())
        if seen:
            entry.set_flags("RO")
        self.box.add(entry)

    def close(self) -> None:
        self.box.flush()
        self.box.close()


class _Maildir(_Writer):
    def __init__(self, folder: Path, address: str) -> None:
        super().__init__(folder, address)
        self.path = _claim(folder, self.base, _new_folder, extension=False)
        for sub in ("tmp", "new", "cur"):
            os.mkdir(self.path / sub, 0o700)
        self.box = mailbox.Maildir(self.path, create=False)

    def add(self, msg: EmailMessage, message: Message, seen: bool, when: datetime) -> None:
        entry = mailbox.MaildirMessage(msg)
        entry.set_subdir("cur")
        if seen:
            entry.set_flags("S")
        entry.set_date(when.timestamp())
        self.box.add(entry)


class _Eml(_Writer):
    def __init__(self, folder: Path, address: str) -> None:
        super().__init__(folder, address)
        self.path = _claim(folder, self.base, _new_folder, extension=False)

    def add(self, msg: EmailMessage, message: Message, seen: bool, when: datetime) -> None:
        name = safe_filename(f"{when.astimezone(timezone.utc):%Y%m%d-%H%M%S}-{message.id[:60]}.eml")
        path = _claim(self.path, name, _new_file)
        with open(path, "wb") as handle:
            handle.write(message_bytes(msg))


_WRITERS = {"mbox": _Mbox, "maildir": _Maildir, "eml": _Eml}


@dataclass
class ExportReport:
    boxes: list[tuple[str, Path, int]] = field(default_factory=list)  # (address, its mbox file or folder, messages)
    messages: int = 0
    attachments: int = 0
    missing: list[tuple[str, str, str, str]] = field(default_factory=list)  # (box, message id, attachment, why)


async def export_boxes(store: Store, addresses: Iterable[str], fmt: str, folder: Path, *,
                       fetch: Fetch | None = None,
                       progress: Callable[[ExportReport], None] | None = None) -> ExportReport:
    """Every message of these boxes into `folder` (made when its parent exists), one mbox file or folder a box.
    With `fetch`, attachments are downloaded; without it each is named as not included."""
    if fmt not in _WRITERS:
        raise TmailError(f"Unknown format {fmt!r}: use one of {', '.join(FORMATS)}.")
    folder = await asyncio.to_thread(prepare_folder, Path(folder))
    report = ExportReport()
    for address in addresses:
        rows = await asyncio.to_thread(store.summaries, address)
        writer = await asyncio.to_thread(_WRITERS[fmt], folder, address)
        written = 0
        try:
            for row in reversed(rows):  # oldest first
                stored = await asyncio.to_thread(store.message, row.id, address)
                if stored is None:
                    continue  # deleted meanwhile
                data, missing = await _attachments(stored.message, fetch, report)
                when = received(stored.message, stored.fetched_at)
                msg = await asyncio.to_thread(build_message, stored.message, fetched_at=stored.fetched_at,
                                              attachments=data, missing=missing)
                await asyncio.to_thread(writer.add, msg, stored.message, stored.seen, when)
                report.messages += 1
                written += 1
                if progress is not None:
                    progress(report)
        finally:
            await asyncio.to_thread(writer.close)
            report.boxes.append((address, writer.path, written))
    return report


async def _attachments(message: Message, fetch: Fetch | None,
                       report: ExportReport) -> tuple[dict[str, bytes], dict[str, str]]:
    data: dict[str, bytes] = {}
    missing: dict[str, str] = {}
    for attachment in message.attachments:
        if attachment.name in data or attachment.name in missing:
            continue  # two attachments of one name: the server can only give one
        if fetch is None:
            missing[attachment.name] = "not downloaded (export with --with-attachments)"
        else:
            try:
                data[attachment.name] = await fetch(message, attachment)
                report.attachments += 1
                continue
            except NotFoundError:
                missing[attachment.name] = "no longer on the server"
            except (TmailError, OSError) as exc:
                missing[attachment.name] = one_line(getattr(exc, "strerror", None) or str(exc), 200)
        report.missing.append((message.mailbox, message.id, attachment.name, missing[attachment.name]))
    return data, missing


# --- the pipe ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PipeResult:
    command: str
    returncode: int | None  # None: stopped (it ran out of time)
    output: str  # stdout and stderr as they came, decoded, not yet sanitised
    cut: bool = False  # more than OUTPUT_LIMIT bytes came
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def summary(self) -> str:
        """One line saying how it ended."""
        if self.timed_out:
            return f"Stopped after {PIPE_TIMEOUT:g} s."
        if self.returncode == 0:
            return "Done."
        if self.returncode is not None and self.returncode < 0:
            return f"Ended by signal {-self.returncode}."
        if self.returncode == 127:
            return "Exit status 127: the command was not found."
        return f"Exit status {self.returncode}."


def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)  # the whole pipeline, not only the shell
        except (ProcessLookupError, PermissionError):
            pass


async def pipe_to(command: str, data: bytes, *, timeout: float = PIPE_TIMEOUT, cwd: Path | None = None) -> PipeResult:
    """Run `command` through /bin/sh with `data` on its standard input (see the module's docstring). Cancelling
    the caller stops the command. OSError when no shell can be started."""
    process = await asyncio.create_subprocess_exec(
        "/bin/sh", "-c", command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT, env=environment_without_key(), cwd=cwd, start_new_session=True)

    async def feed() -> None:
        try:
            process.stdin.write(data)
            await process.stdin.drain()
            process.stdin.close()
            await process.stdin.wait_closed()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the command did not read it all (`head -1`, `true`): its choice

    async def collect() -> tuple[bytes, bool]:
        kept, size = bytearray(), 0
        while chunk := await process.stdout.read(65536):
            size += len(chunk)
            if len(kept) < OUTPUT_LIMIT:
                kept += chunk[:OUTPUT_LIMIT - len(kept)]
        return bytes(kept), size > OUTPUT_LIMIT

    reading = asyncio.ensure_future(collect())
    timed_out = False
    try:
        async with asyncio.timeout(timeout):
            await feed()
            output, cut = await asyncio.shield(reading)  # a timeout must not stop the reading: see _finish
            await process.wait()
    except TimeoutError:
        timed_out = True
        _stop(process)
        output, cut = await _finish(process, reading)
    except BaseException:  # cancelled (the user moved on): the command goes, and is reaped in the background
        _stop(process)
        task = asyncio.ensure_future(_finish(process, reading))
        _reaping.add(task)
        task.add_done_callback(_reaping.discard)
        raise
    return PipeResult(command, None if timed_out else process.returncode, output.decode("utf-8", "replace"), cut,
                      timed_out)


_reaping: set[asyncio.Future] = set()  # stopped commands being reaped (a reference, so they are not collected)


async def _finish(process: asyncio.subprocess.Process, reading: asyncio.Future) -> tuple[bytes, bool]:
    """What a stopped command printed, once its output is read to the end: until then asyncio (3.11) does not
    consider it finished, and waiting for it would wait for ever."""
    try:
        async with asyncio.timeout(2):
            result = await reading
            await process.wait()
            return result
    except TimeoutError:  # something it started elsewhere holds the pipe open: give up on it
        reading.cancel()
        return b"", False
