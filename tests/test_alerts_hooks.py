"""Alerts that reach a person over SSH and tmux (escape sequences, never raw mail text), and new-mail hooks (the
message's JSON on stdin, no shell, no key, bounded, failures said)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tmail_tui.alerts import (
    desktop_kind,
    desktop_notification,
    tmux_passthrough,
    window_title,
)
from tmail_tui.emulator.feed import FeedMessage
from tmail_tui.hooks import run_hook

from .conftest import KEY

HOSTILE = "Bank\x1b]52;c;cGF5bG9hZA==\x07\x1b[2J;injected\u202e\x9b31m" + "x" * 500


def test_notifications_carry_no_raw_text_and_are_bounded():
    for kind in ("osc9", "osc777"):
        sequence = desktop_notification(kind, HOSTILE, HOSTILE)
        inner = sequence[2:-1]  # between the introducer and the final BEL
        assert "\x1b" not in inner and "\x07" not in inner and "\x9b" not in inner and "\u202e" not in inner
        assert len(sequence) < 300
    assert desktop_notification("osc9", "tmail", "GitHub · 482913").startswith("\x1b]9;tmail: GitHub")
    fields = desktop_notification("osc777", "new;mail", "a;b").strip("\x07").split(";")
    assert fields == ["\x1b]777", "notify", "new,mail", "a,b"]  # a ';' from a mail cannot add a field
    title = window_title(HOSTILE)
    assert title.startswith("\x1b]2;") and title.count("\x1b") == 1 and title.count("\x07") == 1


def test_tmux_lets_the_sequence_through():
    wrapped = desktop_notification("osc9", "tmail", "hi", in_tmux=True)
    assert wrapped == tmux_passthrough("\x1b]9;tmail: hi\x07") == "\x1bPtmux;\x1b\x1b]9;tmail: hi\x07\x1b\\"


def test_the_kind_is_set_or_guessed_never_sent_blind():
    assert desktop_kind("osc777", {}) == "osc777" and desktop_kind("off", {"TERM_PROGRAM": "iTerm.app"}) is None
    assert desktop_kind("auto", {"TERM_PROGRAM": "WezTerm"}) == "osc9"
    assert desktop_kind("auto", {"VTE_VERSION": "7200", "TERM": "xterm-256color"}) == "osc777"
    assert desktop_kind("auto", {"TERM": "xterm"}) is None  # unknown: nothing rather than garbage


def recorder(tmp_path, exit_code: int = 0, sleep: float = 0) -> str:
    script = tmp_path / "hook.py"
    script.write_text(f"""import json, os, sys, time
payload = sys.stdin.read()
with open({str(tmp_path / 'calls.jsonl')!r}, 'a') as out:
    out.write(json.dumps({{"stdin": payload, "args": sys.argv[1:], "key": os.environ.get("TMAIL_API_KEY")}}) + "\\n")
time.sleep({sleep})
print("something went wrong here", file=sys.stderr)
sys.exit({exit_code})
""")
    return f"{sys.executable} {script} 'two words' $HOME;rm"


async def test_a_hook_gets_the_message_and_no_shell_and_no_key(tmp_path, monkeypatch):
    monkeypatch.setenv("TMAIL_API_KEY", KEY)
    result = await run_hook(recorder(tmp_path), {"subject": "hi"})
    assert result.ok
    [call] = [json.loads(line) for line in (tmp_path / "calls.jsonl").read_text().splitlines()]
    assert json.loads(call["stdin"]) == {"subject": "hi"}
    assert call["args"] == ["two words", "$HOME;rm"]  # words as written: no expansion, no second command
    assert call["key"] is None


async def test_a_failing_or_slow_hook_is_reported_not_fatal(tmp_path):
    failed = await run_hook(recorder(tmp_path, exit_code=3), {})
    assert not failed.ok and "exit 3" in failed.detail and "something went wrong here" in failed.detail
    slow = await run_hook(recorder(tmp_path, sleep=5), {}, timeout=0.5)
    assert not slow.ok and "took longer than 0.5s" in slow.detail
    missing = await run_hook("/nonexistent/hook --flag", {})
    assert not missing.ok and "Cannot run the hook" in missing.detail


def test_watch_exec_runs_the_hook_for_each_new_message(home, emulator, tmp_path):
    address = emulator.create_box().address
    env = dict(os.environ, TMAIL_API_KEY=KEY, TMAIL_BASE_URL=emulator.base_url)
    proc = subprocess.Popen([sys.executable, "-m", "tmail_tui", "watch", address, "--interval", "0.2", "--exec",
                             recorder(tmp_path, exit_code=1)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr.readline().startswith("Watching")
        emulator.deliver(address, FeedMessage("Your code: 482913", "Acme", "no-reply@acme.example", "Code 482913"))
        assert "Your code: 482913" in proc.stdout.readline()
        assert "failed (exit 1)" in proc.stderr.readline()  # said, and watching goes on
        emulator.deliver(address, FeedMessage("Second", "Acme", "no-reply@acme.example", "two"))
        assert "Second" in proc.stdout.readline()
        assert "failed (exit 1)" in proc.stderr.readline()  # its hook has run too
    finally:
        proc.kill()
        proc.communicate()
    calls = [json.loads(line) for line in (tmp_path / "calls.jsonl").read_text().splitlines()]
    assert [json.loads(c["stdin"])["subject"] for c in calls] == ["Your code: 482913", "Second"]
    assert json.loads(calls[0]["stdin"])["text"] == "Code 482913" and all(c["key"] is None for c in calls)
