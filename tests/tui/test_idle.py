"""Idle and start-up (issue 12): the status line and the sidebar repaint only when their text changes, and the reader's
start imports nothing its first frame does not need. Counts of repaints and imports, never timings."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from textual.app import App

from tmail_tui.api.models import Quota
from tmail_tui.cli import reader_arguments
from tmail_tui.store import StoredBox
from tmail_tui.tui.widgets.mailbox_list import MailboxList
from tmail_tui.tui.widgets.status_line import StatusLine


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class CountingStatus(StatusLine):
    renders = 0

    def render(self):
        self.renders += 1
        return super().render()


class CountingSidebar(MailboxList):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.refreshed: list[int] = []

    def refresh_row(self, index: int) -> None:
        self.refreshed.append(index)
        super().refresh_row(index)


class One(App[None]):
    def __init__(self, widget) -> None:
        super().__init__()
        self.widget = widget

    def compose(self):
        yield self.widget


NOW = 1_800_000_000.0


def text(status: StatusLine) -> str:
    return status.render_line(0).text.strip()


async def test_the_status_line_does_not_repaint_while_only_the_clock_moves():
    clock = Clock(NOW)
    status = CountingStatus(clock=clock)
    async with One(status).run_test(size=(100, 3)) as pilot:
        status.show(last_poll=NOW - 5, next_poll=NOW + 10)
        status.show(quota=Quota(limit=50_000, remaining=49_000, used=1_000,
                                reset=datetime.fromtimestamp(NOW, UTC) + timedelta(days=3, minutes=30)))
        await pilot.pause(0.3)
        shown = text(status)
        next_at = datetime.fromtimestamp(NOW + 10).strftime("%H:%M:%S")
        assert f"next {next_at}" in shown and "quota 49k of 50k left, resets in 3d 0h" in shown
        renders = status.renders
        assert status._wake.when() - asyncio.get_running_loop().time() > 1000  # no timer every second
        for _ in range(5):  # five seconds: the next check is still due at the same time
            clock.now += 1
            status._tick()
            await pilot.pause(0.15)
        assert status.renders == renders and text(status) == shown
        clock.now += 3600  # the quota's reset moved by an hour: that does show
        status._tick()
        await pilot.pause(0.3)
        assert status.renders == renders + 1 and "resets in 2d 23h" in text(status)


async def test_the_fields_a_poll_changes_repaint_the_line_once():
    clock = Clock(NOW)
    status = CountingStatus(clock=clock)
    async with One(status).run_test(size=(100, 3)) as pilot:
        await pilot.pause(0.3)
        renders = status.renders
        # (set together, as the screen does: the poll's end and the schedule come in one message)
        status.show(checking=False, last_poll=NOW, problem="")
        status.show(next_poll=NOW + 15)
        await pilot.pause(0.3)
        assert status.renders == renders + 1
        assert f"checked {datetime.fromtimestamp(NOW).strftime('%H:%M:%S')}" in text(status)


async def test_a_slow_poll_says_checking():
    clock = Clock(NOW)
    status = StatusLine(clock=clock)
    async with One(status).run_test(size=(100, 3)) as pilot:
        status.show(last_poll=NOW - 15, next_poll=NOW)
        await pilot.pause(0.3)
        assert "checking…" not in text(status)
        status.show(checking=True)  # (the watcher said the poll is slow: PollSlow)
        await pilot.pause(0.3)
        assert text(status).startswith("checking…")
        status.show(checking=False, last_poll=clock.now)
        await pilot.pause(0.3)
        assert text(status).startswith("checked")


def box(address: str, expires_in: float) -> StoredBox:
    return StoredBox(address, "created", expire_at=datetime.fromtimestamp(NOW + expires_in, UTC))


async def test_the_reader_says_checking_only_while_a_slow_poll_runs(emulator, tmp_path, monkeypatch):
    """Quick polls (every 0.2 s here) never flash "checking…"; a poll the server answers slowly says it until its
    answer is in, then "checked" again."""
    from .helpers import make_app, screen_text, wait_for
    from .test_reader import SIZE, with_box

    drawn: list[str] = []
    real = StatusLine.render
    monkeypatch.setattr(StatusLine, "render", lambda self: (drawn.append(str(real(self))), real(self))[1])
    app = make_app(emulator, tmp_path)
    with_box(emulator, app, "One")
    async with app.run_test(size=SIZE) as pilot:
        status = app.screen.query_one(StatusLine)
        await wait_for(pilot, lambda: status.state.last_poll is not None)
        polled = status.state.last_poll
        await wait_for(pilot, lambda: status.state.last_poll > polled + 1, what="several quick polls")
        assert drawn and not any("checking…" in line for line in drawn)
        emulator.add_fault("slow", count=1, path="/api/messages", delay=2.0)
        await wait_for(pilot, lambda: screen_text(app).splitlines()[-2].strip().startswith("checking…"),
                       what="checking…")
        await wait_for(pilot, lambda: screen_text(app).splitlines()[-2].strip().startswith("checked"), what="checked")


async def test_the_sidebar_repaints_a_row_only_when_its_time_left_changes():
    clock = Clock(NOW)
    sidebar = CountingSidebar(clock=clock)
    async with One(sidebar).run_test(size=(40, 10)) as pilot:
        sidebar.show([box("hours@quickbox.test", 5 * 3600 + 30.5), box("minutes@quickbox.test", 300.5)])
        await pilot.pause(0.2)
        sidebar.refreshed.clear()
        clock.now += 1
        sidebar.tick()
        assert sidebar.refreshed == [1]  # "5m 00s" -> "4m 59s"; "5h 00m" stays
        sidebar.show([box("hours@quickbox.test", 5 * 3600 + 30.5)])
        await pilot.pause(0.2)
        sidebar.refreshed.clear()
        assert sidebar._wake._interval > 20  # no timer every second: the text moves in half a minute
        for _ in range(20):  # within the minute: nothing to look at
            clock.now += 1
            sidebar.tick()
        assert sidebar.refreshed == []
        clock.now += 12  # the minute turns: "5h 00m" -> "4h 59m"
        sidebar.tick()
        assert sidebar.refreshed == [0]


def test_tmail_alone_starts_the_reader_without_building_the_commands():
    assert reader_arguments([]) is not None
    args = reader_arguments(["--base-url", "http://127.0.0.1:8025", "--demo"])
    assert args.base_url == "http://127.0.0.1:8025" and args.demo
    for argv in (["inbox"], ["--version"], ["-h"], ["--bogus"], ["watch", "a@b.c"]):
        assert reader_arguments(argv) is None, argv


def test_the_reader_imports_only_what_its_first_frame_needs():
    # The archive (and the code finder, the query parser), html2text, the commands, the demo's emulator and rich's
    # traceback (pygments) load when used: none of them is needed to paint the first frame.
    code = ("import sys; import tmail_tui.cli, tmail_tui.tui.app; "
            "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('tmail_tui', 'html2text', 'pygments') or m == 'rich.traceback')))")
    loaded = set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
                 .stdout.split())
    assert "tmail_tui.tui.app" in loaded
    for module in ("tmail_tui.archive", "tmail_tui.codes", "tmail_tui.search", "tmail_tui.export",
                   "tmail_tui.expect", "tmail_tui.render", "tmail_tui.emulator", "tmail_tui.cli.archive",
                   "html2text", "pygments", "rich.traceback"):
        assert module not in loaded, module


async def test_the_status_line_speaks_of_the_box_in_view_and_other_boxes_polls_leave_it_alone(emulator, tmp_path,
                                                                                                monkeypatch):
    from .helpers import make_app, screen_text, wait_for
    from .test_reader import SIZE, with_box

    renders: list[str] = []
    real = StatusLine.render
    monkeypatch.setattr(StatusLine, "render", lambda self: (renders.append(str(real(self))), real(self))[1])
    app = make_app(emulator, tmp_path, fast=3600, in_view=3600, background=0.2)  # the box in view: hourly
    boxes = [with_box(emulator, app, "One"), with_box(emulator, app, "Two")]
    async with app.run_test(size=SIZE) as pilot:
        status = app.screen.query_one(StatusLine)
        await wait_for(pilot, lambda: status.state.last_poll is not None and status.state.next_poll is not None)
        in_view = app.watcher.in_view
        other = next(box for box in boxes if box != in_view)
        polled_at = app.store.box(in_view).polled_at
        assert status.state.last_poll == pytest.approx(polled_at, abs=1)
        assert status.state.next_poll == pytest.approx(polled_at + 3600, abs=1)

        def polls_of_other() -> int:
            return sum(1 for _, path, _ in emulator.requests
                       if path.startswith("/api/messages?") and other.split("@")[0] in path)

        await pilot.pause(0.3)
        drawn, line, polls = len(renders), screen_text(app).splitlines()[-2], polls_of_other()
        await wait_for(pilot, lambda: polls_of_other() >= polls + 4, what="four polls of the other box")
        await pilot.pause(0.3)
        # each spent one request of the quota (49,99x of 50,000 left: "49.9k"), and none moved the line
        assert emulator.quota_used > 4 and "quota 49.9k of 50k left" in line
        assert len(renders) == drawn and screen_text(app).splitlines()[-2] == line
        assert f"checked {datetime.fromtimestamp(status.state.last_poll).strftime('%H:%M:%S')}" in line


async def test_the_first_frame_shows_the_rows_stored(emulator, tmp_path, monkeypatch):
    """The boxes and the first rows are read from the store before the first frame: it paints them, not an empty
    list followed by a second paint of the whole screen. (The server answers late: the rows are the store's.)"""
    from textual._compositor import Compositor

    from tmail_tui.tui.widgets.message_list import MessageList

    from .helpers import make_app
    from .test_big_box import old_mail
    from .test_reader import SIZE, with_box

    app = make_app(emulator, tmp_path)
    address = with_box(emulator, app)
    app.store.record_poll(address, old_mail(address, 3))
    emulator.add_fault("slow", count=1, path="/api/messages", delay=2.0)
    at_first_frame: list[int] = []
    real = Compositor.render_full_update

    def full_update(self, *args, **kwargs):
        if not at_first_frame:
            at_first_frame.append(app.screen.query_one(MessageList).row_count)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Compositor, "render_full_update", full_update)
    async with app.run_test(size=SIZE):
        pass
    assert at_first_frame == [3]
