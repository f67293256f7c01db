"""One frozen `Settings` built at start from the four layers, later ones winning: defaults,
the config file, the environment, the flags. The command line hands it to each command, and
the app is built with its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli import run
from settings.config import load_config
from settings.layers import Settings, build_settings
from store.db import default_database_location
from ticketty.launch import OpenedApp, open_app

CONFIG = """\
allow_editor = true
editor = "nano"

[keymap]
"list.open" = "l"

[mail]
attachment_limit_mb = 2
flood_messages = 7
flood_minutes = 3
message_limit_mb = 4
"""


def test_flags_win_over_the_environment_which_wins_over_the_defaults() -> None:
    environment = {"TICKETTY_DB": "/env.db", "TICKETTY_USER": "env-user"}
    flagged = build_settings(db="/flag.db", user="flag-user", environ=environment)
    assert (flagged.database, flagged.username) == ("/flag.db", "flag-user")
    from_environment = build_settings(environ=environment)
    assert (from_environment.database, from_environment.username) == ("/env.db", "env-user")
    defaults = build_settings(environ={"USER": "login"})
    assert defaults.database == default_database_location()
    assert defaults.username  # the login name


def test_the_config_file_fills_its_fields(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(CONFIG, encoding="utf-8")
    settings = build_settings(
        db="x.db", user="ada", config=load_config(tmp_path / "config.toml"), environ={}
    )
    assert settings.keymap == {"list.open": "l"}
    assert settings.editor == "nano"
    assert settings.attachment_limit_bytes == 2 * 2**20
    assert settings.message_limit_bytes == 4 * 2**20
    assert (settings.flood_messages, settings.flood_minutes) == (7, 3)
    # Not read: the file's fields keep their defaults.
    unread = build_settings(db="x.db", user="ada", environ={})
    assert unread.attachment_limit_bytes == Settings().attachment_limit_bytes == 25 * 2**20
    assert unread.keymap == {} and unread.editor is None


def test_no_editor_under_ssh_whatever_the_file_says(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(CONFIG, encoding="utf-8")
    config = load_config(tmp_path / "config.toml")
    settings = build_settings(config=config, environ={"SSH_CONNECTION": "1.2.3.4 5 6.7.8.9 22"})
    assert settings.editor is None


def test_settings_are_frozen() -> None:
    settings = build_settings(db="x.db", user="ada", environ={})
    with pytest.raises(AttributeError):  # a named tuple's fields are read-only
        settings.database = "other.db"  # type: ignore[misc]
    with pytest.raises(TypeError):
        settings.keymap["list.open"] = "x"  # type: ignore[index]


def test_the_app_is_built_with_the_settings_of_its_start(
    new_demo, tmp_path: Path, monkeypatch
) -> None:
    location = new_demo(5, "d.db")
    (tmp_path / "config.toml").write_text(CONFIG, encoding="utf-8")
    monkeypatch.setenv("TICKETTY_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.delenv("SSH_CONNECTION", raising=False)
    monkeypatch.delenv("SSH_TTY", raising=False)
    monkeypatch.delenv("SSH_ORIGINAL_COMMAND", raising=False)
    opened = open_app(location, "ada")
    assert isinstance(opened, OpenedApp)
    try:
        settings = opened.app.settings
        assert (settings.database, settings.username) == (location, "ada")
        assert settings.keymap == {"list.open": "l"} and settings.editor == "nano"
        assert opened.app.mail_reading is not None
        assert opened.app.gate.file_limit == 2 * 2**20  # mail's attachments and the app's files
    finally:
        opened.db.close()


def test_the_command_line_reads_the_database_and_person_from_its_settings(
    new_demo, monkeypatch, capsys
) -> None:
    location = new_demo(5, "d.db")
    monkeypatch.setenv("TICKETTY_DB", location)
    monkeypatch.setenv("TICKETTY_USER", "nobody-such")
    # The flag wins over the environment's person.
    assert run(["people", "list", "--user", "ada", "--json"], lambda *_: 0) == 0
    assert '"username": "ada"' in capsys.readouterr().out
