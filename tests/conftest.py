"""Shared test setup: media in a temporary folder, and loud skips that CI turns into failures.

`make test` on a laptop without chromium or PostgreSQL still passes, naming what it did not
run. CI sets NEWSROOM_REQUIRE_ALL=1, which turns every such skip into a failure.
"""

import ast
import os
import threading
import types
import uuid
from pathlib import Path

import _pytest._code.source as _pytest_source
import pytest
from django.conf import settings
from hypothesis import settings as hypothesis_settings

# No time limit per example: speed is `make bench`'s business, and a busy machine (CI, two
# cores) made the default 200 ms deadline fail tests whose code was right.
hypothesis_settings.register_profile("newsroom", deadline=None)
hypothesis_settings.load_profile("newsroom")


def _parse_anew(source, *args, **kwargs):
    """ast.parse for pytest's failure reports. CPython 3.11.7 can raise "AST constructor
    recursion depth mismatch" when it parses on the deep stack of a failed Playwright test
    (a greenlet): twice pytest then stopped the whole run (INTERNALERROR) instead of reporting
    the failure. A fresh thread starts with a fresh recursion count."""
    try:
        return ast.parse(source, *args, **kwargs)
    except SystemError:
        parsed = []
        thread = threading.Thread(target=lambda: parsed.append(ast.parse(source, *args, **kwargs)))
        thread.start()
        thread.join()
        if not parsed:
            raise
        return parsed[0]


_ast_for_reports = types.ModuleType("ast")
_ast_for_reports.__dict__.update(vars(ast))
_ast_for_reports.parse = _parse_anew
_pytest_source.ast = _ast_for_reports

STRICT = os.environ.get("NEWSROOM_REQUIRE_ALL") == "1"
CHROMIUM = Path("/usr/bin/chromium")


def require(condition: bool, reason: str) -> None:
    """Skip (or, under NEWSROOM_REQUIRE_ALL=1, fail) when a real part of the setup is absent."""
    if condition:
        return
    if STRICT:
        pytest.fail(f"{reason} (NEWSROOM_REQUIRE_ALL=1 forbids skipping this)", pytrace=False)
    pytest.skip(reason)


def uses_postgresql() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def pytest_sessionstart(session):
    if STRICT and not uses_postgresql():
        raise pytest.UsageError(
            "NEWSROOM_REQUIRE_ALL=1 but DATABASE_URL does not point at PostgreSQL."
        )


def pytest_terminal_summary(terminalreporter):
    if not uses_postgresql():
        terminalreporter.write_sep(
            "!",
            "Ran on SQLite only. CI runs on PostgreSQL: "
            "set DATABASE_URL=postgres://... to do the same.",
            yellow=True,
            bold=True,
        )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Browser tests (transactional: they empty the database afterwards) run last, whatever
    order other plugins left, so the data migrations made is there for everything before."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(autouse=True)
def jinja2_context_in_responses(monkeypatch):
    """The test client reads `response.context` from the signal Django's own template engine
    sends in tests; the public pages' Jinja2 templates send it too, with what they printed."""
    from django.template.backends import jinja2 as backend
    from django.test.signals import template_rendered

    render = backend.Template.render

    def render_and_tell(self, context=None, request=None):
        context = {} if context is None else context
        html = render(self, context, request)
        template_rendered.send(sender=self, template=self, context=context)
        return html

    monkeypatch.setattr(backend.Template, "render", render_and_tell)


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # AVIF renditions are a third worker run for every photo a test makes; the tests of AVIF
    # (tests/test_captions_and_avif.py) turn it on, the rest keep the suite's time.
    settings.NEWSROOM_PHOTO_AVIF = False


@pytest.fixture(autouse=True)
def empty_local_cache():
    """Each test starts with an empty per-process cache: what an earlier test stored there
    (the schedule, the generation) is retired only by a commit, and a test's transaction is
    rolled back, never committed. Nor does it inherit an earlier test's cache outage."""
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    from newsroom.cache import forget_outages

    if isinstance(caches["default"], LocMemCache):  # never flush a Redis someone pointed at
        caches["default"].clear()
    forget_outages()


@pytest.fixture(autouse=True)
def fresh_content_types():
    """A flushed database gets new content type ids; never trust the cache across tests."""
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


@pytest.fixture
def roles(db):
    """The role groups as the migrations made them (a transactional test may have flushed
    them, so they are made again when missing)."""
    from django.apps import apps
    from django.contrib.auth.models import Group

    from newsroom.roles import ROLES, sync_roles

    if Group.objects.filter(name__in=ROLES).count() != len(ROLES):
        sync_roles(apps, ROLES)


@pytest.fixture
def staff_member(django_user_model, roles):
    """Makes a staff account in one role: staff_member("rita", "Reporter")."""
    from django.contrib.auth.models import Group

    def make(username: str, role: str):
        user = django_user_model.objects.create_user(username, password="x", is_staff=True)
        user.groups.add(Group.objects.get(name=role))
        return user

    return make


@pytest.fixture
def editor(django_user_model, roles):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(
        "edna", email="edna@example.com", password="correct horse battery", is_staff=True
    )
    user.groups.add(Group.objects.get(name="Editor"))
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    require(
        CHROMIUM.exists(),
        f"{CHROMIUM} is missing: browser tests not run (apt-get install chromium)",
    )
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


# clear() empties this whole database: runs side by side each take their own, and so does
# each pytest-xdist worker: gw0 the given one (15), gw1 two below it (13: `make bench` has
# 14, articles/loadtest.py), gw2 the next below, and so on.
_REDIS_BASE, _REDIS_DB = os.environ.get(
    "NEWSROOM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15"
).rsplit("/", 1)
_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
REDIS_URL = f"{_REDIS_BASE}/{int(_REDIS_DB) - _WORKER - (_WORKER > 0)}"


@pytest.fixture
def redis_cache(settings):
    """The page cache on, in a real Redis (its own key prefix; cleared afterwards)."""
    from django.core.cache import cache

    from articles.loadtest import redis_up

    require(redis_up(), "Redis is not running on 127.0.0.1:6379: page cache tests not run")
    settings.CACHES = {
        "default": {
            "BACKEND": "newsroom.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
    }
    settings.NEWSROOM_PAGE_CACHE = True  # changing CACHES resets Django's cache handlers
    settings.NEWSROOM_FRAGMENT_CACHE = True  # as in production: both on with Redis
    yield cache
    cache.clear()


@pytest.fixture
def fragment_cache(redis_cache, settings):
    """Redis with the page cache off: pages are assembled from cached pieces."""
    settings.NEWSROOM_PAGE_CACHE = False
    return redis_cache


@pytest.fixture(scope="session")
def static_root(tmp_path_factory):
    """Static files collected as DEBUG off serves them, for tests that run gunicorn."""
    from tests.servers import collect_static

    return collect_static(tmp_path_factory.mktemp("static"))
