"""Configuration: where the key comes from, file modes, precedence of the base URL."""

from __future__ import annotations

import os
import stat

import pytest

from tmail_tui import config
from tmail_tui.api.client import DEFAULT_BASE_URL


def test_locations_follow_xdg(home):
    assert config.config_path() == home / "config" / "tmail" / "config.toml"
    assert config.data_dir() == home / "data" / "tmail"
    assert config.load().store_path == home / "data" / "tmail" / "tmail.db"


def test_no_key_and_defaults(home):
    loaded = config.load()
    assert loaded.api_key is None and loaded.base_url == DEFAULT_BASE_URL
    assert loaded.download_dir == home / "Downloads"


def test_saved_key_file_is_private_and_read_back(home):
    path = config.save_api_key("  sk-123  ")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = config.load()
    assert loaded.api_key == "sk-123" and loaded.key_source == str(path)
    assert "sk-123" not in repr(loaded)


def test_saving_keeps_other_settings(home):
    config.save({"base_url": "https://mine.example", "bell": False})
    config.save_api_key("sk-1")
    loaded = config.load()
    assert (loaded.base_url, loaded.bell, loaded.api_key) == ("https://mine.example", False, "sk-1")


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660])
def test_key_file_readable_by_others_is_refused(home, mode):
    path = config.save_api_key("sk-secret")
    os.chmod(path, mode)
    with pytest.raises(config.ConfigError, match="chmod 600") as caught:
        config.load()
    assert "sk-secret" not in str(caught.value)


def test_env_key_wins_over_file(home, monkeypatch):
    config.save_api_key("from-file")
    monkeypatch.setenv("TMAIL_API_KEY", "from-env")
    loaded = config.load()
    assert loaded.api_key == "from-env" and loaded.key_source == "TMAIL_API_KEY"


def test_base_url_precedence(home, monkeypatch):
    config.save({"base_url": "https://file.example"})
    assert config.load().base_url == "https://file.example"
    monkeypatch.setenv("TMAIL_BASE_URL", "https://env.example/")
    assert config.load().base_url == "https://env.example"
    assert config.load(base_url="http://127.0.0.1:8025").base_url == "http://127.0.0.1:8025"


def test_bad_base_url_and_bad_toml(home, monkeypatch):
    monkeypatch.setenv("TMAIL_BASE_URL", "ftp://nope")
    with pytest.raises(config.ConfigError, match="https://"):
        config.load()
    monkeypatch.delenv("TMAIL_BASE_URL")
    config.config_path().parent.mkdir(parents=True)
    config.config_path().write_text("api_key = [unclosed")
    with pytest.raises(config.ConfigError, match="not valid TOML"):
        config.load()


def test_key_with_quotes_and_backslashes_round_trips(home):
    config.save_api_key('ab"c\\d')
    assert config.load().api_key == 'ab"c\\d'


@pytest.mark.parametrize("mode", [0o666, 0o622, 0o620, 0o602])
def test_config_others_can_write_is_refused_even_without_a_key(home, mode, monkeypatch):
    """Whoever can write the config chooses the base URL, and so where the key from the environment is sent."""
    path = config.save({"base_url": "https://mine.example"})
    os.chmod(path, mode)
    monkeypatch.setenv("TMAIL_API_KEY", "sk-from-env")
    with pytest.raises(config.ConfigError, match=f"can be changed by other users.*Run: chmod 600 '{path}'") as caught:
        config.load()
    assert "sk-from-env" not in str(caught.value)
    with pytest.raises(config.ConfigError, match="chmod 600"):
        config.save({"bell": False})  # nothing is merged into it either
    os.chmod(path, 0o644)  # readable by others, but no key in it: fine as before
    assert config.load().base_url == "https://mine.example"


def test_config_owned_by_another_user_is_refused(home, monkeypatch):
    path = config.save({"base_url": "https://mine.example"})
    owner = path.stat().st_uid
    monkeypatch.setattr(config.os, "getuid", lambda: owner + 1)
    with pytest.raises(config.ConfigError, match=f"belongs to another user \\(uid {owner}\\).*chown .* '{path}'"):
        config.load()


def test_allow_insecure_must_be_a_real_true(home, monkeypatch):
    config.save({"base_url": "http://mail.example.test"})
    config.config_path().write_text('base_url = "http://mail.example.test"\nallow_insecure = "no"\n')
    with pytest.raises(config.ConfigError, match="in clear"):
        config.load()
    monkeypatch.setenv("TMAIL_INSECURE", "0")
    with pytest.raises(config.ConfigError, match="in clear"):
        config.load()
