"""Starting the TUI: configuration, the store, the demo, and a clean message instead of a traceback."""

from __future__ import annotations

import sys

from ..api.errors import TmailError
from ..config import load
from ..sanitize import one_line


def run_tui(base_url: str | None = None, demo: bool = False, insecure: bool = False) -> int:
    from .app import TmailApp

    try:
        app = TmailApp(load(base_url=base_url, insecure=insecure), demo=demo)
    except TmailError as exc:  # a config or a store that cannot be used: the message says how to fix it
        print(f"tmail: {one_line(str(exc))}", file=sys.stderr)
        return 1
    app.run()
    return app.return_code or 0
