"""Settings and where things live.

The key comes from TMAIL_API_KEY, else the config file (TOML, mode 0600; refused when others can read it).
The base URL from --base-url, else TMAIL_BASE_URL, else the config file, else the documented default; with or
without `/api`, normalised once by the client's rule. Plain http to another machine is refused unless the user opts
in (`allow_insecure = true`, TMAIL_INSECURE=1 or `insecure=True` from --insecure): the key would travel in clear.
The config file decides where the key is sent, so one that another user owns or can write is refused outright,
key or no key.
Every location comes from platformdirs, so XDG_CONFIG_HOME, XDG_DATA_HOME and friends are honoured.
Retention (`max_age_days`, `max_messages`: see archive.apply_retention) is off unless set; a value that is not a
whole number above 0 is refused rather than guessed at, since it decides what mail is deleted.
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

from .api.client import DEFAULT_BASE_URL, normalize_base_url, usable_key
from .api.errors import ConfigError  # noqa: F401 - defined with the other errors (the client raises it too)
from .sanitize import one_line

APP_NAME = "tmail"
KEY_VARIABLE = "TMAIL_API_KEY"
INSECURE_VARIABLE = "TMAIL_INSECURE"


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
    allow_insecure: bool = False  # plain http to another machine: pass to TempMailClient(insecure=...)
    max_age_days: int | None = None  # retention (archive.apply_retention): None keeps mail for ever
    max_messages: int | None = None
    desktop_alerts: str = "auto"  # new mail as a desktop notification: auto, osc9, osc777 or off (see alerts.py)
    terminal_title: bool = True  # the unread count in the terminal's title
    on_new_mail: str = ""  # a command run for each new message in the reader (see hooks.py)


def _current_user() -> str:
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError, AttributeError):
        return "$USER"


def _refuse_unsafe(path: Path, info: os.stat_result, has_key: bool) -> None:
    """Refuse a config file another user owns or can change (it decides where the key goes), and one holding the key
    that others can read."""
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise ConfigError(f"The config file {path} belongs to another user (uid {info.st_uid}), who could send tmail "
                          f"and your key to their own server. If it is yours, run: chown {_current_user()} "
                          f"'{path}'; otherwise remove it.")
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise ConfigError(f"The config file {path} can be changed by other users, who could send tmail and your "
                          f"key to their own server. Run: chmod 600 '{path}'")
    if has_key and info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(f"The config file {path} holds your API key but other users can read it. "
                          f"Run: chmod 600 '{path}'")


def read_file(path: Path | None = None) -> dict[str, Any]:
    """The config file's settings ({} when there is none). Refuses one that is unsafe (see _refuse_unsafe)."""
    path = path or config_path()
    try:
        with open(path, "rb") as handle:
            info = os.fstat(handle.fileno())  # the file read is the file checked
            raw = handle.read()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"Cannot read the config file {path}: {exc.strerror}.") from None
    try:
        settings = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"The config file {path} is not valid TOML ({exc}). Fix or remove it.") from None
    _refuse_unsafe(path, info, bool(settings.get("api_key")))
    return settings


def _truthy(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load(base_url: str | None = None, path: Path | None = None, insecure: bool = False) -> Config:
    """The settings in force. `insecure` is the --insecure flag: plain http to another machine is allowed."""
    settings = read_file(path)
    config = Config()
    env_key = os.environ.get(KEY_VARIABLE, "").strip()
    file_key = settings.get("api_key")
    if env_key:
        config.api_key, config.key_source = env_key, KEY_VARIABLE
    elif isinstance(file_key, str) and file_key.strip():
        config.api_key, config.key_source = file_key.strip(), str(path or config_path())
    config.allow_insecure = (insecure or _truthy(os.environ.get(INSECURE_VARIABLE, ""))
                             or settings.get("allow_insecure") is True)
    url = base_url or os.environ.get("TMAIL_BASE_URL", "").strip() or settings.get("base_url") or DEFAULT_BASE_URL
    config.base_url = normalize_base_url(url, config.allow_insecure)
    download_dir = os.environ.get("TMAIL_DOWNLOAD_DIR") or settings.get("download_dir")
    if isinstance(download_dir, str) and download_dir:
        config.download_dir = Path(download_dir).expanduser()
    if isinstance(settings.get("bell"), bool):
        config.bell = settings["bell"]
    if settings.get("desktop_alerts") in ("auto", "osc9", "osc777", "off"):
        config.desktop_alerts = settings["desktop_alerts"]
    if isinstance(settings.get("terminal_title"), bool):
        config.terminal_title = settings["terminal_title"]
    if isinstance(settings.get("on_new_mail"), str):
        config.on_new_mail = settings["on_new_mail"].strip()
    for name in ("max_age_days", "max_messages"):
        setattr(config, name, _retention(settings, name, path))
    return config


def _retention(settings: dict[str, Any], name: str, path: Path | None) -> int | None:
    """A retention setting: a whole number above 0, or absent (nothing is ever removed unless it is set)."""
    value = settings.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{name} in the config file {path or config_path()} must be a whole number above 0 "
                          f"(it is {one_line(repr(value), 40)}); remove it to keep all mail.")
    return value


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
    """Save the key in the config file, after checking its characters: a key that cannot be sent is never written
    (AuthError, saying which character is wrong). Checking it with the server is check_key's job, before this."""
    try:
        updates: dict[str, object] = {"api_key": usable_key(key)}
    finally:
        del key  # not in this frame's locals when a malformed key's error passes through it
    return save(updates, path)
