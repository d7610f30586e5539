"""A command run for each new message (`on_new_mail` in the config for the reader, `tmail watch --exec CMD`): the
message's JSON (the `--json` schema) on its standard input, one run at a time.

Never through a shell unless asked: the command line is split like a shell's words and run directly, so a subject
or an address can never become shell syntax (write `sh -c '...'` to have a shell). The API key is not in its
environment. It is bounded in time (killed after TIMEOUT seconds), its output is read and kept out of the terminal
(a reader's screen must not be painted over), and its failure is reported to the caller, never fatal.
"""

from __future__ import annotations

import asyncio
import json
import shlex
from dataclasses import dataclass
from typing import Any

from .config import environment_without_key
from .sanitize import one_line

TIMEOUT = 30.0
KEPT = 64 * 1024  # bytes of the hook's output kept (to say why it failed)


@dataclass(frozen=True)
class HookResult:
    ok: bool
    detail: str = ""  # for people, when it failed


def split(command: str) -> list[str]:
    """The command's words, as a shell would split them (quotes honoured), without running a shell."""
    try:
        words = shlex.split(command)
    except ValueError as exc:
        raise ValueError(f"The hook command cannot be read ({exc}).") from None
    if not words:
        raise ValueError("The hook command is empty.")
    return words


async def run_hook(command: str, payload: dict[str, Any], timeout: float = TIMEOUT) -> HookResult:
    try:
        words = split(command)
        process = await asyncio.create_subprocess_exec(
            *words, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=environment_without_key(), start_new_session=True)
    except (OSError, ValueError) as exc:
        return HookResult(False, one_line(f"Cannot run the hook {command!r}: {getattr(exc, 'strerror', None) or exc}",
                                          300))
    data = (json.dumps(payload, ensure_ascii=True) + "\n").encode()
    try:
        async with asyncio.timeout(timeout):
            _, errors = await process.communicate(data)
    except TimeoutError:
        process.kill()
        await process.wait()
        return HookResult(False, f"The hook {one_line(words[0], 80)!r} took longer than {timeout:g}s and was "
                                 "stopped.")
    if process.returncode != 0:
        said = one_line(errors[:KEPT].decode("utf-8", "replace"), 200)
        return HookResult(False, f"The hook {one_line(words[0], 80)!r} failed (exit {process.returncode})"
                                 + (f": {said}" if said else "."))
    return HookResult(True)
