"""Big bodies convert in a worker process (the UI keeps its core), which never sees the key; a dead worker is
survivable."""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path

from tmail_tui.converter import BIG, Converter, serve
from tmail_tui.emulator.feed import NEWSLETTER_HTML
from tmail_tui.render import Link, for_reader

BIG_HTML = ("<html><body>" + NEWSLETTER_HTML.split("<body>", 1)[1] * (2 * BIG // len(NEWSLETTER_HTML) + 1)
            + '<p><a href="https://example.org/confirm?t=1">Confirm <b>your</b> address</a></p>')


def test_the_worker_protocol_round_trips(tmp_path):
    requests = io.BytesIO()
    for content, is_html in ((BIG_HTML, True), ("plain \x1b[2J text", False)):
        body = json.dumps([content, is_html]).encode()
        requests.write(len(body).to_bytes(8, "big") + body)
    requests.seek(0)
    replies = io.BytesIO()
    serve(requests, replies)
    replies.seek(0)
    bodies = []
    while header := replies.read(8):
        bodies.append(json.loads(replies.read(int.from_bytes(header, "big"))))
    assert bodies == [for_reader(BIG_HTML, True).to_wire(), for_reader("plain \x1b[2J text", False).to_wire()]
    assert "\x1b" not in bodies[1][0]


async def test_a_big_body_converts_in_a_worker_process_without_the_key(monkeypatch):
    monkeypatch.setenv("TMAIL_API_KEY", "secret-key-for-this-test")
    converter = Converter()
    try:
        assert len(BIG_HTML) > BIG
        body = await converter.for_reader(BIG_HTML, True)
        assert body == for_reader(BIG_HTML, True)
        assert Link(len(body.links), "https://example.org/confirm?t=1", "Confirm your address") == body.links[-1]
        worker = converter._worker
        assert worker is not None and worker.returncode is None and worker.pid != os.getpid()
        environ = Path(f"/proc/{worker.pid}/environ").read_bytes()
        assert b"secret-key-for-this-test" not in environ
        # The worker stays for the next big mail.
        assert await converter.for_reader(BIG_HTML + "<p>more</p>", True) == for_reader(BIG_HTML + "<p>more</p>", True)
        assert converter._worker is worker
    finally:
        await converter.close()
    assert worker.returncode is not None  # closing ends it


async def test_small_bodies_stay_in_the_process():
    converter = Converter()
    assert (await converter.for_reader("<p>hi</p>", True)).text == "hi"
    assert converter._worker is None


async def test_a_dead_or_missing_worker_falls_back_to_a_thread(monkeypatch):
    converter = Converter()
    try:
        await converter.for_reader(BIG_HTML, True)
        converter._worker.kill()
        await converter._worker.wait()
        assert await converter.for_reader(BIG_HTML, True) == for_reader(BIG_HTML, True)  # a fresh worker
        await converter.close()
        monkeypatch.setattr(sys, "executable", "/nonexistent/python")
        assert await converter.for_reader(BIG_HTML, True) == for_reader(BIG_HTML, True)  # in a thread
        assert converter._worker is None
    finally:
        await converter.close()
