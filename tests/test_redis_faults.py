"""A hung Redis (stopped with SIGSTOP, as a frozen VM or a full disk leaves it) never freezes
the site: every page is served from the database within a bounded time, /healthz answers 503
naming the cache within a second, and the outage is one log line, not a traceback a request
(issue 13, item 7)."""

import json
import logging
import threading
import time
import urllib.error
import urllib.request
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from articles import workflow
from newsroom import cache as shared_cache
from tests.conftest import require, uses_postgresql
from tests.factories import ArticleFactory, AuthorFactory
from tests.servers import REDIS_SERVER, RedisServer, gunicorn

# One xdist worker runs the whole file: its module fixture starts its servers once.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("test_redis_faults")]


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    require(Path(REDIS_SERVER).exists(), "redis-server is not installed (apt-get install redis)")
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture
def own_redis(redis_server, settings):
    """The page and fragment caches on a Redis this test may freeze; thawed afterwards."""
    settings.CACHES = {
        "default": {
            "BACKEND": "newsroom.cache.RedisCache",
            "LOCATION": redis_server.url,
            "KEY_PREFIX": f"faults-{uuid.uuid4().hex}",
        }
    }
    settings.NEWSROOM_PAGE_CACHE = True
    settings.NEWSROOM_FRAGMENT_CACHE = True
    yield redis_server
    redis_server.thaw()
    shared_cache.forget_outages()


@pytest.fixture
def story():
    return ArticleFactory(headline="Fab opens", authors=[AuthorFactory()])


def outage_lines(caplog):
    return [r for r in caplog.records if r.name == "newsroom.cache" and "unreachable" in r.message]


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def test_with_redis_hung_pages_come_from_the_database_without_waiting(
    client, own_redis, story, caplog
):
    url = story.get_absolute_url()
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"
    own_redis.freeze()
    caplog.set_level(logging.INFO)
    seconds = []
    for page in [url, "/"] * 5:
        response, took = timed(lambda page=page: client.get(page))
        assert response.status_code == 200 and "Fab opens" in response.text
        assert "X-Page-Cache" not in response or response["X-Page-Cache"] != "hit"
        seconds.append(took)
    assert seconds[0] < 1.5, seconds  # the one call that waits for the timeout
    # The rest do not touch Redis at all: no timeout paid again.
    assert sum(seconds[1:]) < 9 * shared_cache.READ_TIMEOUT, seconds
    assert len(outage_lines(caplog)) == 1
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"


def test_healthz_answers_503_naming_the_cache_within_a_second_while_redis_hangs(client, own_redis):
    assert client.get("/healthz").status_code == 200
    own_redis.freeze()
    for _ in range(3):
        response, took = timed(lambda: client.get("/healthz"))
        assert took < 1.0
        assert response.status_code == 503
        assert response.json()["checks"] == {"database": "ok", "cache": "unreachable"}


def test_when_redis_answers_again_it_is_used_again_and_that_is_said_once(
    client, own_redis, story, caplog
):
    url = story.get_absolute_url()
    client.get(url)
    own_redis.freeze()
    caplog.set_level(logging.INFO)
    assert client.get(url).status_code == 200
    own_redis.thaw()
    assert client.get("/healthz").status_code == 503  # still left alone: no waiting
    with time_machine.travel(timezone.now() + timedelta(seconds=6)):
        assert client.get("/healthz").status_code == 200
        client.get(url)
        assert client.get(url)["X-Page-Cache"] == "hit"
    back = [r for r in caplog.records if "reachable again" in r.message]
    assert len(outage_lines(caplog)) == 1 and len(back) == 1


def test_a_takedown_during_the_outage_stays_down_when_redis_comes_back(
    client, own_redis, story, editor, django_capture_on_commit_callbacks
):
    url = story.get_absolute_url()
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"
    own_redis.freeze()
    assert client.get(url).status_code == 200  # finds Redis hung
    with django_capture_on_commit_callbacks(execute=True):
        workflow.unpublish(article=story, by=editor)  # cannot move the generation
    assert client.get(url).status_code == 404
    own_redis.thaw()
    with time_machine.travel(timezone.now() + timedelta(seconds=6)):
        assert client.get(url).status_code == 404  # not the page stored before the outage


def test_a_takedown_retires_cached_pages_even_while_this_process_leaves_redis_alone(
    client, own_redis, story, editor, django_capture_on_commit_callbacks
):
    """A hiccup only this process saw must not keep a takedown off every other one (which
    go on serving pages from Redis): moving the generation always tries Redis."""
    url = story.get_absolute_url()
    client.get(url)
    own_redis.freeze()
    client.get(url)  # this process now leaves Redis alone for a while
    own_redis.thaw()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.unpublish(article=story, by=editor)
    shared_cache.forget_outages()  # another process, which saw no outage
    assert client.get(url).status_code == 404


def test_the_api_and_the_staff_side_do_not_wait_for_a_hung_redis(client, own_redis, story, editor):
    own_redis.freeze()
    cache.get("anything")  # the outage is found once...
    response, took = timed(lambda: client.get("/api/v1/stories/"))  # ...then not waited for
    assert response.status_code == 200 and took < shared_cache.READ_TIMEOUT
    client.force_login(editor)
    response, took = timed(lambda: client.get("/admin/"))
    assert response.status_code in (200, 302) and took < shared_cache.READ_TIMEOUT


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.mark.django_db(transaction=True)
def test_a_real_server_keeps_serving_through_a_hung_redis(own_redis, static_root, tmp_path):
    """gunicorn (2 workers, DEBUG off) while Redis is stopped: every request answers within
    bounded time, pages from the database, /healthz 503 within a second; each worker logs
    the outage once and its end once; when Redis is back, so is the cache."""
    require(uses_postgresql(), "gunicorn shares the test database only on PostgreSQL")
    story = ArticleFactory(headline="Fab opens", authors=[AuthorFactory()])
    log = tmp_path / "gunicorn.log"
    env = {"CACHE_RETRY_SECONDS": "1", "LOG_LEVEL": "INFO"}
    with gunicorn(static_root=static_root, workers=2, env=env, log=log) as base:
        pages = [base + story.get_absolute_url(), base + "/"]
        for page in pages:
            _get(page)
        own_redis.freeze()
        answers = []

        def reader():
            for page in pages * 10:
                status, body = _get(page)
                answers.append((status, b"Fab opens" in body))
            for _ in range(3):
                (status, body), took = timed(lambda: _get(base + "/healthz"))
                answers.append((status, json.loads(body)["checks"]["cache"], took < 1.0))

        threads = [threading.Thread(target=reader) for _ in range(4)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        took = time.monotonic() - started
        own_redis.thaw()
        # Back within the breaker's pause (1 s here) and a request or two per worker.
        deadline = time.monotonic() + 10
        while _get(base + "/healthz")[0] != 200:
            assert time.monotonic() < deadline, "the cache never came back"
            time.sleep(0.1)
        recovered = [_get(base + "/healthz")[0] for _ in range(6)]
    assert len(answers) == 4 * 23
    assert set(a for a in answers if len(a) == 2) == {(200, True)}
    assert set(a for a in answers if len(a) == 3) == {(503, "unreachable", True)}
    # 92 requests by 4 readers on 2 workers; a request waiting out the timeout each would
    # take 92 * 0.5 / 2 = 23 s.
    assert took < 10, took
    assert recovered == [200] * 6
    text = log.read_text()
    assert 1 <= text.count("unreachable") <= 2, text  # one line per worker, at most
    assert 1 <= text.count("reachable again") <= 2, text
    assert "Traceback" not in text, text
