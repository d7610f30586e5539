"""Starting the TUI: configuration, the store, the demo, and a clean message instead of a traceback."""

from __future__ import annotations

import sys

from ..api.errors import TmailError
from ..config import load
from ..sanitize import one_line


def run_tui(base_url: str | None = None, demo: bool = False) -> int:
    from .app import TmailApp

    try:
        config = load(base_url=base_url)
    except TmailError as exc:
        print(f"tmail: {one_line(str(exc))}", file=sys.stderr)
        return 1
    app = TmailApp(config, demo=demo)
    app.run()
    return app.return_code or 0
