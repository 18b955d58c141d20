"""Settings come from the environment, and bad or missing values stop the start clearly."""

import os
import subprocess
import sys
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
