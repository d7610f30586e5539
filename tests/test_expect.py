"""`tmail expect` (and `code`/`link`, its common cases) run as a script runs them: matchers, a near miss that must not
match, --since, a timeout that says what came, two waits on one box, the pace they share, --then-delete."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from tmail_tui.api.models import Message
from tmail_tui.emulator.feed import FeedMessage
from tmail_tui.expect import BadExpectation, Expectation, parse_since

from .conftest import KEY


def spawn(emulator, *args: str) -> subprocess.Popen:
    env = dict(os.environ, TMAIL_API_KEY=KEY, TMAIL_BASE_URL=emulator.base_url)
    proc = subprocess.Popen([sys.executable, "-m", "tmail_tui", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stderr.readline().startswith("Waiting for")  # started: from here on, mail is new
    return proc


def new_box(tmail) -> str:
    return json.loads(tmail("new", "--json").stdout)["address"]


def polls_of(emulator, address: str) -> int:
    return sum(1 for _, path, _ in emulator.requests
               if path.startswith("/api/messages?") and (address in path or address.replace("@", "%40") in path))


def test_the_matching_mail_and_nothing_else(tmail, emulator):
    address = new_box(tmail)
    emulator.deliver(address, FeedMessage("Your GitHub code", "GitHub", "noreply@github.com", "Code: 111111"))
    proc = spawn(emulator, "expect", address, "--from", "github", "--code", "--timeout", "20", "--interval", "0.2")
    try:
        emulator.deliver(address, FeedMessage("Welcome to GitHub", "GitHub", "noreply@github.com",
                                              "Thanks for joining. No code in here."))  # right sender, no code
        emulator.deliver(address, FeedMessage("Your code", "Other", "no-reply@other.example", "Code: 222222"))
        time.sleep(1.0)
        assert proc.poll() is None  # the stale code, the near miss and the stranger's code are not taken
        emulator.deliver(address, FeedMessage("[GitHub] Please verify your device", "GitHub", "noreply@github.com",
                                              "Verification code: 482913"))
        out, err = proc.communicate(timeout=15)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert out == "482913\n"  # the code and nothing else


def test_a_timeout_says_what_came_and_why_it_did_not_do(tmail, emulator):
    address = new_box(tmail)
    proc = spawn(emulator, "expect", address, "--from", "github", "--subject", "verify", "--timeout", "2",
                 "--interval", "0.2")
    emulator.deliver(address, FeedMessage("Newsletter", "GitHub", "noreply@github.com", "news"))
    emulator.deliver(address, FeedMessage("Please verify", "Shop", "shop@example.org", "Code: 123456"))
    out, err = proc.communicate(timeout=15)
    assert proc.returncode == 1 and out == ""
    assert "No code from github about “verify” arrived" in err
    assert "“Newsletter” from noreply@github.com: the subject does not say 'verify'" in err
    assert "“Please verify” from shop@example.org: the sender is not github" in err


def test_since_all_and_a_time_ago_take_mail_already_there(tmail, emulator):
    address = new_box(tmail)
    emulator.deliver(address, FeedMessage("Reset your password", "Acme", "no-reply@acme.example",
                                          '<a href="https://acme.example/reset?t=9">Reset password</a>', True))
    tmail("inbox", address)
    taken = tmail("expect", address, "--since", "all", "--link", "--timeout", "5")
    assert (taken.returncode, taken.stdout) == (0, "https://acme.example/reset?t=9\n"), taken.stderr
    recent = tmail("expect", address, "--since", "1h", "--link", "reset", "--json", "--timeout", "5")
    assert json.loads(recent.stdout)["url"] == "https://acme.example/reset?t=9"
    stale = tmail("expect", address, "--link", "--timeout", "1", "--interval", "0.2")  # default: since now
    assert stale.returncode == 1


def test_two_waits_on_one_box_get_their_own_mail_at_one_pace(tmail, emulator):
    address = new_box(tmail)
    github = spawn(emulator, "expect", address, "--from", "github", "--json", "--timeout", "20", "--interval", "0.5")
    shop = spawn(emulator, "expect", address, "--from", "shop", "--json", "--timeout", "20", "--interval", "0.5")
    try:
        start = polls_of(emulator, address)
        time.sleep(3)
        both = polls_of(emulator, address) - start
        assert 3 <= both <= 9  # one pace for the two (0.5 s: ~6 polls in 3 s), not one each (~12)
        emulator.deliver(address, FeedMessage("Your code", "Shop", "shop@example.org", "Code: 333333"))
        emulator.deliver(address, FeedMessage("Your code", "GitHub", "noreply@github.com", "Code: 444444"))
        assert json.loads(github.communicate(timeout=15)[0])["code"] == "444444"
        assert json.loads(shop.communicate(timeout=15)[0])["code"] == "333333"
    finally:
        github.kill()
        shop.kill()


def test_then_delete_consumes_the_message(tmail, emulator):
    address = new_box(tmail)
    emulator.deliver(address, FeedMessage("Code", "A", "a@example.org", "Your code: 555555"))
    first = tmail("expect", address, "--since", "all", "--then-delete", "--json", "--timeout", "5")
    assert first.returncode == 0 and json.loads(first.stdout)["code"] == "555555"
    assert emulator.boxes[address].messages == {}
    again = tmail("expect", address, "--since", "all", "--timeout", "1", "--interval", "0.2")
    assert again.returncode == 1  # a rerun never sees it


def test_bad_usage_is_exit_2(tmail, emulator):
    address = new_box(tmail)
    assert tmail("expect", address, "--body", "(unclosed").returncode == 2
    assert tmail("expect", address, "--since", "yesterday-ish").returncode == 2
    assert tmail("expect", address, "--code", "--message").returncode == 2


def test_the_expectation_itself():
    mail = Message.from_api({"id": "1", "to": "a@x.test", "subject": "Your sign-in link", "from": "Acme",
                             "from_email": "no-reply@acme.example", "html": True,
                             "content": '<p>Hi</p><a href="https://acme.example/magic?t=1">Sign in</a>'})
    assert Expectation.of(["ACME"], gives="link").judge(mail).result["url"] == "https://acme.example/magic?t=1"
    assert Expectation.of(["acme"], gives="code").judge(mail).why_not == "it carries no code"
    assert Expectation.of(bodies=["hi$"], gives="message").judge(mail).result is None
    assert Expectation.of(bodies=[r"\bhi\b"], gives="message").judge(mail).result["message_id"] == "1"
    assert parse_since(None) == parse_since("now") == "now" and parse_since("all") is None
    try:
        Expectation.of(bodies=["("])
    except BadExpectation as exc:
        assert "not a regular expression" in str(exc)
    else:
        raise AssertionError("a bad pattern was taken")
