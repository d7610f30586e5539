"""`python -m benchmarks.tmux_check [--idle SECONDS]`: the start-up, idle and big-mail figures again, on the real
`tmail` in a real terminal.

Each app is started in a tmux session and the screen is read with `tmux capture-pane` until the wanted text shows:
this counts what a person waits for (the interpreter starting, imports, the first frame), which the in-process
benchmark does not. Idle is the CPU time the app's process used over the window (from /proc), polling a server in
another process at the real pace. The baseline is an empty Textual app started and watched the same way. Needs tmux;
not run in CI.
"""

from __future__ import annotations

import compileall
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tmail_tui.api.models import Mailbox, Message
from tmail_tui.emulator import Emulator
from tmail_tui.store import Store

from .data import big_html, message_json, settle_archive

KEY = "tmux-check-key"
EMPTY_APP = ("from textual.app import App\nfrom textual.widgets import Static\n"
             "class Empty(App):\n    def compose(self):\n        yield Static('empty app ready')\nEmpty().run()\n")


def screen(session: str) -> str:
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True).stdout


def until(session: str, text: str, timeout: float = 20.0) -> float:
    start = time.perf_counter()
    while text not in screen(session):
        if time.perf_counter() - start > timeout:
            raise RuntimeError(f"{text!r} never showed:\n{screen(session)}")
        time.sleep(0.002)
    return time.perf_counter() - start


def start(session: str, command: list[str], env: dict[str, str]) -> float:
    """Start `command` in a 120x40 tmux session; returns the start time."""
    subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    line = shlex.join(["env", *(f"{name}={value}" for name, value in env.items()), *command])
    began = time.perf_counter()
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "40", line], check=True)
    subprocess.run(["tmux", "set-option", "-t", session, "remain-on-exit", "on"], capture_output=True)
    return began


def startup(command: list[str], env: dict[str, str], ready: str, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        began = start("tmail-check", command, env)
        until("tmail-check", ready)
        times.append(time.perf_counter() - began)
        subprocess.run(["tmux", "kill-session", "-t", "tmail-check"], capture_output=True)
    return min(times)


def cpu_seconds(session: str) -> float:
    """User + system CPU time of the process running in the session's pane."""
    pid, dead = subprocess.run(["tmux", "list-panes", "-t", session, "-F", "#{pane_pid} #{pane_dead}"],
                               capture_output=True, text=True).stdout.split()[:2]
    if dead == "1":
        raise RuntimeError(f"the app in {session} ended:\n{screen(session)}")
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def idle_percents(apps: list[tuple[list[str], dict[str, str], str]], seconds: float) -> list[float]:
    """The CPU each app (command, environment, text that shows it is ready) uses over one window, in % of a core,
    all of them running side by side, each in its own tmux session. One window for all, not one after another: the
    baseline and the apps then meet the same machine (measured one after another, the same empty app read 0.15% to
    1.4% of a core in windows of the same hour, and tmail as much). Idle apps use under 3% of a core together, so
    they do not slow each other."""
    sessions = [f"tmail-idle-{n}" for n in range(len(apps))]
    try:
        for session, (command, env, ready) in zip(sessions, apps):
            start(session, command, env)
            until(session, ready)
        time.sleep(2.0)  # past the first polls
        wall = time.perf_counter()
        before = [cpu_seconds(session) for session in sessions]
        time.sleep(seconds)
        after = [cpu_seconds(session) for session in sessions]
        elapsed = time.perf_counter() - wall
        return [(used - was) / elapsed * 100 for was, used in zip(before, after)]
    finally:
        for session in sessions:
            subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def store_with(folder: Path, address: str, messages: list[dict]) -> dict[str, str]:
    """A data dir whose store holds `address` with `messages`; returns the environment that points tmail at it."""
    data = folder / "data"
    store = Store(data / "tmail" / "tmail.db")
    store.save_box(Mailbox.from_api({"email": address, "id": 1}))
    for start in range(0, len(messages), 20_000):  # a million in batches
        store.record_poll(address, [Message.from_api(m | {"to": address}) for m in messages[start:start + 20_000]])
    store.close()
    settle_archive(data / "tmail" / "tmail.db")
    return {"XDG_DATA_HOME": str(data), "XDG_CONFIG_HOME": str(folder / "config"), "TMAIL_API_KEY": KEY,
            "HOME": str(folder)}


def idle_rows(tmail: list[str], seconds: float) -> list[tuple[str, float, float | None, str]]:
    """Idle, watching 1 box and 20 boxes that get nothing new, against the empty app, in % of a core (one window
    for the three: see `idle_percents`)."""
    from .data import AnswerServer, answer, make_store

    folder = Path(tempfile.mkdtemp(prefix="tmail-tmux-idle-"))
    try:
        with AnswerServer(folder / "answers") as server:
            base = {"TMAIL_BASE_URL": server.base_url, "TMAIL_API_KEY": KEY, "PATH": os.environ.get("PATH", ""),
                    "HOME": str(folder)}
            apps = [([sys.executable, "-c", EMPTY_APP], base, "empty app ready")]
            small = [message_json(n) for n in range(20)]
            for n in range(1, 20):
                server.put(f"other{n}@quickbox.test", answer([]))
            server.put(message_json(0)["to"], answer(small))
            for boxes in (1, 20):
                data = folder / f"data{boxes}"
                store = make_store(data / "tmail", small, boxes=boxes)
                store.rename(data / "tmail" / "tmail.db")
                env = base | {"XDG_DATA_HOME": str(data), "XDG_CONFIG_HOME": str(folder / f"config{boxes}")}
                apps.append((tmail, env, "Message number 19:"))
            empty, one, twenty = idle_percents(apps, seconds)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return [(f"empty Textual app, idle {seconds:.0f} s", empty, None, "% core"),
            (f"tmail watching 1 box, idle {seconds:.0f} s", one, empty, "% core"),
            (f"tmail watching 20 boxes, idle {seconds:.0f} s", twenty, empty, "% core")]


def main() -> int:
    seconds = float(sys.argv[sys.argv.index("--idle") + 1]) if "--idle" in sys.argv else 120.0
    tmail = [str(Path(sys.executable).with_name("tmail"))]
    compileall.compile_dir(Path(__file__).parent.parent / "tmail_tui", quiet=1)  # as installed (see __main__.py)
    rows = []
    with Emulator(KEY, seed=7) as emulator:
        address = emulator.create_box().address
        base = {"TMAIL_BASE_URL": emulator.base_url, "PATH": os.environ.get("PATH", "")}
        empty = startup([sys.executable, "-c", EMPTY_APP], base, "empty app ready")
        rows.append(("empty Textual app, start to first frame", empty, None))
        for count in (10_000, 100_000, 1_000_000):
            folder = Path(tempfile.mkdtemp(prefix="tmail-tmux-"))
            try:
                env = base | store_with(folder, address, [message_json(n) for n in range(count)])
                took = startup(tmail, env, f"Message number {count - 1}:")
            finally:
                shutil.rmtree(folder, ignore_errors=True)
            rows.append((f"tmail, {count:,} messages, start to first rows", took, empty))

        folder = Path(tempfile.mkdtemp(prefix="tmail-tmux-"))
        filler = [message_json(n) for n in range(1, 30)]
        env = base | store_with(folder, address, filler + [message_json(0, content=big_html(), html=True)])
        start("tmail-big", tmail, env)
        until("tmail-big", "Message number 29:")
        subprocess.run(["tmux", "send-keys", "-t", "tmail-big", "G"], check=True)
        until("tmail-big", "Message number 0:")
        began = time.perf_counter()
        subprocess.run(["tmux", "send-keys", "-t", "tmail-big", "Enter"], check=True)
        until("tmail-big", "Issue #0")
        rows.append(("1 MB HTML mail: Enter to first screenful", time.perf_counter() - began, None))
        began = time.perf_counter()
        subprocess.run(["tmux", "send-keys", "-t", "tmail-big", "/"], check=True)  # while the rest converts
        until("tmail-big", "Search this box")  # the filter field opened: the key was answered
        rows.append(("a key right after it, answered", time.perf_counter() - began, None))
        subprocess.run(["tmux", "kill-session", "-t", "tmail-big"], capture_output=True)

    rows = [(figure, value * 1000, baseline and baseline * 1000, "ms") for figure, value, baseline in rows]
    rows += idle_rows(tmail, seconds)
    print(f"tmail through tmux: {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores")
    for figure, value, baseline, unit in rows:
        ratio = f"  {value / baseline:.2f}x the empty app" if baseline else ""
        print(f"  {figure:<52} {value:8.3g} {unit}{ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
