"""Export: real RFC 5322 messages that Python's `mailbox` reads back (attachments byte-identical), files never
overwritten; the pipe: the command gets the message on its input and never the key; `tmail export` end to end."""

from __future__ import annotations

import asyncio
import email
import json
import mailbox
import os
from email import policy
from pathlib import Path

import pytest

from tmail_tui.api.models import Mailbox, Message
from tmail_tui.config import KEY_VARIABLE
from tmail_tui.emulator.feed import FeedAttachment, FeedMessage, _png, _zip
from tmail_tui.export import (
    OUTPUT_LIMIT,
    build_message,
    export_boxes,
    message_as_text,
    message_bytes,
    pipe_to,
)
from tmail_tui.store import Store

from .conftest import KEY

BOX = "export.box@quickbox.test"
PNG, ZIP = _png(), _zip(64 * 1024)
FILES = {"photo.png": PNG, "archive.zip": ZIP, "notes.txt": b"line 1\r\nline 2\n\x00binary\xff"}


def html_message(mid="m1", **extra) -> Message:
    data = {"id": mid, "to": BOX, "subject": "Grüße: your invoice", "from": "Jane Doe",
            "from_email": "jane@example.org",
            "receivedAt": "2026-11-01 10:00:00", "html": True, "is_seen": False,
            "content": "<h1>Invoice</h1><p>Total <b>EUR 98.50</b>. <a href='https://shop.example/i'>See it</a></p>"
                       "\nFrom here on a line starts with From.",
            "attachments": [{"name": name, "size": len(data)} for name, data in FILES.items()]} | extra
    return Message.from_api(data)


def parsed(data: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(data, policy=policy.default)


def attachments_of(msg) -> dict[str, bytes]:
    return {part.get_filename(): part.get_payload(decode=True) for part in msg.iter_attachments()}


def test_a_message_is_a_proper_rfc5322_message():
    msg = parsed(message_bytes(build_message(html_message(), attachments=FILES)))
    assert msg["From"].addresses[0].addr_spec == "jane@example.org"
    assert msg["From"].addresses[0].display_name == "Jane Doe"
    assert str(msg["To"]) == BOX and str(msg["Subject"]) == "Grüße: your invoice"
    assert msg["Date"].datetime.isoformat() == "2026-11-01T10:00:00+00:00"
    assert msg["Message-ID"] == "<m1@quickbox.test>" and msg["X-Tmail-Id"] == "m1"
    assert msg.get_content_type() == "multipart/mixed"
    body = msg.get_body(("plain",))
    assert "Total EUR 98.50" in body.get_content() and "[1] https://shop.example/i" in body.get_content()
    assert "<b>EUR 98.50</b>" in msg.get_body(("html",)).get_content()
    [alternative] = [p for p in msg.iter_parts() if p.get_content_type() == "multipart/alternative"]
    assert [p.get_content_type() for p in alternative.iter_parts()] == ["text/plain", "text/html"]  # plain first
    assert attachments_of(msg) == FILES


def test_a_plain_mail_is_text_plain():
    msg = parsed(message_bytes(build_message(Message.from_api({"id": "p", "to": BOX, "content": "just text\n"}))))
    assert msg.get_content_type() == "text/plain" and msg.get_content() == "just text\n"


def test_hostile_headers_cannot_add_headers_and_odd_ids_still_make_a_message_id():
    message = Message.from_api({"id": "a b/<c>@d", "to": BOX, "subject": "Hi\r\nBcc: victim@example.org\x1b[2J",
                                "from": "Eve\nX-Evil: 1", "from_email": "not an address", "content": "x"})
    msg = parsed(message_bytes(build_message(message)))
    assert msg["Bcc"] is None and msg["X-Evil"] is None
    assert "\n" not in str(msg["Subject"]) and "\x1b" not in str(msg["Subject"])
    assert msg["Message-ID"].startswith("<x") and msg["Message-ID"].endswith("@quickbox.test>")
    assert msg["X-Tmail-Id"] == "a b/<c>@d"


def test_missing_attachments_are_named_with_their_reason():
    msg = parsed(message_bytes(build_message(html_message(), attachments={"photo.png": PNG},
                                             missing={"archive.zip": "no longer on the server",
                                                      "notes.txt": "not downloaded"})))
    assert attachments_of(msg) == {"photo.png": PNG}
    assert sorted(msg.get_all("X-Tmail-Attachment-Missing")) == [
        "archive.zip (no longer on the server)", "notes.txt (not downloaded)"]


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "store.db")
    store.save_box(Mailbox.from_api({"email": BOX}))
    store.record_poll(BOX, [html_message("m1"), html_message("m2", subject="Second", receivedAt="2026-11-02 10:00:00",
                                                              is_seen=True, attachments=[])])
    yield store
    store.close()


async def fetch(message, attachment):
    return FILES[attachment.name]


async def test_mbox_round_trip_with_attachments_byte_identical(store, tmp_path):
    report = await export_boxes(store, [BOX], "mbox", tmp_path / "out", fetch=fetch)
    [(address, path, count)] = report.boxes
    assert (address, path.name, count) == (BOX, f"{BOX}.mbox", 2)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    box = mailbox.mbox(path, factory=lambda f: email.message_from_binary_file(f, policy=policy.default))
    first, second = list(box)
    assert [str(m["Subject"]) for m in (first, second)] == ["Grüße: your invoice", "Second"]  # oldest first
    assert attachments_of(first) == FILES
    assert "From here on" in first.get_body(("html",)).get_content()  # the mbox "From " quoting is undone
    flags = [mailbox.mboxMessage(m).get_flags() for m in mailbox.mbox(path)]
    assert flags == ["", "RO"]


async def test_maildir_round_trip_with_attachments_byte_identical(store, tmp_path):
    report = await export_boxes(store, [BOX], "maildir", tmp_path / "out", fetch=fetch)
    [(_, path, _)] = report.boxes
    box = mailbox.Maildir(path, factory=None, create=False)
    messages = sorted(box, key=lambda m: m.get_date())  # set to when each was received
    assert [m.get_subdir() for m in messages] == ["cur", "cur"] and [m.get_flags() for m in messages] == ["", "S"]
    assert attachments_of(parsed(bytes(messages[0]))) == FILES


async def test_eml_files_one_a_message(store, tmp_path):
    report = await export_boxes(store, [BOX], "eml", tmp_path / "out")
    [(_, folder, _)] = report.boxes
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["20261101-100000-m1.eml", "20261102-100000-m2.eml"]
    msg = parsed((folder / names[0]).read_bytes())
    assert str(msg["Subject"]) == "Grüße: your invoice" and attachments_of(msg) == {}
    assert len(report.missing) == 3 and {why for *_, why in report.missing} == {
        "not downloaded (export with --with-attachments)"}


async def test_nothing_in_the_folder_is_overwritten(store, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / f"{BOX}.mbox").write_text("mine")
    (out / BOX).mkdir()
    (out / BOX / "keep.txt").write_text("mine too")
    os.symlink(tmp_path / "elsewhere", out / f"{BOX} (1).mbox")
    mbox = await export_boxes(store, [BOX], "mbox", out)
    maildir = await export_boxes(store, [BOX], "maildir", out)
    assert mbox.boxes[0][1].name == f"{BOX} (2).mbox" and maildir.boxes[0][1].name == f"{BOX} (1)"
    assert (out / f"{BOX}.mbox").read_text() == "mine" and (out / BOX / "keep.txt").read_text() == "mine too"
    assert not (tmp_path / "elsewhere").exists()


# --- the pipe -------------------------------------------------------------------------------------------------------

async def test_the_command_gets_the_message_on_its_input(tmp_path):
    data = message_bytes(build_message(html_message()))
    result = await pipe_to(f"tee '{tmp_path}/got.eml' | grep -c '^Subject:'", data)
    assert result.ok and result.output.strip() == "1"
    assert (tmp_path / "got.eml").read_bytes() == data
    text = await pipe_to("grep -i total", message_as_text(html_message()).encode())
    assert text.output.strip() == "Total EUR 98.50. See it [1]"


async def test_the_command_never_sees_the_api_key(monkeypatch):
    monkeypatch.setenv(KEY_VARIABLE, KEY)
    result = await pipe_to("env; cat", f"the message, {os.environ['HOME']}".encode())
    assert result.ok and "the message" in result.output and "HOME=" in result.output
    assert KEY not in result.output and KEY_VARIABLE not in result.output


async def test_failures_timeouts_and_floods_are_bounded_and_said():
    failed = await pipe_to("echo oops >&2; exit 3", b"x")
    assert (failed.returncode, failed.output, failed.summary()) == (3, "oops\n", "Exit status 3.")
    missing = await pipe_to("no-such-command-tmail", b"x")
    assert missing.returncode == 127 and "not found" in missing.summary()
    slow = await pipe_to("echo started; sleep 30", b"x", timeout=0.5)
    assert slow.timed_out and slow.returncode is None and "Stopped" in slow.summary()
    flood = await pipe_to("yes", b"", timeout=1)
    assert flood.cut and len(flood.output) == OUTPUT_LIMIT
    ignored = await pipe_to("true", b"x" * 1_000_000)  # does not read its input: not an error
    assert ignored.ok


async def test_cancelling_stops_the_whole_pipeline(tmp_path):
    marker = tmp_path / "still-running"
    task = asyncio.ensure_future(pipe_to(f"sleep 1 | (sleep 2; touch '{marker}')", b"x"))
    await asyncio.sleep(0.3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(2.5)
    assert not marker.exists()


# --- tmail export ---------------------------------------------------------------------------------------------------

def test_tmail_export_all_with_attachments(tmail, emulator, home):
    live = emulator.create_box()
    emulator.deliver(live.address, FeedMessage("With files", "Alex", "alex@friends.example", "Hi\n", attachments=[
        FeedAttachment("sunset.png", PNG, "image/png"), FeedAttachment("data.zip", ZIP, "application/zip")]))
    expiring = emulator.create_box()
    emulator.deliver(expiring.address, FeedMessage("Old one", "Bob", "bob@example.org", "<p>hello</p>", html=True,
                                                   attachments=[FeedAttachment("gone.txt", b"bye")]))
    assert tmail("add", live.address).returncode == 0
    assert tmail("add", expiring.address).returncode == 0
    emulator.boxes[expiring.address].expires = emulator.now() - 1  # its files are no longer on the server

    out = home / "export"
    done = tmail("export", "--all", "--format", "mbox", "--with-attachments", str(out), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["messages"] == 2 and report["attachments"] == 2
    assert report["missing"] == [{"mailbox": expiring.address, "id": report["missing"][0]["id"], "name": "gone.txt",
                                  "reason": "no longer on the server"}]
    by_box = {f["mailbox"]: Path(f["path"]) for f in report["files"]}
    [msg] = mailbox.mbox(by_box[live.address],
                         factory=lambda f: email.message_from_binary_file(f, policy=policy.default))
    assert attachments_of(msg) == {"sunset.png": PNG, "data.zip": ZIP}

    again = tmail("export", live.address, str(out))
    assert again.returncode == 0 and f"{live.address} (1).mbox" in again.stdout
    assert tmail("export", str(out)).returncode == 2  # neither an address nor --all
    assert tmail("export", "--all", live.address, str(out)).returncode == 2
    unknown = tmail("export", "nobody@quickbox.test", str(out))
    assert unknown.returncode == 2 and "not one of your mailboxes" in unknown.stderr
