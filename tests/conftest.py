"""Shared fixtures: an emulated API on loopback, an isolated home for config and data, and the CLI as a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tmail_tui.emulator import Emulator

KEY = "test-key-5f1d0c9a7e"


@pytest.fixture
def emulator():
    with Emulator(KEY, seed=1234) as emu:
        yield emu


@pytest.fixture
def demo_emulator():
    with Emulator(KEY, seed=1234, demo=True, feed_interval=3600) as emu:
        yield emu


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """A private HOME with XDG dirs, so no test touches the user's real config, store or downloads."""
    monkeypatch.setenv("HOME", str(tmp_path))
    for name, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"), ("XDG_CACHE_HOME", "cache"),
                      ("XDG_STATE_HOME", "state")):
        monkeypatch.setenv(name, str(tmp_path / sub))
    monkeypatch.setenv("TMAIL_DOWNLOAD_DIR", str(tmp_path / "Downloads"))
    for name in ("TMAIL_API_KEY", "TMAIL_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


@pytest.fixture
def tmail(home, emulator):
    """Run `tmail ...` as a subprocess against the emulator; returns the CompletedProcess."""

    def run(*args: str, key: str | None = KEY, base_url: str | None = None, timeout: float = 30,
            input: str | None = None) -> subprocess.CompletedProcess:
        env = dict(os.environ)
        if key is not None:
            env["TMAIL_API_KEY"] = key
        env["TMAIL_BASE_URL"] = base_url or emulator.base_url
        return subprocess.run([sys.executable, "-m", "tmail_tui", *args], env=env, capture_output=True, text=True,
                              timeout=timeout, input=input)

    return run
