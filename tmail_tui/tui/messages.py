"""The watcher's events as Textual messages, one class each, so a screen handles them by name
(`on_mail_arrived`, `on_poll_failed`...). The app's watcher worker posts them; screens route them to widgets."""

from __future__ import annotations

from textual.message import Message

from .. import watcher


class WatcherMessage(Message, bubble=False):
    """For the mail screen alone: bubbling up to the app, which handles none, would double each one's dispatch."""

    def __init__(self, event: watcher.Event) -> None:
        super().__init__()
        self.event = event


class MailArrived(WatcherMessage):
    event: watcher.MailArrived


class MailStored(WatcherMessage):
    event: watcher.MailStored


class MailRemoved(WatcherMessage):
    event: watcher.MailRemoved


class BoxesChanged(WatcherMessage):
    event: watcher.BoxesChanged


class PollStarted(WatcherMessage):
    event: watcher.PollStarted


class PollSucceeded(WatcherMessage):
    event: watcher.PollSucceeded


class PollFailed(WatcherMessage):
    event: watcher.PollFailed


class BoxGone(WatcherMessage):
    event: watcher.BoxGone


class Scheduled(WatcherMessage):
    event: watcher.Scheduled


class QuotaChanged(WatcherMessage):
    event: watcher.QuotaChanged


_FOR_EVENT: dict[type, type[WatcherMessage]] = {
    watcher.MailArrived: MailArrived, watcher.MailStored: MailStored, watcher.MailRemoved: MailRemoved,
    watcher.BoxesChanged: BoxesChanged, watcher.PollStarted: PollStarted, watcher.PollSucceeded: PollSucceeded,
    watcher.PollFailed: PollFailed, watcher.BoxGone: BoxGone, watcher.Scheduled: Scheduled,
    watcher.QuotaChanged: QuotaChanged,
}


def message_for(event: watcher.Event) -> WatcherMessage:
    return _FOR_EVENT[type(event)](event)
