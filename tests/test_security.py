"""Hardened settings, security headers, staff sign-in (lockout, two-factor) and faults."""

import os
import secrets
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import OperationalError, connections
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from newsroom import twofactor
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"


def run_check_deploy(**extra) -> subprocess.CompletedProcess:
    environ = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "HTTPS", "SECURE_SSL_REDIRECT", "SECURE_COOKIES"}
        and key != "DJANGO_ALLOW_ASYNC_UNSAFE"  # set by the browser tests, never in production
    }
    environ.update(
        SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="news.example.com", DEBUG="0", **extra
    )
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_gives_no_warnings_with_the_production_environment():
    result = run_check_deploy(HTTPS="1", SECURE_PROXY_SSL_HEADER="1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_names_what_is_missing_on_plain_http():
    result = run_check_deploy()
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stdout + result.stderr


@pytest.mark.parametrize("path", ["/", "/admin/login/", "/no-such-page/"])
def test_every_response_carries_the_security_headers(client, path):
    ArticleFactory()
    response = client.get(path)
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"  # a nonce only on pages that need one
    assert directives["style-src"].split()[0] == "'self'"
    assert all(src.startswith("'sha256-") for src in directives["style-src"].split()[1:])
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in response["Permissions-Policy"]


def test_no_page_of_ours_has_inline_script_or_style(client, editor_client):
    story = ArticleFactory()
    pages = [client.get(p).text for p in ("/", story.get_absolute_url(), "/search/?q=x")]
    pages += [editor_client.get(p).text for p in ("/admin/", "/admin/articles/article/")]
    for html in pages:
        assert " style=" not in html
        for chunk in html.split("<script")[1:]:
            tag = chunk.split(">", 1)[0]
            assert "src=" in tag or 'type="application/ld+json"' in tag, tag


def test_short_and_common_passwords_are_refused():
    for weak in ("short1", "password123456", "123456789012"):
        with pytest.raises(ValidationError):
            validate_password(weak)
    validate_password("a long passphrase editors remember")


# Staff sign-in --------------------------------------------------------------------------


@pytest.fixture
def login():
    def attempt(client, username, password):
        return client.post(
            "/admin/login/?next=/admin/", {"username": username, "password": password}
        )

    return attempt


def test_five_wrong_passwords_lock_the_account_with_a_clear_message(client, editor, login):
    for _ in range(4):
        assert login(client, "edna", "wrong").status_code == 200
    locked = login(client, "edna", "wrong")
    assert locked.status_code == 429
    assert "Sign-in paused" in locked.text and "15 minutes" in locked.text
    # Even the right password is refused while locked...
    assert login(client, "edna", PASSWORD).status_code == 429
    # ...another account from the same address is not locked...
    other = Client()
    other_user = type(editor).objects.create_user("sam", password=PASSWORD, is_staff=True)
    assert login(other, other_user.username, PASSWORD).status_code == 302
    # ...and after the cool-off the right password works.
    with time_machine.travel(timedelta(minutes=16)):
        assert login(client, "edna", PASSWORD).status_code == 302


def test_a_good_login_resets_the_count(client, editor, login, settings):
    settings.NEWSROOM_REQUIRE_2FA = []
    for _ in range(3):
        login(client, "edna", "wrong")
    assert login(client, "edna", PASSWORD).status_code == 302
    client.post("/admin/logout/")
    for _ in range(3):
        assert login(client, "edna", "wrong").status_code == 200


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def test_an_editor_must_set_up_two_factor_before_using_the_admin(client, editor, login, settings):
    settings.NEWSROOM_REQUIRE_2FA = ["editors", "admins"]
    assert login(client, "edna", PASSWORD)["Location"] == "/admin/"
    gate = client.get("/admin/articles/article/")
    assert gate.status_code == 302
    assert gate["Location"] == "/admin/two-factor/?next=%2Fadmin%2Farticles%2Farticle%2F"
    # Setting up needs an admin's invitation (tests/test_two_factor.py has the rest).
    assert "needs an invitation" in client.get(gate["Location"]).text
    link = twofactor.enrolment_path(twofactor.invite(user=editor))
    setup = client.get(link)
    assert "Set up two-factor sign-in" in setup.text and "two-factor-qr" in setup.text
    device = TOTPDevice.objects.get(user=editor, confirmed=False)
    wrong = client.post(link, {"token": "000000"})
    assert "not right" in wrong.text
    device.refresh_from_db()
    device.throttling_failure_count = 0  # the throttle after a wrong code is tested below
    device.save()
    right = client.post(link, {"token": code_for(device)})
    assert right.status_code == 302 and right["Location"] == "/admin/"
    assert TOTPDevice.objects.get(user=editor).confirmed
    assert client.get("/admin/articles/article/").status_code == 200


def test_a_reporter_is_not_required_but_anyone_with_an_app_is_asked(
    client, django_user_model, roles, login, settings
):
    settings.NEWSROOM_REQUIRE_2FA = ["editors"]
    reporter = django_user_model.objects.create_user("rita", password=PASSWORD, is_staff=True)
    reporter.groups.add(Group.objects.get(name="Reporter"))
    login(client, "rita", PASSWORD)
    assert client.get("/admin/").status_code == 200
    client.post("/admin/logout/")
    TOTPDevice.objects.create(user=reporter, name="phone", confirmed=True)
    login(client, "rita", PASSWORD)
    assert client.get("/admin/").status_code == 302
    assert "Two-factor sign-in" in client.get("/admin/two-factor/").text


def test_wrong_codes_are_throttled_and_next_cannot_leave_the_site(client, editor, login, settings):
    settings.NEWSROOM_REQUIRE_2FA = ["editors"]
    device = TOTPDevice.objects.create(user=editor, name="phone", confirmed=True)
    login(client, "edna", PASSWORD)
    client.post("/admin/two-factor/", {"token": "000000"})
    throttled = client.post("/admin/two-factor/", {"token": code_for(device)})
    assert "Too many wrong codes" in throttled.text
    assert client.get("/admin/").status_code == 302
    with time_machine.travel(timedelta(minutes=2)):
        done = client.post(
            "/admin/two-factor/", {"token": code_for(device), "next": "https://evil.example/"}
        )
    assert done.status_code == 302 and done["Location"] == "/admin/"


# Faults -------------------------------------------------------------------------------


@pytest.fixture
def database_down(monkeypatch):
    """Every new cursor fails as it does when PostgreSQL has gone away."""

    def refuse(*args, **kwargs):
        raise OperationalError("could not connect to server: Connection refused")

    def down():
        monkeypatch.setattr(connections["default"], "_cursor", refuse)

    return down


def test_with_the_database_down_readers_get_a_styled_503(database_down, settings):
    story = ArticleFactory()
    reader = Client(raise_request_exception=False)
    database_down()
    for path in ("/", story.get_absolute_url(), "/feed/", "/search/?q=chips"):
        response = reader.get(path)
        assert response.status_code == 503, path
        assert "back in a moment" in response.text and "/static/css/site.css" in response.text
        assert response["Retry-After"] == "30" and response["Cache-Control"] == "no-store"


def test_with_the_database_down_pages_already_cached_are_still_served(redis_cache, database_down):
    story = ArticleFactory()
    reader = Client(raise_request_exception=False)
    assert reader.get(story.get_absolute_url())["X-Page-Cache"] == "miss"
    database_down()
    cached = reader.get(story.get_absolute_url())
    assert cached.status_code == 200 and cached["X-Page-Cache"] == "hit"
    assert story.headline in cached.text
    assert reader.get("/tags/never-visited/").status_code == 503


def test_with_the_database_down_healthz_says_503(client, database_down):
    database_down()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "unreachable"


def test_a_real_bug_still_answers_500_not_503(monkeypatch):
    from articles import views

    def broken(*args, **kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr(views.HomeView, "get_queryset", broken)
    response = Client(raise_request_exception=False).get("/")
    assert response.status_code == 500 and "Something went wrong" in response.text


def guide_environment() -> dict[str, str]:
    """The example /etc/newsroom.env of docs/operators-guide.md, as written there."""
    guide = (ROOT / "docs" / "operators-guide.md").read_text()
    block = guide.split("`/etc/newsroom.env`", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    pairs = (line.split("#", 1)[0].strip().split("=", 1) for line in block.splitlines())
    return {key: value for key, value in pairs if key}


def test_check_deploy_is_clean_with_the_operators_guide_environment_as_written():
    """Nothing more than the guide's file: no DEBUG=0 added, as an operator would run it."""
    example = guide_environment()
    assert example["SECRET_KEY"] == "..."  # the guide says how to make one
    example["SECRET_KEY"] = secrets.token_urlsafe(50)
    environ = {k: v for k, v in os.environ.items() if k not in {"DEBUG", *example}}
    environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**environ, **example},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
