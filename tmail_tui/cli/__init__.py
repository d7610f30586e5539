"""The `tmail` command. No subcommand starts the TUI; subcommands are for scripts and quick looks.

Every subcommand runs on the same core as the reader: the workflows in `mailboxes.py`, and for `watch` and `code`
the reader's own poll loop (`watcher.py`), so they keep the reader's quota-aware pace, share it with a reader or
another `tmail` open on the same box, and see every new message once, whoever fetched it.

The reader's start does not build this parser: `tmail` alone (or with only the global options) is recognised by a
small parser of those options, so the command modules and what they import (the archive, export, the code finder)
are not loaded before the reader's first frame.

Exit status: 0 success, 1 an API, network or file error (message on stderr), 2 bad usage.
`--json` prints machine-readable output (ASCII-only JSON, so no control character can reach a terminal), in one
schema for every command (the README documents it). Global options go before or after the subcommand.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from .. import __version__

if TYPE_CHECKING:
    from .context import Context

Command = Callable[["Context"], Awaitable[int]]


def global_options(parser: argparse.ArgumentParser, default: object = None) -> argparse.ArgumentParser:
    parser.add_argument("--base-url", default=default, help="the User API base URL, with or without /api "
                        "(default: TMAIL_BASE_URL, the config file, or https://v1.tempmailg.com)")
    parser.add_argument("--json", action="store_true", default=default or False,
                        help="machine-readable output (one schema: see the README)")
    parser.add_argument("--insecure", action="store_true", default=default or False,
                        help="allow a plain http:// base URL to another machine (the key then travels in clear)")
    return parser


def demo_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--demo", action="store_true", help="run the reader against the bundled emulator with "
                        "demo mail (no key needed, nothing leaves this machine)")


def reader_arguments(argv: list[str]) -> argparse.Namespace | None:
    """The options when `argv` starts the reader (no command, only global options), else None: the full parser
    then parses it (and says what is wrong, or prints help or the version)."""
    parser = global_options(argparse.ArgumentParser(prog="tmail", add_help=False, exit_on_error=False))
    demo_option(parser)
    try:
        args, rest = parser.parse_known_args(argv)
    except argparse.ArgumentError:
        return None  # (said by the full parser, with its usage)
    return None if rest else args


def build_parser() -> argparse.ArgumentParser:
    from . import archive, boxes, messages, waiting

    # The global options are accepted on both sides of the subcommand: each subcommand repeats them with a
    # suppressed default, so a value given before the subcommand is not overwritten after it.
    globals_before = global_options(argparse.ArgumentParser(add_help=False))
    globals_after = global_options(argparse.ArgumentParser(add_help=False), argparse.SUPPRESS)
    parser = argparse.ArgumentParser(
        prog="tmail", parents=[globals_before], description="A terminal mail reader for throwaway Temp Mail "
        "addresses. With no command, starts the full-screen reader.")
    parser.add_argument("--version", action="version", version=f"tmail {__version__}")
    demo_option(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, help_text: str, run: Command) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text, parents=[globals_after])
        p.set_defaults(run=run)
        return p

    for module in (boxes, messages, waiting, archive):
        module.add_commands(command)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = reader_arguments(sys.argv[1:] if argv is None else argv)
    if args is None:
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command is not None:
            try:
                return asyncio.run(run(parser, args))
            except KeyboardInterrupt:
                return 0 if args.command == "watch" else 130
    from ..tui.launch import run_tui

    return run_tui(base_url=args.base_url, demo=args.demo, insecure=args.insecure)


async def run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from ..api import TmailError
    from ..mailboxes import InvalidInput
    from ..sanitize import clean_text
    from .context import Context, UsageError

    ctx: Context | None = None
    try:
        ctx = Context(args)
        return await args.run(ctx)
    except (UsageError, InvalidInput) as exc:
        parser.print_usage(sys.stderr)
        print(f"tmail: error: {clean_text(str(exc), multiline=False)}", file=sys.stderr)
        return 2
    except TmailError as exc:
        print(f"tmail: {clean_text(str(exc), multiline=False)}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"tmail: {clean_text(exc.strerror or str(exc), multiline=False)}"
              f"{': ' + clean_text(str(exc.filename), multiline=False) if exc.filename else ''}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, asyncio.CancelledError):
        return 0 if args.command == "watch" else 130
    finally:
        if ctx is not None:
            await ctx.close()


if __name__ == "__main__":
    sys.exit(main())
