"""Global search (`F`, or "Search all" in the palette): every box ever made, bodies included, in the syntax of
search.py. Results come as the user types (a short pause first), each with its box and the box's label, the
sender, the subject and the line of the body that matched; Enter opens one in the reader.

Searching runs in a thread on the archive's own connection. Bodies not indexed yet are indexed when the screen
opens (the reader's background indexer usually leaves none), and the results are asked again once they are.
Everything from mail is sanitised and put in Text objects, never markup.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from ...archive import Archive, Hit, SearchResult
from ...formatting import sender, short_time
from ...sanitize import one_line
from ...store import StoreError
from .dialog import Dialog

DEBOUNCE = 0.15  # seconds of quiet typing before a search
LIMIT = 200
REFRESH = 2.0  # seconds between refreshed results while bodies are being indexed
SYNTAX = ('words, "a phrase", from:, to:, subject:, label:, has:attachment, has:code, is:unread, after:2d, '
          'before:2026-11-01, -word')


def hit_choice(hit: Hit, now: float | None = None) -> Text:
    """Two lines: when, the box (and its label), the sender; then the subject and the matched line."""
    row = hit.row
    text = Text(f"{short_time(row.received_at, row.received_raw, now):>6}  ", style="dim")
    text.append("● " if row.unread else "  ", style="bold")
    text.append(one_line(row.mailbox, 50), style="bold")
    if hit.label:
        text.append(f" ({one_line(hit.label, 40)})", style="italic")
    text.append(f"  {sender(row.from_name, row.from_email, 50)}")
    if row.attachments:
        text.append(f"  +{row.attachments}", style="dim")
    text.append(f"\n        {one_line(row.subject, 100) or '(no subject)'}", style="bold" if row.unread else "")
    if hit.snippet:
        text.append("  ·  ", style="dim")
        for piece, matched in hit.snippet:  # one line, sanitised (archive._snippet): spaces at its ends matter
            text.append(piece, style="reverse" if matched else "dim")
    return text


class SearchScreen(Dialog[tuple[str, str] | None]):
    """Answers (mailbox, message id) of the result chosen, or None."""

    DEFAULT_CSS = """
    #search { width: 95%; height: 90%; }
    SearchScreen OptionList { height: 1fr; margin-top: 1; }
    SearchScreen #search-status { color: $text-muted; height: auto; }
    """
    BINDINGS = [Binding("escape", "close", "Close"), Binding("down", "to_results", "Results", show=False)]

    def __init__(self, archive: Archive, query: str = "") -> None:
        super().__init__()
        self.archive = archive
        self.query_text = query
        self.result: SearchResult | None = None
        self.indexing = False
        self._stop = threading.Event()  # ends the indexing when the screen closes
        self._timer = None

    def compose(self) -> ComposeResult:
        with Vertical(id="search"):
            yield Static(Text("Search every mailbox", style="bold"), markup=False)
            yield Input(self.query_text, placeholder=SYNTAX, id="search-query")
            yield Static(Text(""), id="search-status", markup=False)
            yield OptionList(id="search-results")

    @property
    def results(self) -> OptionList:
        return self.query_one("#search-results", OptionList)

    def on_mount(self) -> None:
        self.query_one("#search-query", Input).focus()
        self.index_bodies()
        self.run_search()

    def on_unmount(self) -> None:
        self._stop.set()

    @on(Input.Changed, "#search-query")
    def query_changed(self, event: Input.Changed) -> None:
        self.query_text = event.value
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE, self.run_search)

    @on(Input.Submitted, "#search-query")
    def query_submitted(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self.run_search(focus=True)

    @work(group="search", exclusive=True, exit_on_error=False)
    async def run_search(self, focus: bool = False) -> None:
        text = self.query_text
        try:
            result = await asyncio.to_thread(self.archive.search, text, limit=LIMIT)
        except (sqlite3.Error, StoreError) as exc:  # the store is gone or broken: said, not fatal
            self.query_one("#search-status", Static).update(Text(one_line(f"The search failed: {exc}", 300)))
            return
        if text != self.query_text:
            return  # typed on meanwhile: the next search is on its way
        self.result = result
        now = self.app.clock() if hasattr(self.app, "clock") else None
        self.results.clear_options()
        self.results.add_options([Option(hit_choice(hit, now), id=str(n)) for n, hit in enumerate(result.hits)])
        if result.hits:
            self.results.highlighted = 0
        self.show_status()
        if focus and result.hits:
            self.results.focus()

    def show_status(self) -> None:
        result = self.result
        if result is None:
            return
        count = len(result.hits)
        parts = [f"{'the best ' if result.more else ''}{count} message{'s' if count != 1 else ''}"
                 + (", newest first" if not any(t.kind in ('text', 'from', 'box', 'subject')
                                                  for t in result.query.terms) else ", best first")]
        if self.indexing or result.pending:
            parts.append(f"indexing {result.pending:,} bodies: results will grow" if result.pending else "indexing")
        parts += list(result.query.problems)
        parts.append("Enter opens · Escape closes")
        self.query_one("#search-status", Static).update(Text(one_line(" · ".join(parts), 400)))

    @work(group="index", exclusive=True, thread=True, exit_on_error=False)
    def index_bodies(self) -> None:
        """Bodies not indexed yet, then the results again."""
        if not self.archive.pending():
            return
        self.indexing = True
        shown = time.monotonic()

        def progress(done: int) -> None:  # a long first indexing: the results grow as it goes
            nonlocal shown
            if time.monotonic() - shown > REFRESH and not self._stop.is_set():
                shown = time.monotonic()
                self.app.call_from_thread(self.run_search)

        try:
            done = self.archive.index_pending(stop=self._stop.is_set, progress=progress)
        except (sqlite3.Error, StoreError):
            done = 0  # busy or closing: the reader's indexer, or the next search, does it
        finally:
            self.indexing = False
        if done and not self._stop.is_set():
            self.app.call_from_thread(self.run_search)

    @on(OptionList.OptionSelected, "#search-results")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        if self.result is not None and event.option.id is not None:
            hit = self.result.hits[int(event.option.id)]
            self.dismiss((hit.row.mailbox, hit.row.id))

    def action_to_results(self) -> None:
        if self.results.option_count:
            self.results.focus()

    def action_close(self) -> None:
        self.dismiss(None)
