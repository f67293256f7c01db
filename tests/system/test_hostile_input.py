"""Bad input from the command line and the config file gets one clear line, never a hang, a
traceback or a control character echoed raw to the terminal."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from settings.config import ConfigError, load_config
from ticketty.launch import open_app
from ticketty.main import main

HOSTILE = "\x1b]0;pwned\x07"


def ticketty(*args: str) -> subprocess.CompletedProcess[str]:
    """The command in its own process; the timeout only ends a hang the test then reports."""
    return subprocess.run(
        [sys.executable, "-m", "ticketty", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "TICKETTY_USER": "ada"},
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "command",
    [
        ("tickets", "list"),
        ("demo", "--tickets", "5"),
        ("demo", "--tickets", "5", "--force"),
        ("init", "--admin", "ada"),
    ],
)
def test_a_fifo_as_the_database_is_refused_at_once(tmp_path: Path, command) -> None:
    fifo = tmp_path / "pipe.db"
    os.mkfifo(fifo)
    try:
        done = ticketty("--db", str(fifo), *command)
    except subprocess.TimeoutExpired:
        pytest.fail(f"ticketty {' '.join(command)} waited on the FIFO")
    assert done.returncode == 3, done.stderr
    assert done.stderr == f"ticketty: {fifo} is not a regular file (a pipe, socket or device); " \
        "a database is a file\n"  # fmt: skip


@pytest.mark.parametrize(
    "words",
    [
        [HOSTILE],
        ["tickets", "list", HOSTILE],
        ["tickets", "list", "--limit", HOSTILE],
        ["tickets", HOSTILE],
        ["--db", "x.db", "demo", "--seed", HOSTILE],
    ],
)
def test_usage_errors_show_control_characters_as_placeholders(words, capsys) -> None:
    with pytest.raises(SystemExit) as ended:
        main(words)
    assert ended.value.code == 2
    err = capsys.readouterr().err
    assert "error:" in err
    assert "\x1b" not in err and "\x07" not in err
    assert "pwned" in err


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e400", "-1", "1e7", '"25"', "true"])
def test_a_bad_attachment_limit_is_one_line(tmp_path: Path, monkeypatch, capsys, value) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f"[mail]\nattachment_limit_mb = {value}\n")
    with pytest.raises(ConfigError, match="attachment_limit_mb is a number of megabytes"):
        load_config(config)
    monkeypatch.setenv("TICKETTY_CONFIG", str(config))
    assert open_app(str(tmp_path / "none.db"), "ada") == 2
    err = capsys.readouterr().err
    assert err.startswith("ticketty: ") and err.count("\n") == 1
    assert "attachment_limit_mb is a number of megabytes from 0 to 1000000" in err


def test_a_sane_attachment_limit_is_kept(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[mail]\nattachment_limit_mb = 0.5\n")
    assert load_config(config).attachment_limit_bytes == 2**19


@pytest.mark.parametrize("interval", ["nan", "inf", "0", "-1"])
def test_a_bad_serve_interval_is_one_line(db_location: str, capsys, interval: str) -> None:
    assert main(["--db", db_location, "serve", "--interval", interval]) == 1
    assert "--interval is a number of seconds above zero" in capsys.readouterr().err
