"""The Textual app: owns the services (store, API client, polling policy, clock) and the screens.

Data flows one way: workers call the client and write the store, then tell the widgets what changed;
widgets only render what the store holds.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path

from textual.app import App, SystemCommand
from textual.screen import Screen

from .. import config as config_module
from ..api import TempMailClient, TmailError
from ..config import Config
from ..converter import Converter
from ..demo import DEMO_KEY, DemoSession
from .keys import KEYS
from ..poller import PollPolicy
from .screens.first_run import FirstRunScreen
from .screens.mail import MailScreen
from ..store import Store


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
        self.converter = Converter()
        self.demo_session: DemoSession | None = None
        self.demo_feed_interval = demo_feed_interval
        self.store = store
        self.api = api
        if demo:
            self._start_demo()
        elif self.api is None and config.api_key:
            try:
                self.api = TempMailClient(config.api_key, config.base_url)
            except TmailError as exc:
                self.startup_problem = str(exc)
        if self.store is None and self.api is not None:
            self.store = Store(config.store_path)

    @property
    def demo(self) -> bool:
        return self.demo_session is not None

    def _start_demo(self) -> None:
        self.demo_session = DemoSession(feed_interval=self.demo_feed_interval)
        self.store = Store(self.demo_session.store_path)
        self.api = TempMailClient(DEMO_KEY, self.demo_session.base_url)
        self.sub_title = "demo: local emulator, nothing leaves this machine"

    def get_default_screen(self) -> Screen:
        # The mail screen is the app's first screen (not pushed over an empty one): the first frame is mail.
        return MailScreen() if self.api is not None and self.store is not None else super().get_default_screen()

    def on_mount(self) -> None:
        if self.api is None or self.store is None:
            self.push_screen(FirstRunScreen(str(config_module.config_path()), self.startup_problem),
                             callback=self._first_run_done)

    def _first_run_done(self, result: tuple[str, str] | None) -> None:
        kind, key = result or ("", "")
        if kind == "demo":
            self._start_demo()
        elif kind == "key":
            try:
                path = config_module.save_api_key(key)
                self.api = TempMailClient(key, self.config.base_url)
            except (TmailError, OSError) as exc:
                self.notify(str(exc), severity="error", markup=False)
                self.push_screen(FirstRunScreen(str(config_module.config_path()), str(exc)),
                                 callback=self._first_run_done)
                return
            self.store = Store(self.config.store_path)
            self.notify(f"Key saved in {path} (mode 600).", markup=False)
        else:
            self.exit()
            return
        self.push_screen(MailScreen())

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if isinstance(screen, MailScreen):
            for key in KEYS:
                if key.action != "quit":
                    yield SystemCommand(key.label, f"{key.help} ({key.shown})", partial(screen.run_action, key.action))

    @property
    def download_dir(self) -> Path:
        return self.config.download_dir

    async def on_unmount(self) -> None:
        await self.converter.close()
        if self.api is not None:
            await self.api.aclose()
        if self.store is not None:
            self.store.close()
        if self.demo_session is not None:
            self.demo_session.close()
