"""`tmail --demo`: the real app against the bundled emulator, with a throwaway store. Nothing leaves the machine."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from .emulator import Emulator

DEMO_KEY = "demo-key"


class DemoSession:
    """An emulator on loopback that seeds new boxes with mail and keeps mail arriving, plus a temporary store."""

    def __init__(self, feed_interval: float = 20.0, seed: int | None = None) -> None:
        self.emulator = Emulator(DEMO_KEY, demo=True, feed_interval=feed_interval, seed=seed)
        self.base_url = self.emulator.start()
        self.folder = Path(tempfile.mkdtemp(prefix="tmail-demo-"))
        self.store_path = self.folder / "demo.db"

    def close(self) -> None:
        self.emulator.stop()
        shutil.rmtree(self.folder, ignore_errors=True)
