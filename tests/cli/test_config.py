"""The config file: keys remapped by binding id, bad files refused clearly, no $EDITOR under
SSH whatever the client sends."""

from __future__ import annotations

from pathlib import Path

import pytest

from screens.ticket_detail import TicketDetailScreen
from settings.config import Config, ConfigError, load_config
from settings.layers import Settings
from tests.tui_support import make_app, settle


def test_keymap_remaps_a_binding_by_id(tmp_path: Path, monkeypatch) -> None:
    config_file = tmp_path / "config.toml"
    config_file.write_text('[keymap]\n"list.open" = "o,l"\n', encoding="utf-8")
    monkeypatch.setenv("TICKETTY_CONFIG", str(config_file))
    assert load_config().keymap == {"list.open": "o,l"}


async def test_remapped_key_opens_a_ticket(new_demo) -> None:
    location = new_demo(50, "d.db")
    app = make_app(location, "ada")
    app.settings = Settings(keymap={"list.open": "l"})
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, TicketDetailScreen)


def test_a_broken_config_file_is_named(tmp_path: Path) -> None:
    broken = tmp_path / "config.toml"
    broken.write_text("[keymap\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"config\.toml"):
        load_config(broken)
    broken.write_text("[keymap]\n'list.open' = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="binding ids to keys"):
        load_config(broken)


def test_no_editor_under_ssh(monkeypatch) -> None:
    monkeypatch.setenv("EDITOR", "vim")
    monkeypatch.delenv("SSH_CONNECTION", raising=False)
    monkeypatch.delenv("SSH_ORIGINAL_COMMAND", raising=False)
    monkeypatch.delenv("SSH_TTY", raising=False)
    assert Config().editor_command == "vim"
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.1 5000 10.0.0.2 22")
    assert Config().editor_command is None
    assert Config(allow_editor=True, editor="nano").editor_command is None
