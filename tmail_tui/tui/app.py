"""The Textual app: owns the core's services (store, API client, workflows, the watcher) and the screens.

Data flows one way: the watcher (one loop in a thread of its own, owned here) polls and writes the store, and its
events go to the mail screen as Textual messages (tui/watching.py); the screen routes them to widgets, which only
render. Actions call the workflows (core/mailboxes.py), which write the store; the watcher then reports what changed
like any other change.

Start-up (issue 12: a fresh process to its first frame): what the first frame does not need is imported where it is
used, not here: the archive (its query parser, the code finder's vocabulary), the converter (html2text), the demo's
emulator, rich's traceback (pygments). The archive (its import and opening: ~50 ms), the retention, the indexer and
the sweep of partial downloads start ARCHIVE_AFTER seconds after the first frame has painted; the labels the archive
keeps reach the sidebar then.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.app import App, SystemCommand
from textual.screen import Screen

from .. import config as config_module
from ..alerts import (
    RESTORE_TITLE,
    SAVE_TITLE,
    desktop_kind,
    desktop_notification,
    window_title,
)
from ..api import TempMailClient, TmailError
from ..config import Config
from ..downloads import sweep_partials
from ..mailboxes import Mailboxes
from ..poller import PollPolicy
from ..sanitize import one_line
from ..store import Store
from ..watcher import Watcher
from .keys import KEYS
from .screens.mail import MailScreen
from .watching import RESTART_AFTER, Batch, WatcherEvents, WatcherThread

if TYPE_CHECKING:
    from ..archive import Archive
    from ..converter import Converter
    from ..demo import DemoSession

RETENTION_EVERY = 86400.0  # seconds between two applications of the configured retention
ARCHIVE_AFTER = 0.5  # seconds after the first frame before the archive opens: the frame and its rows come first


class TmailApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "tmail"
    startup_problem = ""  # a key that cannot be used, said on the first-run screen

    def __init__(self, config: Config, *, demo: bool = False, clock: Callable[[], float] = time.time,
                 store: Store | None = None, api: TempMailClient | None = None,
                 policy: PollPolicy | None = None, demo_feed_interval: float = 20.0) -> None:
        super().__init__()
        self.config = config
        self.clock = clock
        self.policy = policy or PollPolicy()
        self._converter: Converter | None = None
        self.demo_session: DemoSession | None = None
        self.demo_feed_interval = demo_feed_interval
        self.store = store
        self.api = api
        self.mailboxes: Mailboxes | None = None
        self.watcher: Watcher | None = None
        self._watching: WatcherThread | None = None  # the watcher's loop, running
        self.mail_screen: MailScreen | None = None
        self._title_count: int | None = None  # the unread count the terminal's title shows (None: not written)
        self.archive: Archive | None = None  # the search index, labels and retention (opened by open_archive)
        self._archive_lock = asyncio.Lock()
        self._indexer: asyncio.subprocess.Process | None = None
        if demo:
            self._start_demo()
        elif self.api is None and config.api_key:
            try:
                self.api = TempMailClient(config.api_key, config.base_url, insecure=config.allow_insecure)
            except TmailError as exc:
                self.startup_problem = f"{exc} (The key came from {config.key_source}.)"
        if self.store is None and self.api is not None:
            self.store = Store(config.store_path)
        self._connect()

    @property
    def converter(self) -> Converter:
        """Bodies to reader text (made when the first message opens: html2text is not needed before)."""
        if self._converter is None:
            from ..converter import Converter

            self._converter = Converter()
        return self._converter

    @property
    def demo(self) -> bool:
        return self.demo_session is not None

    def _start_demo(self) -> None:
        from ..demo import DEMO_KEY, DemoSession

        self.demo_session = DemoSession(feed_interval=self.demo_feed_interval)
        self.store = Store(self.demo_session.store_path)
        self.api = TempMailClient(DEMO_KEY, self.demo_session.base_url)
        self.sub_title = "demo: local emulator, nothing leaves this machine"

    def _connect(self) -> None:
        if self.api is not None and self.store is not None:
            self.mailboxes = Mailboxes(self.api, self.store)
            self.watcher = Watcher(self.api, self.store, self.policy, clock=self.clock)

    def get_default_screen(self) -> Screen:
        # The mail screen is the app's first screen (not pushed over an empty one): the first frame is mail.
        if self.watcher is None:
            return super().get_default_screen()
        self.mail_screen = MailScreen()
        return self.mail_screen

    def on_mount(self) -> None:
        if self.watcher is None:
            self.ask_for_key(self.startup_problem, first_run=True)
        else:
            self.watch_mail()
        self.call_after_refresh(self.set_timer, ARCHIVE_AFTER, self._after_first_frame)

    def _after_first_frame(self) -> None:
        """What the first frame does not need: the sweep of partial downloads, the archive."""
        self.sweep_downloads()
        if self.store is not None:
            self.keep_archive()

    def ask_for_key(self, problem: str = "", first_run: bool = False) -> None:
        """The key screen: on the first start, and to replace a key (the palette, `K`, or a 401)."""
        from .screens.api_key import KeyScreen

        self.push_screen(KeyScreen(str(config_module.config_path()), self.config.base_url,
                                   insecure=self.config.allow_insecure, problem=problem, first_run=first_run),
                         callback=self._key_given)

    def action_change_key(self) -> None:
        from .screens.api_key import KeyScreen

        if not self.demo and not isinstance(self.screen, KeyScreen):
            self.ask_for_key()

    def _key_given(self, result: tuple[str, str] | None) -> None:
        kind, key = result or ("", "")
        if kind == "demo":
            self._start_demo()
        elif kind == "key":
            try:
                path = config_module.save_api_key(key)
                api = TempMailClient(key, self.config.base_url, insecure=self.config.allow_insecure)
            except (TmailError, OSError) as exc:
                self.ask_for_key(one_line(getattr(exc, "strerror", None) or str(exc), 300),
                                 first_run=self.watcher is None)
                return
            old, self.api = self.api, api
            if old is not None:
                self.call_later(old.aclose)
            self.store = self.store or Store(self.config.store_path)
            self.notify(f"Key saved in {path} (mode 600).", markup=False)
        else:
            return  # cancelled (the first-run screen quits by itself)
        first = self.mail_screen is None
        self._connect()
        self.keep_archive()
        if first:
            self.mail_screen = MailScreen()
            self.push_screen(self.mail_screen)
        self.watch_mail()  # a watcher running with the old key is stopped

    def watch_mail(self) -> None:
        """The one poll loop, in a thread of its own: its events go to the mail screen, whichever screen is on
        top."""
        if self._watching is not None:
            self._watching.stop()
        self._watching = WatcherThread(self.watcher, self._to_mail_screen, self._watcher_failed)

    def _to_mail_screen(self, events: Batch) -> None:
        if self.mail_screen is not None:
            self.mail_screen.post_message(WatcherEvents(events))

    def _watcher_failed(self, error: BaseException) -> None:
        self.notify(one_line(f"Checking for mail stopped ({type(error).__name__}: {error}); it starts again in "
                             f"{RESTART_AFTER:g}s.", 400), title="Something went wrong", severity="error",
                    markup=False)

    # --- telling the user, through the terminal ---------------------------------------------------------------

    def write_terminal(self, sequence: str) -> None:
        """An escape sequence for the terminal itself (already sanitised by alerts.py)."""
        if self._driver is not None:
            self._driver.write(sequence)

    def alert(self, title: str, body: str) -> None:
        """New mail, for someone looking elsewhere: the bell, and a desktop notification where the terminal shows
        them (config `bell`, `desktop_alerts`)."""
        if self.config.bell:
            self.bell()
        kind = desktop_kind(self.config.desktop_alerts)
        if kind is not None:
            self.write_terminal(desktop_notification(kind, title, body, in_tmux=bool(os.environ.get("TMUX"))))

    def show_unread(self, count: int) -> None:
        """The unread count in the terminal's title (config `terminal_title`), written only when it changes."""
        if not self.config.terminal_title or count == self._title_count:
            return
        if self._title_count is None:
            self.write_terminal(SAVE_TITLE)  # the terminal's own title comes back at the end
        self._title_count = count
        self.write_terminal(window_title(f"tmail · {count} unread" if count else "tmail"))

    # --- the archive: search index, labels, retention ---------------------------------------------------------

    async def open_archive(self) -> Archive:
        """The archive over the store, opened once (StoreError when the store cannot hold its index)."""
        async with self._archive_lock:
            if self.archive is None:
                self.archive = await asyncio.to_thread(_open_archive, self.store)
                if self.mail_screen is not None:
                    self.mail_screen.load_labels()
            return self.archive

    @work(group="archive", exclusive=True, exit_on_error=False)
    async def keep_archive(self) -> None:
        """At start and then daily: the configured retention, and the body indexer (a process of its own, started
        when there is something to index) so search finds what the reader fetched."""
        try:
            archive = await self.open_archive()
        except TmailError:
            return  # said when the user searches
        # (imported by now, in the thread that opened it)
        from ..archive import apply_retention

        while True:
            removed = await asyncio.to_thread(apply_retention, self.store, self.config, archive=archive)
            if removed:
                self.notify(f"Removed {removed} old message{'s' if removed != 1 else ''} (max_age_days / "
                            "max_messages in the config).", markup=False)
            await self.ensure_indexer()
            await asyncio.sleep(RETENTION_EVERY)

    async def ensure_indexer(self) -> None:
        """The body indexer runs while there are bodies to index (new mail gives it more)."""
        if self.archive is None or (self._indexer is not None and self._indexer.returncode is None):
            return
        if await asyncio.to_thread(self.archive.pending):
            from ..archive import start_indexer

            self._indexer = await start_indexer(self.store.path)

    @work(thread=True, group="sweep", exit_on_error=False)
    def sweep_downloads(self) -> None:
        """Partial files of downloads a kill cut short (a kill -9 leaves them) go at start-up."""
        sweep_partials(self.config.download_dir)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """tmail's own actions, and the theme; not Textual's generic commands (keys panel, maximise, screenshot)."""
        yield SystemCommand("Theme", "Change the colours", self.action_change_theme)
        if not self.demo:
            yield SystemCommand("Change API key", "Enter another User API key (it is checked, then saved)",
                                self.action_change_key)
        if isinstance(screen, MailScreen):
            for key in KEYS:
                yield SystemCommand(key.label, f"{key.help} ({key.shown})", partial(screen.run_action, key.action))

    def _fatal_error(self) -> None:
        """A crash (a bug in tmail) ends the app with a traceback, as Textual does, but without the local
        variables Textual shows by default: they can hold the API key or a message's contents."""
        import rich
        from rich.segment import Segments
        from rich.traceback import Traceback

        self.bell()
        traceback = Traceback(show_locals=False, width=None, suppress=[rich])
        self._exit_renderables.append(Segments(self.console.render(traceback, self.console.options)))
        self._close_messages_no_wait()

    @property
    def download_dir(self) -> Path:
        return self.config.download_dir

    async def on_unmount(self) -> None:
        if self._watching is not None:
            await self._watching.stopped()  # (its claims are given back while the store is open)
        if self._indexer is not None:
            from ..archive import stop_indexer

            await stop_indexer(self._indexer)
        if self.archive is not None:
            await asyncio.to_thread(self.archive.close)
        if self._title_count is not None:
            self.write_terminal(RESTORE_TITLE)
        if self._converter is not None:
            await self._converter.close()
        if self.api is not None:
            await self.api.aclose()
        if self.store is not None:
            await asyncio.to_thread(self.store.close)
        if self.demo_session is not None:
            self.demo_session.close()


def _open_archive(store: Store) -> Archive:
    # Imported in the thread that opens it: the import (the query parser, the code finder's vocabulary) is most of
    # the cost, and here the UI keeps its turns.
    from ..archive import Archive

    return Archive(store)
