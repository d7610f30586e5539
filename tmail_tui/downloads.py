"""Writing attachments to disk: complete files only, under safe names, never over anything already there."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import AsyncIterable
from pathlib import Path

from .sanitize import numbered_names, safe_filename

_MAX_CANDIDATES = 10_000


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
    raise FileExistsError(f"No free file name for {name!r} in {folder}")


async def save_stream(chunks: AsyncIterable[bytes], folder: Path, name: str, extension: str = "") -> Path:
    """Stream `chunks` into `folder` under a safe version of `name`; return the path written.

    If the stream breaks, nothing is left behind: the bytes go to a hidden temporary file first.
    """
    folder = Path(folder).expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".tmail-", suffix=".part", dir=folder)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            async for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        return _place(tmp, folder, safe_filename(name, extension=extension))
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
