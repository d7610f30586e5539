"""Client for the Temp Mail User API: models, errors and the async HTTP client."""

from .client import (
    DEFAULT_BASE_URL,
    TempMailClient,
    check_key,
    normalize_base_url,
    usable_key,
)
from .errors import (
    ApiError,
    AuthError,
    ConfigError,
    InvalidRequestError,
    NetworkError,
    NotFoundError,
    PlanError,
    QuotaError,
    ServerError,
    TmailError,
)
from .models import Attachment, Domain, DomainList, Mailbox, Message, Quota

__all__ = [
    "DEFAULT_BASE_URL", "TempMailClient", "check_key", "normalize_base_url", "usable_key",
    "ApiError", "AuthError", "ConfigError", "InvalidRequestError", "NetworkError", "NotFoundError", "PlanError",
    "QuotaError", "ServerError", "TmailError",
    "Attachment", "Domain", "DomainList", "Mailbox", "Message", "Quota",
]
