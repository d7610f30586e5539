"""The `tmail` command line, run as a subprocess the way a user or a script runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from tmail_tui.emulator.feed import FeedAttachment, FeedMessage

from .conftest import KEY
from .contract_server import MESSAGE_ID, ContractServer

CONTROL = [chr(c) for c in range(0x20) if c != 0x0A] + ["\x7f"] + [chr(c) for c in range(0x80, 0xA0)]


def created(tmail, *args):
    result = tmail("new", "--json", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_version_and_help(tmail):
    assert tmail("--version").stdout.startswith("tmail ")
    helped = tmail("--help")
    assert helped.returncode == 0
    for command in ("domains", "new", "rename", "delete", "add", "boxes", "inbox", "read", "save",
                    "delete-message", "watch", "code"):
        assert command in helped.stdout


def test_domains(tmail):
    result = tmail("domains", "--type", "all")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["DOMAIN", "TYPE", "CUSTOM"]
    assert lines[3].split() == ["vipmail.test", "Premium"]
    assert json.loads(tmail("domains", "--json").stdout)["domains"][0]["domain"] == "quickbox.test"
    assert tmail("domains", "--type", "gold").returncode == 2


def test_new_random_and_named_then_boxes(tmail, emulator):
    random_box = created(tmail)
    assert random_box["address"].endswith("@quickbox.test") and "email_token" not in random_box
    assert set(random_box) == {"address", "domain", "expire_at", "expires_in_seconds", "created_at"}
    named = created(tmail, "--name", "my.box", "--domain", "mailfly.test")
    assert named["address"] == "my.box@mailfly.test"
    assert set(emulator.boxes) == {random_box["address"], "my.box@mailfly.test"}
    listing = tmail("boxes")
    assert listing.returncode == 0
    assert "my.box@mailfly.test" in listing.stdout and random_box["address"] in listing.stdout
    assert "9m" in listing.stdout  # time left
    human = tmail("new")
    assert human.stdout.startswith("Created ") and "expires in" in human.stdout


def test_new_with_a_taken_name_leaves_no_stray_box(tmail, emulator):
    created(tmail, "--name", "taken")
    result = tmail("new", "--name", "taken")
    assert result.returncode == 1
    assert "already taken" in result.stderr and "deleted again" in result.stderr
    assert [b["address"] for b in json.loads(tmail("boxes", "--json").stdout)] == ["taken@quickbox.test"]
    assert set(emulator.boxes) == {"taken@quickbox.test"}
    kept = tmail("new", "--name", "taken", "--keep")
    assert kept.returncode == 1 and "is kept" in kept.stderr
    assert len(emulator.boxes) == 2 and len(json.loads(tmail("boxes", "--json").stdout)) == 2


def test_new_checks_the_name_and_domain_before_making_anything(tmail, emulator):
    bad_name = tmail("new", "--name", "no spaces please")
    assert bad_name.returncode == 2 and "cannot be a mailbox name" in bad_name.stderr
    bad_domain = tmail("new", "--name", "fine", "--domain", "nowhere.example")
    assert bad_domain.returncode == 2 and "not one of your domains" in bad_domain.stderr
    assert "quickbox.test" in bad_domain.stderr
    assert emulator.boxes == {} and json.loads(tmail("boxes", "--json").stdout) == []


def test_inbox_read_save_delete_message(tmail, emulator, home):
    address = created(tmail)["address"]
    evil = "Win [$100] \x1b]0;pwned\x07 [b]x[/b]"
    msg_id = emulator.deliver(address, FeedMessage(
        evil, "Bank \x1b[2J", "phish@evil.example", "<p>Click <a href='https://evil.example'>here</a></p>", True,
        [FeedAttachment("../../.bashrc", b"echo hi\n"), FeedAttachment("notes.txt", b"notes")]))
    inbox = tmail("inbox", address)
    assert inbox.returncode == 0
    assert msg_id in inbox.stdout and "Win [$100] ␛]0;pwned␇ [b]x[/b]" in inbox.stdout
    assert "Bank ␛[2J <phish@evil.example>" in inbox.stdout and "+2" in inbox.stdout
    assert not any(c in inbox.stdout for c in CONTROL)

    read = tmail("read", msg_id)
    assert read.returncode == 0 and not any(c in read.stdout for c in CONTROL)
    assert "From:    Bank ␛[2J <phish@evil.example>" in read.stdout
    assert "Click here [1]" in read.stdout and "[1] https://evil.example" in read.stdout
    assert "bashrc  (8 B)" in read.stdout
    as_json = json.loads(tmail("read", msg_id, "--json").stdout)
    assert as_json["subject"] == evil and as_json["text"] == "Click here [1]" and as_json["seen"] is True
    assert as_json["links"] == [{"number": 1, "url": "https://evil.example", "label": "here", "safe": True}]

    saved = tmail("save", msg_id, "--dir", str(home / "dl"))
    assert saved.returncode == 0, saved.stderr
    assert saved.stdout.splitlines() == [str(home / "dl" / "bashrc"), str(home / "dl" / "notes.txt")]
    assert (home / "dl" / "bashrc").read_bytes() == b"echo hi\n"
    again = tmail("save", msg_id, "notes.txt", "--json")  # the default folder, from TMAIL_DOWNLOAD_DIR
    assert json.loads(again.stdout) == {"saved": [str(home / "Downloads" / "notes.txt")]}
    third = tmail("save", msg_id, "notes.txt", "--dir", str(home / "dl"))
    assert third.stdout.strip() == str(home / "dl" / "notes (1).txt")
    missing = tmail("save", msg_id, "nope.pdf")
    assert missing.returncode == 1 and "No attachment named 'nope.pdf'" in missing.stderr

    deleted = tmail("delete-message", msg_id)
    assert deleted.returncode == 0 and msg_id not in emulator.boxes[address].messages
    assert msg_id not in tmail("inbox", address, "--offline").stdout


def test_rename_and_delete_box(tmail, emulator):
    address = created(tmail)["address"]
    emulator.deliver(address, FeedMessage("kept", "A", "a@x.example", "hi"))
    tmail("inbox", address)
    renamed = tmail("rename", address, "renamed", "--domain", "mailfly.test")
    assert renamed.returncode == 0 and "is now renamed@mailfly.test" in renamed.stdout
    offline = tmail("inbox", "renamed@mailfly.test", "--offline")
    assert "kept" in offline.stdout
    assert tmail("rename", "renamed@mailfly.test", "Bad Name").returncode == 2
    deleted = tmail("delete", "renamed@mailfly.test")
    assert deleted.returncode == 0 and "renamed@mailfly.test" not in emulator.boxes
    assert "renamed@mailfly.test" not in tmail("boxes").stdout


def test_add_a_box_made_elsewhere(tmail, emulator):
    web = emulator.create_box("from.web@mailfly.test")
    emulator.deliver(web.address, FeedMessage("hello", "A", "a@x.example", "hi"))
    added = tmail("add", "from.web@mailfly.test")
    assert added.returncode == 0 and "1 message" in added.stdout
    assert "from.web@mailfly.test" in tmail("boxes").stdout
    unknown = tmail("add", "nobody@mailfly.test")
    assert unknown.returncode == 1 and "404" in unknown.stderr
    assert tmail("add", "not-an-address").returncode == 2


def test_expired_box_keeps_its_mail_offline(tmail, emulator):
    address = created(tmail)["address"]
    emulator.deliver(address, FeedMessage("remember me", "A", "a@x.example", "hi"))
    tmail("inbox", address)
    emulator.advance(700)
    live = tmail("inbox", address)
    assert live.returncode == 1 and "expired" in live.stderr
    assert "remember me" in live.stdout  # what was fetched stays visible
    assert "expired" in tmail("boxes").stdout
    assert "remember me" in tmail("inbox", address, "--offline").stdout


def test_errors_are_clear_with_exit_status(tmail, emulator):
    no_key = tmail("domains", key=None)
    assert no_key.returncode == 1 and "No API key" in no_key.stderr
    wrong = tmail("domains", key="wrong-key-123")
    assert wrong.returncode == 1 and "refused" in wrong.stderr and "wrong-key-123" not in wrong.stderr
    emulator.add_fault("error502", count=1)
    bad_gateway = tmail("domains")
    assert bad_gateway.returncode == 1 and "502" in bad_gateway.stderr and "<html" not in bad_gateway.stderr
    down = tmail("domains", base_url="http://127.0.0.1:9")
    assert down.returncode == 1 and "Could not connect" in down.stderr
    assert "Traceback" not in no_key.stderr + wrong.stderr + bad_gateway.stderr + down.stderr
    assert tmail("inbox").returncode == 2
    assert tmail("frobnicate").returncode == 2


def test_key_never_appears_in_output_or_process_arguments(tmail, emulator):
    address = created(tmail)["address"]
    for args in (("boxes", "--json"), ("inbox", address, "--json"), ("domains", "--json")):
        result = tmail(*args)
        assert KEY not in result.stdout + result.stderr


def test_watch_prints_new_mail_as_json_lines(home, emulator):
    env = dict(os.environ, TMAIL_API_KEY=KEY, TMAIL_BASE_URL=emulator.base_url)
    address = emulator.create_box().address
    proc = subprocess.Popen([sys.executable, "-m", "tmail_tui", "watch", address, "--json", "--interval", "0.2"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr.readline().startswith("Watching")  # mail from now on is new
        emulator.deliver(address, FeedMessage("Your code: 123456", "Acme", "no-reply@acme.example", "Code 123456"))
        line = proc.stdout.readline()
        assert KEY not in " ".join(proc.args)  # the key travels in the environment, never on a command line
        event = json.loads(line)
        assert event["subject"] == "Your code: 123456" and event["text"] == "Code 123456"
        emulator.advance(700)  # the box expires: watch says so and stops
        assert proc.wait(timeout=10) == 1
        assert "expired" in proc.stderr.read()
    finally:
        proc.kill()
        proc.stdout.close()
        proc.stderr.close()


def test_code_prints_the_verification_code_for_a_script(tmail, emulator):
    address = emulator.create_box().address
    emulator.deliver(address, FeedMessage("Welcome", "Acme", "hi@acme.example", "No code in this one."),
                     received=emulator.now() - 30)
    emulator.deliver(address, FeedMessage("Sign up", "Acme", "no-reply@acme.example",
                                          "<p>Your verification code is</p><p><b>482913</b></p>", True))
    result = tmail("code", address)
    assert (result.returncode, result.stdout) == (0, "482913\n"), result.stderr
    nothing = tmail("code", address, "--new", "--timeout", "1", "--interval", "0.2")
    assert nothing.returncode == 1 and "No code arrived" in nothing.stderr and nothing.stdout == ""
    assert tmail("code", address, "--timeout", "soon").returncode == 2


def test_code_new_waits_for_the_next_mail(home, emulator):
    env = dict(os.environ, TMAIL_API_KEY=KEY, TMAIL_BASE_URL=emulator.base_url)
    address = emulator.create_box().address
    emulator.deliver(address, FeedMessage("Old code: 111111", "Acme", "no-reply@acme.example", "stale"))
    proc = subprocess.Popen([sys.executable, "-m", "tmail_tui", "code", address, "--new", "--json", "--interval",
                             "0.2"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr.readline().startswith("Waiting for a code")
        time.sleep(0.5)
        assert proc.poll() is None  # the old code is not taken
        emulator.deliver(address, FeedMessage("Your code", "Acme", "no-reply@acme.example", "OTP: 7QX-42K"))
        out, err = proc.communicate(timeout=10)
        assert proc.returncode == 0, err
        answer = json.loads(out)
        assert answer["code"] == "7QX42K" and answer["subject"] == "Your code"
    finally:
        proc.kill()


@pytest.fixture
def contract(home):
    server = ContractServer(KEY)
    server.start()
    yield server
    server.stop()


def test_against_an_independent_server_built_from_the_document(tmail, contract, home):
    """Every subcommand against the documented examples, not the emulator."""
    run = lambda *a: tmail(*a, base_url=contract.base_url)  # noqa: E731
    assert "example.com  Free" in run("domains").stdout
    assert run("new", "--json").returncode == 0
    renamed = run("new", "--name", "demo123", "--json")
    assert json.loads(renamed.stdout)["address"] == "demo123@example.com"
    inbox = run("inbox", "randombox@example.com")
    assert inbox.returncode == 0 and MESSAGE_ID in inbox.stdout and "Welcome to Temp Mail" in inbox.stdout
    read = run("read", MESSAGE_ID)
    assert "Hello from the inbox." in read.stdout and "From:    Example Sender <hello@example.org>" in read.stdout
    saved = run("save", MESSAGE_ID, "--dir", str(home / "dl"))
    assert saved.returncode == 0 and (home / "dl" / "file.txt").read_bytes() == b"x" * 91
    assert run("delete-message", MESSAGE_ID).returncode == 0
    assert run("delete", "demo123@example.com").returncode == 0
    assert run("add", "gone@example.com").returncode == 1
    for method, path, headers in contract.requests:
        assert KEY not in path and headers["authorization"] == f"Bearer {KEY}"
        assert headers["accept"] == "application/json"
    contract.fail_with = (503, b"<html><body>Service Unavailable</body></html>", "text/html")
    down = run("domains")
    assert down.returncode == 1 and "503" in down.stderr and "<html" not in down.stderr


def test_login_checks_the_key_before_saving_it(tmail, emulator, home):
    refused = tmail("login", key=None, input="wrong-key-123\n")
    assert refused.returncode == 1 and "refused" in refused.stderr
    assert not (home / "config" / "tmail" / "config.toml").exists()
    accepted = tmail("login", key=None, input=KEY + "\n")
    assert accepted.returncode == 0 and "checked and saved" in accepted.stdout
    assert KEY not in accepted.stdout + accepted.stderr
    assert tmail("domains", key=None).returncode == 0  # the saved key is used from now on
    offline = tmail("login", key=None, input=KEY + "\n", base_url="http://127.0.0.1:9")
    assert offline.returncode == 1 and "--unchecked" in offline.stderr
    assert tmail("login", "--unchecked", key=None, input=KEY + "\n", base_url="http://127.0.0.1:9").returncode == 0


def test_global_options_go_on_either_side_of_the_command(tmail, emulator):
    before = tmail("--json", "domains", base_url="http://127.0.0.1:9")  # the environment's URL is wrong...
    assert before.returncode == 1
    for args in (("--base-url", emulator.base_url, "--json", "domains"), ("domains", "--base-url", emulator.base_url,
                                                                          "--json")):
        result = tmail(*args, base_url="http://127.0.0.1:9")  # ...and the option's wins, wherever it stands
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["domains"]


def test_plain_http_to_another_machine_needs_insecure(tmail):
    refused = tmail("domains", base_url="http://api.example.test")
    assert refused.returncode == 1 and "in clear" in refused.stderr and "--insecure" in refused.stderr
    allowed = tmail("domains", "--insecure", base_url="http://api.example.test")
    assert "in clear" not in allowed.stderr  # it got as far as trying to connect


def test_a_base_url_ending_in_api_works(tmail, emulator):
    result = tmail("domains", base_url=emulator.base_url + "/api/")
    assert result.returncode == 0 and "quickbox.test" in result.stdout


def test_addresses_are_case_insensitive_and_strangers_are_not_remembered(tmail, emulator):
    address = created(tmail)["address"]
    emulator.deliver(address, FeedMessage("hello", "A", "a@x.example", "hi"))
    shouting = tmail("inbox", address.upper())
    assert shouting.returncode == 0 and "hello" in shouting.stdout
    assert [b["address"] for b in json.loads(tmail("boxes", "--json").stdout)] == [address]
    ghost = tmail("code", "ghost@quickbox.test", "--timeout", "2")
    assert ghost.returncode == 1 and "not one of your mailboxes" in ghost.stderr
    assert "ghost" not in tmail("boxes").stdout


def test_adding_a_known_box_says_so(tmail, emulator):
    address = created(tmail)["address"]
    again = tmail("add", address)
    assert again.returncode == 0 and "already in your list" in again.stdout


def test_save_into_a_folder_that_cannot_be_one_is_one_clear_error(tmail, emulator, home):
    address = created(tmail)["address"]
    msg_id = emulator.deliver(address, FeedMessage("files", "A", "a@x.example", "x", attachments=[
        FeedAttachment("a.txt", b"a"), FeedAttachment("b.txt", b"b")]))
    tmail("inbox", address)
    missing = tmail("save", msg_id, "--dir", str(home / "nonexistent" / "x" / "y"))
    assert missing.returncode == 1 and missing.stderr.count("does not exist") == 1
    assert not (home / "nonexistent").exists()
    a_file = tmail("save", msg_id, "--dir", "/etc/passwd")
    assert a_file.returncode == 1 and a_file.stderr.count("not a folder") == 1 and "File exists" not in a_file.stderr


def test_the_interval_has_the_readers_floor_against_a_real_server(tmail):
    result = tmail("watch", "a@quickbox.test", "--interval", "0.1", base_url="https://api.example.test")
    assert result.returncode == 2 and "too often" in result.stderr


def test_code_json_gives_the_evidence_and_the_other_candidates(tmail, emulator):
    address = created(tmail)["address"]
    emulator.deliver(address, FeedMessage("Ihr Bestätigungscode", "Konto", "konto@example.de",
                                          "<p>Hallo,</p><p>Ihr Bestätigungscode lautet:</p><p><b>482 913</b></p>"
                                          "<p>Bestellnummer 55512 · Tel. +49 30 1234567</p>", True))
    result = tmail("code", address, "--json")
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert (found["code"], found["shown"]) == ("482913", "482 913")  # what a site accepts, and as the mail shows it
    assert "Bestätigungscode" in found["line"] + found["named_by"]
    assert [c["code"] for c in found["candidates"]][0] == "482913"
    assert "55512" not in [c["code"] for c in found["candidates"]]  # an order number is not a code
    assert found["message_id"] and found["subject"] == "Ihr Bestätigungscode"


def test_a_mail_that_names_no_code_has_none(tmail, emulator):
    address = created(tmail)["address"]
    emulator.deliver(address, FeedMessage("Your order #48213 has shipped", "Shop", "shop@example.org",
                                          "Order 482913 ships today. Tracking number 9400111202555842. Total $48.20"))
    result = tmail("code", address, "--timeout", "1", "--interval", "0.2")
    assert result.returncode == 1 and result.stdout == "" and "No code arrived" in result.stderr


def test_link_waits_for_the_verification_link(home, emulator, tmail):
    address = created(tmail)["address"]
    emulator.deliver(address, FeedMessage("Newsletter", "News", "news@example.org",
                                          '<a href="https://news.example/article/1">Read more</a> '
                                          '<a href="https://news.example/unsubscribe">Unsubscribe</a>', True))
    env = dict(os.environ, TMAIL_API_KEY=KEY, TMAIL_BASE_URL=emulator.base_url)
    proc = subprocess.Popen([sys.executable, "-m", "tmail_tui", "link", address, "--new", "--json", "--interval",
                             "0.2"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr.readline().startswith("Waiting for a verification link")
        emulator.deliver(address, FeedMessage("Bestätigen Sie Ihre E-Mail-Adresse", "Konto", "konto@example.de",
                                              '<p><a href="https://konto.example/impressum">Impressum</a></p>'
                                              '<p><a href="https://konto.example/e/9f2c">E-Mail-Adresse bestätigen'
                                              '</a></p>', True))
        out, err = proc.communicate(timeout=15)
        assert proc.returncode == 0, err
        found = json.loads(out)
        assert found["url"] == "https://konto.example/e/9f2c" and found["verification"] is True
    finally:
        proc.kill()
    plain_out = tmail("link", address)
    assert plain_out.stdout == "https://konto.example/e/9f2c\n"
    nothing = tmail("link", address, "--new", "--timeout", "1", "--interval", "0.2")
    assert nothing.returncode == 1 and "No verification link arrived" in nothing.stderr


def test_read_wraps_to_the_width_asked_and_not_into_a_pipe(tmail, emulator):
    address = created(tmail)["address"]
    long_line = " ".join(f"word{n}" for n in range(60))
    msg_id = emulator.deliver(address, FeedMessage("long", "A", "a@x.example",
                                                   f"<p>{long_line}</p><p><a href='https://x.example/'>x</a></p>",
                                                   True))
    tmail("inbox", address)
    piped = tmail("read", msg_id)
    assert long_line in piped.stdout  # a pipe gets whole lines
    wrapped = tmail("read", msg_id, "--width", "40")
    assert all(len(line) <= 40 for line in wrapped.stdout.splitlines())
    assert " ".join(wrapped.stdout.split()).count("word59") == 1


def test_watch_keeps_the_readers_pace_when_the_quota_runs_low(home, emulator):
    address = emulator.create_box().address
    emulator.quota_limit, emulator.quota_used = 50_000, 49_950  # 50 left, weeks to go
    proc = subprocess.Popen([sys.executable, "-m", "tmail_tui", "watch", address, "--interval", "0.2"],
                            env=dict(os.environ, TMAIL_API_KEY=KEY, TMAIL_BASE_URL=emulator.base_url),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr.readline().startswith("Watching")
        assert "quota is running low" in proc.stderr.readline()
        polls = len([r for r in emulator.requests if r[1].startswith("/api/messages?")])
        time.sleep(2)
        assert len([r for r in emulator.requests if r[1].startswith("/api/messages?")]) - polls <= 1
    finally:
        proc.kill()
        proc.communicate()
