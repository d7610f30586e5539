"""Attachments on disk (issue 16 items 3, 10, 11, 12; issue 13 item 8): a body that does not match its
Content-Length, a stalled or endless download, a folder that is not one, and a process told to stop mid-download
all leave nothing under a final name and no partial file behind."""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest

from tmail_tui import downloads
from tmail_tui.api import NetworkError, ServerError, TempMailClient, TmailError
from tmail_tui.downloads import (
    DownloadError,
    prepare_folder,
    save_stream,
    sweep_partials,
)

from .conftest import KEY
from .raw_server import RawServer, head

ROOT = Path(__file__).resolve().parent.parent


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --- item 10: the body must match its Content-Length -----------------------------------------------------------------

def chunked_short(conn, stopped):
    """Announces 1,000 bytes but frames the body as chunked and ends it after 500: h11 sees a complete answer."""
    conn.sendall(head(200, content_length=1000, transfer_encoding="chunked") + b"1f4\r\n" + b"x" * 500
                 + b"\r\n0\r\n\r\n")


async def test_a_body_shorter_than_its_content_length_is_not_saved(tmp_path):
    with RawServer(chunked_short) as server:
        async with TempMailClient(KEY, server.base_url, timeout=5) as api:
            with pytest.raises(ServerError, match="sent 500 of the 1,000 bytes of f.bin; the file is incomplete"):
                await api.download_attachment("m", "f.bin", tmp_path)
    assert leftovers(tmp_path) == []


async def test_a_body_longer_than_its_content_length_is_not_saved(tmp_path):
    def handler(request):
        return httpx.Response(200, headers={"Content-Length": "3"}, content=b"x" * 100_000)

    async with TempMailClient(KEY, "https://api.test", transport=httpx.MockTransport(handler)) as api:
        with pytest.raises(ServerError, match="more of f.bin than the 3 bytes it announced"):
            await api.download_attachment("m", "f.bin", tmp_path)
    assert leftovers(tmp_path) == []


async def test_a_compressed_body_is_measured_on_the_wire(tmp_path):
    data = b"hello " * 10_000
    packed = gzip.compress(data)

    def script(conn, stopped):
        conn.sendall(head(200, content_length=len(packed), content_encoding="gzip") + packed)

    with RawServer(script) as server:
        async with TempMailClient(KEY, server.base_url, timeout=5) as api:
            saved = await api.download_attachment("m", "f.txt", tmp_path, listed_size=len(data))
    assert saved.path.read_bytes() == data and saved.size == len(data) and saved.warning == ""


async def test_a_size_unlike_the_listings_is_a_warning_not_a_refusal(tmp_path):
    def handler(request):
        return httpx.Response(200, content=b"x" * 95)

    async with TempMailClient(KEY, "https://api.test", transport=httpx.MockTransport(handler)) as api:
        saved = await api.download_attachment("m", "f.txt", tmp_path, listed_size=91)
    assert saved.path.read_bytes() == b"x" * 95 and saved.size == 95
    assert saved.warning == "f.txt has 95 bytes; the message listed 91."
    assert str(saved) == str(tmp_path / "f.txt") and os.fspath(saved) == str(tmp_path / "f.txt")


# --- item 3: a download stalls or never ends -------------------------------------------------------------------------

def stall(conn, stopped):
    conn.sendall(head(200, content_length=10_000_000) + b"x" * 1000)
    stopped.wait(30)


def drip(conn, stopped):
    conn.sendall(head(200, content_length=10_000_000))
    while not stopped.wait(0.05):
        conn.sendall(b"x" * 100)


async def test_a_stalled_download_stops_and_leaves_nothing(tmp_path):
    with RawServer(stall) as server:
        async with TempMailClient(KEY, server.base_url, timeout=5, stall_timeout=0.3) as api:
            started = time.monotonic()
            with pytest.raises(NetworkError, match=r"stopped sending f.bin \(nothing for 0.3 s\)"):
                await api.download_attachment("m", "f.bin", tmp_path)
            assert time.monotonic() - started < 3
    assert leftovers(tmp_path) == []


async def test_an_endless_download_hits_its_overall_bound(tmp_path):
    with RawServer(drip) as server:
        async with TempMailClient(KEY, server.base_url, timeout=5, stall_timeout=5, download_deadline=0.5) as api:
            started = time.monotonic()
            with pytest.raises(NetworkError, match="Downloading f.bin from 127.0.0.1:[0-9]+ took longer than 0.5 s"):
                await api.download_attachment("m", "f.bin", tmp_path)
            assert time.monotonic() - started < 3
    assert leftovers(tmp_path) == []


# --- item 12 / issue 13 item 8: the folder ---------------------------------------------------------------------------

async def chunks(*parts: bytes):
    for part in parts:
        yield part


async def test_a_file_given_as_the_folder_is_not_a_folder(tmp_path):
    not_a_folder = tmp_path / "passwd"
    not_a_folder.write_text("root")
    with pytest.raises(DownloadError, match=f"Cannot save into {not_a_folder}: it is not a folder."):
        await save_stream(chunks(b"x"), not_a_folder, "a.txt")
    with pytest.raises(DownloadError, match="is not a folder"):
        await save_stream(chunks(b"x"), not_a_folder / "sub", "a.txt")
    assert not_a_folder.read_text() == "root" and leftovers(tmp_path) == ["passwd"]


async def test_a_missing_tree_is_an_error_not_created(tmp_path):
    target = tmp_path / "nonexistent" / "x" / "y"
    with pytest.raises(DownloadError, match=f"{tmp_path / 'nonexistent' / 'x'} does not exist") as caught:
        await save_stream(chunks(b"x"), target, "a.txt")
    assert isinstance(caught.value, TmailError)
    assert leftovers(tmp_path) == []


async def test_the_download_folder_itself_is_created(tmp_path):
    saved = await save_stream(chunks(b"ab", b"c"), tmp_path / "Downloads", "a.txt")
    assert saved.path == tmp_path / "Downloads" / "a.txt" and saved.size == 3
    assert prepare_folder(tmp_path / "Downloads") == tmp_path / "Downloads"


# --- item 11: partial files never outlive their download -------------------------------------------------------------

def test_sweep_removes_only_tmails_own_stale_partials(tmp_path):
    day_ago = time.time() - 2 * 86400
    names = {
        ".tmail-abc123_x.part": True,  # tmail's, stale: goes
        ".tmail-fresh123.part": False,  # tmail's, but recent: may be another process's download
        "notes.part": False, ".tmail-abc123_x.part.keep": False, ".tmail-.part": False, "tmail-abc123_x.part": False,
        ".tmail-UPPER123.part": False,  # mkstemp never makes capitals
    }
    for name in names:
        (tmp_path / name).write_text("x")
        if name != ".tmail-fresh123.part":
            os.utime(tmp_path / name, (day_ago, day_ago))
    outside = tmp_path / "precious"
    outside.write_text("keep")
    (tmp_path / ".tmail-link1234.part").symlink_to(outside)
    os.utime(tmp_path / ".tmail-link1234.part", (day_ago, day_ago), follow_symlinks=False)
    (tmp_path / ".tmail-folder12.part").mkdir()
    assert sweep_partials(tmp_path) == 1
    assert sorted(leftovers(tmp_path)) == sorted([n for n, gone in names.items() if not gone]
                                                 + ["precious", ".tmail-link1234.part", ".tmail-folder12.part"])
    assert outside.read_text() == "keep"
    assert sweep_partials(tmp_path / "missing") == 0
    assert sweep_partials(tmp_path, older_than=0) == 1  # the fresh one, when asked


CHILD = textwrap.dedent("""
    import asyncio, os, signal, sys
    from pathlib import Path
    from tmail_tui.api import TempMailClient

    if sys.argv[3] == "chain":
        def mine(signum, frame):
            Path(sys.argv[2], "handled").write_text("yes")
            os._exit(3)
        signal.signal(signal.SIGTERM, mine)

    async def main():
        async with TempMailClient("k", sys.argv[1]) as api:
            await api.download_attachment("m", "big.bin", Path(sys.argv[2]))

    asyncio.run(main())
""")


def download_in_a_child(server: RawServer, folder: Path, mode: str = "") -> subprocess.Popen:
    child = subprocess.Popen([sys.executable, "-c", CHILD, server.base_url, str(folder), mode], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while not list(folder.glob(".tmail-*.part")):
        assert child.poll() is None, child.communicate()
        assert time.monotonic() < deadline, "the child never started writing"
        time.sleep(0.02)
    return child


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_stop_signal_mid_download_leaves_no_partial(tmp_path, signum):
    with RawServer(stall) as server:
        child = download_in_a_child(server, tmp_path)
        child.send_signal(signum)
        child.communicate(timeout=20)
    assert child.returncode == -signum  # it still dies of the signal, as it would have
    assert leftovers(tmp_path) == []


def test_a_handler_set_before_is_still_called(tmp_path):
    with RawServer(stall) as server:
        child = download_in_a_child(server, tmp_path, "chain")
        child.send_signal(signal.SIGTERM)
        child.communicate(timeout=20)
    assert child.returncode == 3 and leftovers(tmp_path) == ["handled"]


def test_an_ignored_signal_stays_ignored(monkeypatch):
    before = {signum: signal.getsignal(signum) for signum in (signal.SIGHUP, signal.SIGTERM)}
    monkeypatch.setattr(downloads, "_previous_handlers", {})
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        downloads.install_cleanup()
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN  # `nohup tmail save ...` keeps downloading
        assert signal.getsignal(signal.SIGTERM) is downloads._on_signal
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)
