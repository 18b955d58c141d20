"""The documents work as written for a new user: commands name the virtualenv's Python."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = ["README.md", "docs/operators-guide.md", "docs/editors-guide.md"]


@pytest.mark.parametrize("name", DOCUMENTS)
def test_every_manage_py_command_runs_with_the_virtualenvs_python(name):
    text = (ROOT / name).read_text()
    bare = [line for line in text.splitlines() if re.search(r"(?<![/\w])python manage\.py", line)]
    assert not bare, bare


def test_the_way_to_run_as_ci_does_turns_skips_into_failures():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "export NEWSROOM_REQUIRE_ALL=1" in ci
    command = readme.split("To run as CI does", 1)[1].split("```sh\n", 1)[1].split("```")[0]
    assert "NEWSROOM_REQUIRE_ALL=1" in command and "make test" in command
