"""Several tmail processes on one store, as people run them: a reader open, `tmail watch` in a tmux pane, `tmail code`
in a script, `tmail inbox` in a loop, all on one box with mail arriving. Every process shows or prints every
message, once. And a kill -9 in the middle of a big poll leaves a sound store."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time

from tmail_tui.api import TempMailClient
from tmail_tui.config import Config
from tmail_tui.emulator.feed import FeedMessage
from tmail_tui.poller import PollPolicy
from tmail_tui.store import Store
from tmail_tui.tui.app import TmailApp

from .conftest import KEY
from .tui.helpers import rows_shown, wait_for

ARRIVING = 6


def spawn(emulator, *args: str) -> subprocess.Popen:
    env = dict(os.environ, TMAIL_API_KEY=KEY, TMAIL_BASE_URL=emulator.base_url)
    return subprocess.Popen([sys.executable, "-m", "tmail_tui", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


async def test_a_reader_two_watches_a_code_and_an_inbox_loop_all_see_every_message(home, emulator, tmail):
    address = json.loads(tmail("new", "--json").stdout)["address"]
    emulator.deliver(address, FeedMessage("Already here", "Old", "old@example.org", "before anyone watched"))
    tmail("inbox", address)  # fetched once: the old mail is in the store, and is nobody's news
    watches = [spawn(emulator, "watch", address, "--json", "--interval", "0.3") for _ in range(2)]
    code = spawn(emulator, "code", address, "--new", "--json", "--interval", "0.3")
    for proc in watches:
        assert proc.stderr.readline().startswith("Watching")
    assert code.stderr.readline().startswith("Waiting for a code")

    stop = threading.Event()
    inbox_runs: list[int] = []

    def inbox_loop() -> None:  # another process fetching (and storing) the same box all the while
        while not stop.is_set():
            inbox_runs.append(tmail("inbox", address).returncode)

    looping = threading.Thread(target=inbox_loop)
    looping.start()
    store_path = home / "data" / "tmail" / "tmail.db"
    config = Config(api_key=KEY, base_url=emulator.base_url, download_dir=home / "dl", bell=False,
                    store_path=store_path)
    app = TmailApp(config, store=Store(store_path), api=TempMailClient(KEY, emulator.base_url, timeout=5),
                   policy=PollPolicy(fast=0.3, in_view=0.3, background=0.3))
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            messages = await rows_shown(pilot, 1)
            for n in range(ARRIVING):
                subject = "Your code is 482913" if n == 3 else f"Arrival {n}"
                emulator.deliver(address, FeedMessage(subject, "Sender", "s@example.org", f"body {n}"))
                await pilot.pause(0.4)
            await wait_for(pilot, lambda: messages.row_count == 1 + ARRIVING, timeout=15, what="every row")
            shown = sorted(row.subject for row in messages.rows)
            assert shown == sorted(["Already here", "Your code is 482913"] + [f"Arrival {n}" for n in range(6)
                                                                               if n != 3])
            await wait_for(pilot, lambda: sum("New mail" in n.title for n in app._notifications) >= 1)
    finally:
        stop.set()
        looping.join()
    out, err = code.communicate(timeout=15)
    assert code.returncode == 0, err
    assert json.loads(out)["code"] == "482913"
    for proc in watches:
        deadline = time.time() + 15
        lines: list[str] = []
        while len(lines) < ARRIVING and time.time() < deadline:
            lines.append(proc.stdout.readline())
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=10)
        subjects = [json.loads(line)["subject"] for line in lines if line]
        assert sorted(subjects) == sorted(["Your code is 482913"] + [f"Arrival {n}" for n in range(6) if n != 3])
    assert inbox_runs and set(inbox_runs) == {0}  # no "database is locked", no failure


def test_kill_9_in_the_middle_of_a_big_poll_leaves_a_sound_store(home, emulator, tmail):
    address = json.loads(tmail("new", "--json").stdout)["address"]
    for n in range(2000):
        emulator.deliver(address, FeedMessage(f"Message {n}", "Bulk", "bulk@example.org", "x" * 2000))
    store_path = home / "data" / "tmail" / "tmail.db"
    for delay in (0.3, 0.5, 0.7, 0.9, 1.1):
        proc = spawn(emulator, "inbox", address)
        time.sleep(delay)
        proc.kill()
        proc.communicate()
        db = sqlite3.connect(store_path)
        try:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            count, distinct = db.execute("SELECT COUNT(*), COUNT(DISTINCT id) FROM messages").fetchone()
            whole = db.execute("SELECT COUNT(*) FROM messages WHERE content = ? AND subject LIKE 'Message %'",
                               ("x" * 2000,)).fetchone()[0]
            polled = db.execute("SELECT polled_at FROM mailboxes WHERE address = ?", (address,)).fetchone()[0]
        finally:
            db.close()
        # A big answer is stored in parts as it downloads: each message whole, the box marked polled only when
        # all of it is in (the next poll stores the rest).
        assert count == distinct == whole
        assert polled is None or count == 2000
    final = tmail("inbox", address, "--json", timeout=60)
    assert final.returncode == 0 and len(json.loads(final.stdout)) == 2000
