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


class ConfigError(TmailError):
    """The configuration (a setting, the config file, the base URL) cannot be used as it is; the message says how to
    fix it."""


class NetworkError(TmailError):
    """The server could not be reached, or did not answer in time."""


class ApiError(TmailError):
    """The server answered, but not with success.

    `api_said` is true only when the body is the API's own error shape (a JSON object with `"status": false`): a 404
    page from a proxy, an empty body or a framework's `{"message": "Not Found"}` for a path it has no route for (a
    wrong base URL) is not the API saying a box is gone.
    """

    def __init__(self, message: str, status: int | None = None, detail: str = "", api_said: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.detail = detail  # the server's own words, already sanitised
        self.api_said = api_said


class AuthError(ApiError):
    """401: the key is missing or wrong."""


class PlanError(ApiError):
    """403: the plan does not allow this, or the mailbox belongs to another account."""


class NotFoundError(ApiError):
    """404: the mailbox or message does not exist (any more): boxes expire."""


class InvalidRequestError(ApiError):
    """400/422: the name or domain was refused."""


class QuotaError(ApiError):
    """429: the monthly quota is used up (`spent`: the answer said Remaining 0), or the server limits the rate.

    `reset` is when the quota resets (if the headers said), `retry_after` the seconds a Retry-After header asked for.
    """

    def __init__(self, message: str, status: int | None = 429, detail: str = "", reset: datetime | None = None, *,
                 spent: bool = False, retry_after: int | None = None, api_said: bool = False) -> None:
        super().__init__(message, status, detail, api_said)
        self.reset = reset
        self.spent = spent
        self.retry_after = retry_after


class ServerError(ApiError):
    """5xx, or an answer that is not the JSON the API documents."""
