"""Issue #18's targets against `make stack` for real: deploy/stack.sh started by the test
(its ports from NEWSROOM_TEST_PORTS, the test database, the test Redis), Varnish in front of
two gunicorn app servers, a Celery worker and the clock. The editor acts here, as the admin
does, through articles.workflow; events go to the stack's worker through its broker, whose
"cdn" handler purges Varnish. Readers read through Varnish.

PostgreSQL only (the stack shares the test database); skipped loudly without it, varnishd or
Redis."""

import http.client
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from taggit.models import Tag

from articles import workflow
from articles.loadtest import redis_up
from articles.models import Article, Section
from newsroom import surrogate
from tests import servers
from tests.conftest import REDIS_URL, require, uses_postgresql
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory

# One xdist worker runs the whole file: its module fixture starts its servers once.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("test_stack")]

ROOT = Path(settings.BASE_DIR)
PREFIX = f"stack-{uuid.uuid4().hex[:8]}"


def get(base: str, path: str) -> tuple[int, str]:
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("GET", path)
        answer = connection.getresponse()
        return answer.status, answer.read().decode()
    finally:
        connection.close()


@pytest.fixture(scope="module")
def stack(django_db_setup, django_db_blocker, static_root):
    require(uses_postgresql(), "the stack shares the test database: PostgreSQL only")
    require(servers.varnish_installed(), "varnishd is not installed (varnish varnish-modules)")
    require(redis_up(), "Redis is not running on 127.0.0.1:6379")
    with django_db_blocker.unblock():
        database = servers._database_url()
    folder = Path(tempfile.mkdtemp(prefix="newsroom-stack-"))
    front, app1, app2 = servers.port(), servers.port(), servers.port()
    env = {
        **os.environ,
        "STACK_PORT": str(front),
        "STACK_APP_PORTS": f"{app1},{app2}",
        "STACK_DIR": str(folder),
        "DATABASE_URL": database,
        "REDIS_URL": REDIS_URL,
        "CACHE_KEY_PREFIX": PREFIX,
        "TASKS_BROKER_URL": REDIS_URL,
        "STATIC_ROOT": str(static_root),
        "STACK_MIGRATE": "0",  # the test database is migrated already
        "STACK_SEED": "0",
        "STACK_COLLECTSTATIC": "0",
        "STACK_WEB_CONCURRENCY": "2",
        "STACK_WORKER_CONCURRENCY": "2",
        "LOG_LEVEL": "WARNING",
        "CLOCK_POLL_SECONDS": "1",
        "CDN_PURGE_SECRET": servers.PURGE_SECRET,
    }
    process = subprocess.Popen(
        [str(ROOT / "deploy" / "stack.sh")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output = []
    deadline = time.monotonic() + 60
    for line in process.stdout:
        output.append(line)
        if line.strip() == "stack ready" or time.monotonic() > deadline:
            break
    if process.poll() is not None or "stack ready\n" not in output:
        process.kill()
        pytest.fail("make stack did not start:\n" + "".join(output[-40:]))
    threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()
    try:
        yield {
            "base": f"http://127.0.0.1:{front}",
            "apps": [f"http://127.0.0.1:{app1}", f"http://127.0.0.1:{app2}"],
            "folder": folder,
            "output": output,
        }
    finally:
        process.send_signal(signal.SIGINT)  # as Ctrl-C
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            pytest.fail("make stack did not stop on Ctrl-C within 30 s")
        finally:
            shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def editor_here(stack, settings, editor):
    """This process acts as an app server would: same cache (the content generation), same
    broker (events go to the stack's worker)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "newsroom.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": PREFIX,
        }
    }
    settings.NEWSROOM_PAGE_CACHE = settings.NEWSROOM_FRAGMENT_CACHE = True
    settings.NEWSROOM_TASKS_BROKER_URL = REDIS_URL
    settings.NEWSROOM_CDN_PURGE = "varnish"
    settings.NEWSROOM_CDN_PURGE_URLS = [stack["base"]]
    settings.NEWSROOM_CDN_PURGE_SECRET = servers.PURGE_SECRET
    return editor


@pytest.fixture
def world(editor_here):
    section = SectionFactory(slug="chips", name="Chips")
    author = AuthorFactory(slug="ada", name="Ada Byline")
    tag = Tag.objects.create(name="Fabs", slug="fabs")
    lead = ArticleFactory(headline="Already out", section=section, authors=[author], tags=[tag])
    yield {"section": section, "author": author, "tag": tag, "lead": lead, "editor": editor_here}
    # The stack outlives each test, but not its rows (factories write no events): what this
    # test's pages showed leaves Varnish with them.
    from newsroom import purge

    keys = {"home", "latest", *surrogate.WHOLE_KEYS}
    keys |= {f"section-{pk}" for pk in Section.objects.values_list("pk", flat=True)}
    keys |= {f"story-{pk}" for pk in Article.objects.values_list("pk", flat=True)}
    purge.purge(keys)


def listing_pages(world) -> dict[str, str]:
    return {
        "home": "/",
        "section": world["section"].get_absolute_url(),
        "tag": f"/tags/{world['tag'].slug}/",
        "author": world["author"].get_absolute_url(),
        "feed": "/feed/",
        "news sitemap": "/sitemap-news.xml",
    }


def wait_until(check, seconds: float, *, since: float | None = None):
    """Poll what a real process does until `check()` is true, at most `seconds` after `since`
    (time.monotonic(); now by default); how long after `since` it was true, or None."""
    since = time.monotonic() if since is None else since
    while time.monotonic() - since < seconds:
        if check():
            return time.monotonic() - since
        time.sleep(0.05)
    return None


def warm(base, paths):
    for path in paths:
        get(base, path)
        get(base, path)


def test_a_story_scheduled_5s_ahead_is_on_every_page_through_varnish_within_2s(stack, world):
    base, pages = stack["base"], listing_pages(world)
    draft = ArticleFactory(
        headline="Fab opens at the stroke",
        slug="fab-opens-at-the-stroke",
        section=world["section"],
        authors=[world["author"]],
        tags=[world["tag"]],
        status=Article.Status.DRAFT,
        publish_at=None,
    )
    warm(base, pages.values())
    instant = timezone.now() + timedelta(seconds=5)
    workflow.publish(article=draft, by=world["editor"], at=instant)
    at = time.monotonic() + (instant - timezone.now()).total_seconds()
    time.sleep(max(0, at - time.monotonic()))
    late = {}
    for name, path in {**pages, "story": draft.get_absolute_url()}.items():
        took = wait_until(lambda path=path: draft.slug in get(base, path)[1], 2, since=at)
        late[name] = None if took is None else round(took, 2)
    assert all(seconds is not None for seconds in late.values()), late


def test_an_edit_correction_embargo_lift_and_unpublish_reach_readers_within_1s(stack, world):
    from events.stories import snapshot

    base, story, editor = stack["base"], world["lead"], world["editor"]
    story_page = story.get_absolute_url()
    watched = [story_page, "/", "/feed/", world["section"].get_absolute_url()]

    # An edit, as the admin saves one.
    warm(base, watched)  # every page in Varnish before the editor acts
    with transaction.atomic():
        before = snapshot(story)
        story.headline = "Fab opens in Dresden"
        story.save()
        workflow.edited(article=story, before=before, fields=["headline"])
    edited = wait_until(lambda: "Fab opens in Dresden" in get(base, "/")[1], 1)
    if edited is None:
        from events.models import Delivery

        time.sleep(3)
        debug = {
            "deliveries": list(Delivery.objects.values_list("handler", "done_at", "last_error")),
            "varnish later": "Fab opens in Dresden" in get(base, "/")[1],
            "app": ["Fab opens in Dresden" in get(app, "/")[1] for app in stack["apps"]],
        }
        raise AssertionError(f"the edit was not on home through Varnish within 1 s: {debug}")

    warm(base, watched)
    note = "The plant is in Saxony."
    workflow.add_correction(article=story, by=editor, kind="correction", text=note)
    corrected = wait_until(lambda: note in get(base, story_page)[1], 1)
    assert corrected is not None, "the correction was not on the story page within 1 s"

    # An embargo lifted early: on the lists at once.
    embargoed = ArticleFactory(
        headline="Chip deal under embargo",
        slug="chip-deal-under-embargo",
        section=world["section"],
        authors=[world["author"]],
        status=Article.Status.DRAFT,
        publish_at=None,
    )
    workflow.embargo(article=embargoed, by=editor, until=timezone.now() + timedelta(hours=1))
    warm(base, watched)
    workflow.lift_embargo(article=embargoed, by=editor)
    lifted = wait_until(lambda: embargoed.slug in get(base, "/")[1], 1)
    assert lifted is not None, "the lifted story was not on home through Varnish within 1 s"

    warm(base, watched)
    workflow.unpublish(article=story, by=editor)
    returned = time.monotonic()
    gone = {
        story_page: lambda: get(base, story_page)[0] == 404,
        "/": lambda: story.slug not in get(base, "/")[1],
        "/feed/": lambda: story.slug not in get(base, "/feed/")[1],
    }
    late = {path: wait_until(check, 1, since=returned) for path, check in gone.items()}
    assert all(seconds is not None for seconds in late.values()), late


def crash(master: int) -> None:
    """SIGKILL an app server: its gunicorn master and its workers, as a machine that dies."""
    workers = [
        int(entry.name)
        for entry in Path("/proc").iterdir()
        if entry.name.isdigit() and _parent(entry) == master
    ]
    for pid in [master, *workers]:
        os.kill(pid, signal.SIGKILL)


def _parent(entry: Path) -> int | None:
    try:
        return int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def test_killing_an_app_server_under_load_costs_readers_no_errors(stack, world):
    """Readers on pages Varnish must fetch (each address new), an app server killed among
    them: the retry and the health probe send its share to the other one."""
    base, folder = stack["base"], stack["folder"]
    statuses, stop = [], threading.Event()

    def reader(n):
        count = 0
        while not stop.is_set():
            count += 1
            statuses.append(get(base, f"/?reader={n}-{count}")[0])

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1)  # load on both app servers
        crash(int((folder / "app1.pid").read_text()))
        killed_at = len(statuses)
        time.sleep(4)  # past the probe's window: app1 is out of the rotation
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    errors = [status for status in statuses if status >= 500]
    assert len(statuses) > killed_at + 20, "no load after the kill"
    assert len(errors) <= len(threads), errors  # at most the requests in flight
