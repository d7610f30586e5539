"""One error hierarchy for everything that can go wrong talking to the API.

Every message is written for a person: it says what happened and, where there is one, what to do.
None of them ever contains the API key (the client redacts server text before it gets here).
"""

from __future__ import annotations

from datetime import datetime


class TmailError(Exception):
    """Base for every error tmail reports to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class NetworkError(TmailError):
    """The server could not be reached, or did not answer in time."""


class ApiError(TmailError):
    """The server answered, but not with success."""

    def __init__(self, message: str, status: int | None = None, detail: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.detail = detail  # the server's own words, already sanitised


class AuthError(ApiError):
    """401: the key is missing or wrong."""


class PlanError(ApiError):
    """403: the plan does not allow this, or the mailbox belongs to another account."""


class NotFoundError(ApiError):
    """404: the mailbox or message does not exist (any more): boxes expire."""


class InvalidRequestError(ApiError):
    """400/422: the name or domain was refused."""


class QuotaError(ApiError):
    """429: the monthly quota (or a rate limit) is used up."""

    def __init__(self, message: str, status: int | None = 429, detail: str = "",
                 reset: datetime | None = None) -> None:
        super().__init__(message, status, detail)
        self.reset = reset


class ServerError(ApiError):
    """5xx, or an answer that is not the JSON the API documents."""
