"""Settings and where things live.

The key comes from TMAIL_API_KEY, else the config file (TOML, mode 0600; refused when others can read it).
The base URL from --base-url, else TMAIL_BASE_URL, else the config file, else the documented default.
Every location comes from platformdirs, so XDG_CONFIG_HOME, XDG_DATA_HOME and friends are honoured.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from .api.client import DEFAULT_BASE_URL
from .api.errors import TmailError

APP_NAME = "tmail"


class ConfigError(TmailError):
    """The configuration cannot be used as it is; the message says how to fix it."""


KEY_VARIABLE = "TMAIL_API_KEY"


def environment_without_key() -> dict[str, str]:
    """The environment for a program tmail starts (the converter, a browser): everything but the key."""
    return {name: value for name, value in os.environ.items() if name != KEY_VARIABLE}


def config_path() -> Path:
    return platformdirs.user_config_path(APP_NAME, appauthor=False) / "config.toml"


def data_dir() -> Path:
    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def default_download_dir() -> Path:
    return platformdirs.user_downloads_path()


@dataclass
class Config:
    api_key: str | None = field(default=None, repr=False)
    base_url: str = DEFAULT_BASE_URL
    download_dir: Path = field(default_factory=default_download_dir)
    bell: bool = True
    store_path: Path = field(default_factory=lambda: data_dir() / "tmail.db")
    key_source: str = ""  # "environment" or the config file's path: said in messages, never the key itself


def read_file(path: Path | None = None) -> dict[str, Any]:
    """The config file's settings ({} when there is none). Refuses a key file others can read."""
    path = path or config_path()
    try:
        raw = path.read_bytes()
        mode = path.stat().st_mode
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"Cannot read the config file {path}: {exc.strerror}.") from None
    try:
        settings = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"The config file {path} is not valid TOML ({exc}). Fix or remove it.") from None
    if settings.get("api_key") and mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(f"The config file {path} holds your API key but other users can read it. "
                          f"Run: chmod 600 '{path}'")
    return settings


def load(base_url: str | None = None, path: Path | None = None) -> Config:
    settings = read_file(path)
    config = Config()
    env_key = os.environ.get(KEY_VARIABLE, "").strip()
    file_key = settings.get("api_key")
    if env_key:
        config.api_key, config.key_source = env_key, KEY_VARIABLE
    elif isinstance(file_key, str) and file_key.strip():
        config.api_key, config.key_source = file_key.strip(), str(path or config_path())
    url = base_url or os.environ.get("TMAIL_BASE_URL", "").strip() or settings.get("base_url") or DEFAULT_BASE_URL
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise ConfigError(f"The base URL must start with https:// (got {str(url)[:80]!r}).")
    config.base_url = url.rstrip("/")
    download_dir = os.environ.get("TMAIL_DOWNLOAD_DIR") or settings.get("download_dir")
    if isinstance(download_dir, str) and download_dir:
        config.download_dir = Path(download_dir).expanduser()
    if isinstance(settings.get("bell"), bool):
        config.bell = settings["bell"]
    return config


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(str(value))  # a JSON string is a valid TOML basic string


def save(updates: dict[str, object], path: Path | None = None) -> Path:
    """Merge `updates` into the config file, written atomically with mode 0600 (it may hold the key)."""
    path = path or config_path()
    settings = {**read_file(path), **updates}
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "# tmail settings. This file may hold your API key: keep it private (mode 600).\n" + "".join(
        f"{key} = {_toml_value(value)}\n" for key, value in settings.items() if value is not None
        and isinstance(value, (str, bool, int, Path))
    )
    fd, tmp = tempfile.mkstemp(prefix=".config-", dir=path.parent)  # created 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def save_api_key(key: str, path: Path | None = None) -> Path:
    key = key.strip()
    if not key or any(c.isspace() for c in key):
        raise ConfigError("That does not look like an API key (it is empty or contains spaces).")
    return save({"api_key": key}, path)
