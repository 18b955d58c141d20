"""Settings come from the environment, and bad or missing values stop the start clearly."""

import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from newsroom.env import env_bool, env_int, env_json, env_list

ROOT = Path(__file__).resolve().parent.parent


def load_settings(**environ):
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    env.update(environ)
    return subprocess.run(
        [sys.executable, "-c", "import newsroom.settings as s; print(s.DEBUG, len(s.SECRET_KEY))"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


def test_without_debug_a_secret_key_is_required():
    result = load_settings(DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_with_a_secret_key_production_settings_load():
    result = load_settings(DEBUG="0", SECRET_KEY="x" * 50)
    assert result.returncode == 0 and result.stdout.split() == ["False", "50"]


def test_a_mistyped_boolean_is_an_error(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG='maybe' is not a yes/no value"):
        env_bool("SOME_FLAG", False)


def test_typed_values(monkeypatch):
    monkeypatch.setenv("A_FLAG", "Yes")
    monkeypatch.setenv("A_NUMBER", "12")
    monkeypatch.setenv("A_LIST", "a.example, b.example,,")
    assert env_bool("A_FLAG", False) is True
    assert env_int("A_NUMBER", 1) == 12
    assert env_list("A_LIST", "") == ["a.example", "b.example"]
    monkeypatch.setenv("A_NUMBER", "twelve")
    with pytest.raises(ImproperlyConfigured):
        env_int("A_NUMBER", 1)
    monkeypatch.setenv("SOME_JSON", '{"bucket_name": "media"}')
    assert env_json("SOME_JSON", {}) == {"bucket_name": "media"}
    monkeypatch.setenv("SOME_JSON", "{not json")
    with pytest.raises(ImproperlyConfigured, match="SOME_JSON is not valid JSON"):
        env_json("SOME_JSON", {})


@pytest.mark.django_db
def test_make_runs_server_prints_each_log_line_once():
    """`make run` is runserver with DEBUG on, where Django's own console handler on the
    `django` logger used to print every line a second time beside ours."""
    from tests.servers import _answers, _database_url, _wait_until, port

    base = f"http://127.0.0.1:{port()}"
    env = {**os.environ, "DEBUG": "1", "DATABASE_URL": _database_url(), "LOG_LEVEL": "INFO"}
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", base.split("//")[1]],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_until(
            lambda: server.poll() is None and _answers(base + "/robots.txt"), 30, "runserver"
        )
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(base + "/no-such-page-here/", timeout=10)
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=20)
    assert output.count("Not Found: /no-such-page-here/") == 1, output
