"""README's set-up command works every time it is run (the next morning too), whoever the login
user is, and a person the database does not know is told how to name one."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from ticketty.main import main

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_demo_step() -> list[str]:
    """The words of the `ticketty demo` step of README's first command."""
    first_block = re.search(r"```sh\n(.*?)\n```", README.read_text(), re.S)
    assert first_block is not None
    steps = [shlex.split(step) for step in first_block.group(1).split("&&")]
    demo = [words for words in steps if words[:2] == ["ticketty", "demo"]]
    assert len(demo) == 1, steps
    return demo[0][1:]


@pytest.fixture
def newcomer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A login user who is no person of the demo, in an empty folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TICKETTY_USER", raising=False)
    monkeypatch.delenv("TICKETTY_DB", raising=False)
    for variable in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.setenv(variable, "newcomer")
    return tmp_path


@pytest.mark.sqlite_only(reason="README's command makes a file in the current folder")
def test_readme_demo_step_succeeds_twice_in_a_row(newcomer: Path, capsys) -> None:
    step = readme_demo_step()
    assert main(step) == 0
    assert main(step) == 0, capsys.readouterr().err
    assert (newcomer / "demo.db").is_file()


@pytest.mark.sqlite_only(reason="the demo file of README")
def test_replacing_as_nobody_of_the_demo_says_how_to_name_a_person(newcomer: Path, capsys) -> None:
    assert main(["demo", "--db", "demo.db", "--tickets", "20"]) == 0
    capsys.readouterr()
    assert main(["demo", "--db", "demo.db", "--tickets", "20", "--force"]) == 4
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "no person named 'newcomer'" in err and "--user" in err
    assert main(["--db", "demo.db", "tickets", "list"]) == 4
    assert "--user" in capsys.readouterr().err
