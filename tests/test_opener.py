"""Handing a link to the desktop: when it counts as opened, and when the caller must copy instead."""

from __future__ import annotations

import os
import time

from tmail_tui import opener


def fake_xdg_open(folder, monkeypatch, body: str) -> None:
    folder.mkdir()
    script = folder / "xdg-open"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}:{os.environ['PATH']}")
    monkeypatch.setenv("DISPLAY", ":0")


async def test_an_opener_still_starting_the_browser_counts_as_opened(tmp_path, monkeypatch):
    fake_xdg_open(tmp_path / "bin", monkeypatch, "sleep 5")
    monkeypatch.setattr(opener, "_STARTING", 0.3)
    started = time.monotonic()
    assert await opener.open_in_browser("https://example.org/") is True
    assert time.monotonic() - started < 3  # not waiting for the browser to close


async def test_a_failing_opener_means_copy(tmp_path, monkeypatch):
    fake_xdg_open(tmp_path / "bin", monkeypatch, "exit 4")
    assert await opener.open_in_browser("https://example.org/") is False


async def test_without_a_desktop_nothing_is_started(tmp_path, monkeypatch):
    fake_xdg_open(tmp_path / "bin", monkeypatch, f"touch {tmp_path / 'started'}")
    monkeypatch.delenv("DISPLAY")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert await opener.open_in_browser("https://example.org/") is False  # an SSH login, a console
    assert not (tmp_path / "started").exists()


async def test_without_xdg_open_nothing_is_started(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("DISPLAY", ":0")
    assert await opener.open_in_browser("https://example.org/") is False
