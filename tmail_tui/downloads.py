"""Writing attachments to disk: complete files only, under safe names, never over anything already there.

The bytes go to a hidden `.tmail-XXXXXXXX.part` in the target folder first and get their final name only when whole.
A partial file must not outlive its download: it is removed when the download fails, when the process exits or is
told to stop (SIGTERM, SIGHUP: install_cleanup), and, since SIGKILL and power cuts cannot be caught, by
sweep_partials at the next start-up.

The download folder itself is created when it is missing and its parent exists (a fresh ~/Downloads), never a
whole tree: a mistyped `--dir /nonexistent/x/y` is an error, not three new folders.
"""

from __future__ import annotations

import atexit
import os
import re
import signal
import stat
import tempfile
import threading
import time
from collections.abc import AsyncIterable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from .api.errors import TmailError
from .sanitize import numbered_names, safe_filename

_MAX_CANDIDATES = 10_000
PARTIAL_PREFIX = ".tmail-"
PARTIAL_SUFFIX = ".part"
# Exactly what mkstemp makes with that prefix and suffix (its alphabet is a-z, 0-9 and _): nobody else's files.
_PARTIAL_NAME = re.compile(r"\.tmail-[a-z0-9_]{6,16}\.part")
_CLEANUP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))

# Partial files being written by this process, by path: what a signal handler or atexit removes.
_partials: set[str] = set()
_previous_handlers: dict[int, object] = {}
_cleanup_lock = threading.Lock()
_atexit_registered = False


class DownloadError(TmailError):
    """An attachment could not be written where it was asked to go; the message names the folder and why."""


@dataclass(frozen=True)
class SavedFile:
    """An attachment on disk. `warning` is for the user (the size differs from the listing's), or empty.

    `str()` and `os.fspath()` give the path, so a SavedFile prints and opens like one.
    """

    path: Path
    size: int
    warning: str = ""

    def __str__(self) -> str:
        return str(self.path)

    def __fspath__(self) -> str:
        return str(self.path)


def _remove_partials() -> None:
    for name in list(_partials):
        try:
            os.unlink(name)
        except OSError:
            pass
        _partials.discard(name)


def _on_signal(signum: int, frame: FrameType | None) -> None:
    """Remove the partial files, then do what would have happened without us."""
    _remove_partials()
    previous = _previous_handlers.get(signum)
    if callable(previous):
        previous(signum, frame)
    else:  # the default action: restore it and let the signal do it (the process ends as it would have)
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)


def install_cleanup() -> None:
    """Remove this process's partial files when it exits, or on SIGTERM or SIGHUP, chaining any handler already set.

    Idempotent and cheap: save_stream calls it. Signal handlers can only be set from the main thread; elsewhere only
    the exit hook is set (the start-up sweep still covers a kill). A signal that is ignored (`nohup`) or handled
    outside Python is left alone: the process goes on, and so must its download.
    """
    global _atexit_registered
    with _cleanup_lock:
        if not _atexit_registered:
            atexit.register(_remove_partials)
            _atexit_registered = True
        if threading.current_thread() is not threading.main_thread():
            return
        for signum in _CLEANUP_SIGNALS:
            current = signal.getsignal(signum)
            if current is _on_signal or current is signal.SIG_IGN or current is None:
                continue
            _previous_handlers[signum] = current
            signal.signal(signum, _on_signal)


def sweep_partials(folder: Path, older_than: float = 86400) -> int:
    """Remove tmail's own stale partial files from `folder`: named `.tmail-*.part`, regular files (not links), owned
    by this user, not touched for `older_than` seconds, not being written by this process. Returns how many went.

    Run it at start-up on the download folder: it is what cleans up after a SIGKILL or a power cut.
    """
    cutoff = time.time() - older_than
    removed = 0
    try:
        entries = list(os.scandir(Path(folder).expanduser()))
    except OSError:
        return 0
    for entry in entries:
        if not _PARTIAL_NAME.fullmatch(entry.name) or entry.path in _partials:
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if (not stat.S_ISREG(info.st_mode) or info.st_mtime > cutoff
                    or (hasattr(os, "getuid") and info.st_uid != os.getuid())):
                continue
            os.unlink(entry.path)
            removed += 1
        except OSError:
            continue
    return removed


def prepare_folder(folder: Path) -> Path:
    """The folder to save into, created when it is missing but its parent exists; DownloadError otherwise."""
    folder = Path(folder).expanduser()
    if folder.is_dir():
        return folder
    if folder.exists() or folder.is_symlink():
        raise DownloadError(f"Cannot save into {folder}: it is not a folder.")
    if not folder.parent.is_dir():
        what = "is not a folder" if folder.parent.exists() else "does not exist"
        raise DownloadError(f"Cannot save into {folder}: {folder.parent} {what}. tmail creates the download folder "
                            "itself, not the folders above it.")
    try:
        folder.mkdir()
    except FileExistsError:
        if not folder.is_dir():
            raise DownloadError(f"Cannot save into {folder}: it is not a folder.") from None
    except OSError as exc:
        raise DownloadError(f"Cannot create the folder {folder}: {exc.strerror or exc}.") from None
    return folder


def _place(tmp: Path, folder: Path, name: str) -> Path:
    """Give the finished temporary file its final name, the first free one of `name`, `name (1)`, ...

    A hard link fails when anything, a symlink included, already has the name, so nothing is overwritten or
    followed; the name appears only once the file is whole.
    """
    for _, candidate in zip(range(_MAX_CANDIDATES), numbered_names(name)):
        target = folder / candidate
        try:
            os.link(tmp, target, follow_symlinks=False)
            return target
        except FileExistsError:
            continue
        except OSError:
            # No hard links on this file system (FAT, some network mounts): claim the name exclusively instead.
            try:
                fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
            except FileExistsError:
                continue
            os.close(fd)
            os.replace(tmp, target)
            return target
    raise DownloadError(f"No free file name for {name!r} in {folder}.")


async def save_stream(chunks: AsyncIterable[bytes], folder: Path, name: str, extension: str = "") -> SavedFile:
    """Stream `chunks` into `folder` under a safe version of `name`; return what was written.

    If the stream breaks (or raises, as the client's does for a body that does not match its Content-Length),
    nothing is left behind: the bytes go to a hidden temporary file first. A file system error is a DownloadError.
    """
    folder = prepare_folder(folder)
    install_cleanup()
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=PARTIAL_PREFIX, suffix=PARTIAL_SUFFIX, dir=folder)
    except OSError as exc:
        raise DownloadError(f"Cannot write in {folder}: {exc.strerror or exc}.") from None
    _partials.add(tmp_name)
    tmp = Path(tmp_name)
    size = 0
    try:
        with os.fdopen(fd, "wb") as handle:
            async for chunk in chunks:
                handle.write(chunk)
                size += len(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        return SavedFile(_place(tmp, folder, safe_filename(name, extension=extension)), size)
    except OSError as exc:
        raise DownloadError(f"Could not save {safe_filename(name, extension=extension)} in {folder}: "
                            f"{exc.strerror or exc}.") from None
    finally:
        try:
            tmp.unlink()
        except OSError:  # gone already (placed by rename, or removed on a signal)
            pass
        _partials.discard(tmp_name)  # after the unlink: a signal in between still finds it
