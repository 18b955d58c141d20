"""A change readers can see, once saved, is never hidden by a cached page or piece.

The page cache's generation moves when the change commits, not when the row is written: a
reader who renders from the database before the commit can only store what it made under the
generation it read first, which the commit then retires (issue 13, item 2).
"""

import re
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.signals import template_rendered

from articles import workflow
from articles.models import Article
from newsroom import pagecache
from tests.conftest import require, uses_postgresql
from tests.factories import ArticleFactory, AuthorFactory
from tests.servers import gunicorn


@pytest.fixture
def story(db):
    return ArticleFactory(headline="Fab opens", authors=[AuthorFactory()])


def read_in_another_thread(url: str, *, pause=None):
    """A reader with its own database connection (so it sees only committed rows); with
    `pause`, it waits on that event once its page is rendered, before it is stored."""
    result = {}
    reader = threading.Thread(target=_read, args=(url, pause, result))
    reader.start()
    return reader, result


def _read(url, pause, result):
    rendered = threading.Event()

    def wait_after_render(sender, **kwargs):
        if pause is not None and threading.current_thread() is me and not rendered.is_set():
            rendered.set()
            result["rendered"] = True
            pause.wait(10)

    me = threading.current_thread()
    template_rendered.connect(wait_after_render, weak=False)
    try:
        result["response"] = Client().get(url)
    finally:
        template_rendered.disconnect(wait_after_render)
        connection.close()


@pytest.mark.django_db
def test_the_generation_moves_when_the_change_commits_not_before(
    client, redis_cache, story, editor, django_capture_on_commit_callbacks
):
    client.get("/")
    before = cache.get(pagecache.GENERATION_KEY)
    assert before is not None
    with django_capture_on_commit_callbacks(execute=True):
        workflow.unpublish(article=story, by=editor)
        assert cache.get(pagecache.GENERATION_KEY) == before, "moved before the commit"
    assert cache.get(pagecache.GENERATION_KEY) != before


@pytest.mark.django_db
def test_a_change_rolled_back_leaves_the_cached_pages_alone(
    client, redis_cache, story, editor, django_capture_on_commit_callbacks
):
    client.get(story.get_absolute_url())
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        workflow.unpublish(article=story, by=editor)
        raise RuntimeError("the editor's request failed after the save")
    assert client.get(story.get_absolute_url())["X-Page-Cache"] == "hit"


@pytest.mark.django_db(transaction=True)
def test_a_page_rendered_between_the_save_and_the_commit_is_not_served_after_it(
    redis_cache, story, editor
):
    require(uses_postgresql(), "a reader beside an open transaction needs PostgreSQL's locking")
    url = story.get_absolute_url()
    with transaction.atomic():
        workflow.unpublish(article=story, by=editor)
        reader, result = read_in_another_thread(url)
        reader.join(10)
        # The reader saw the committed state: the story still live.
        assert result["response"].status_code == 200
    after = Client().get(url)
    assert after.status_code == 404, after.get("X-Page-Cache")


@pytest.mark.django_db(transaction=True)
def test_a_reader_that_read_the_database_before_the_commit_stores_nothing_current(
    redis_cache, story, editor
):
    """The reader reads the generation first and the database second: its page, made from
    the rows before the commit, goes under the generation the commit retires."""
    url = story.get_absolute_url()
    carry_on = threading.Event()
    reader, result = read_in_another_thread(url, pause=carry_on)
    try:
        for _ in range(1000):
            if result.get("rendered"):
                break
            reader.join(0.01)
        assert result.get("rendered"), "the reader never rendered"
        workflow.unpublish(article=story, by=editor)  # commits: autocommit here
    finally:
        carry_on.set()
        reader.join(10)
    assert result["response"].status_code == 200
    assert Client().get(url).status_code == 404
    assert Client().get(url).status_code == 404


# -- Concurrent readers against a real server -------------------------------------------------

EDITION = re.compile(rb"Edition (\d+)\b")
GONE = -1  # the state "unpublished": no page, not on the home page


@dataclass
class Read:
    path: str
    started: float
    ended: float
    shown: int  # the edition the page showed, or GONE


@dataclass
class Change:
    started: float
    returned: float
    state: int  # the edition now live, or GONE


def _fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _shown(path: str, status: int, body: bytes) -> int:
    if path != "/" and status == 404:
        return GONE
    assert status == 200, (path, status)
    found = EDITION.search(body)
    if path == "/":
        return int(found.group(1)) if found else GONE
    return int(found.group(1))


def stale_reads(reads: list[Read], changes: list[Change]) -> list[tuple[Read, int]]:
    """Reads that began after a change had returned but showed what was there before it.
    A read that overlapped later changes may show any of those too."""
    stale = []
    for read in reads:
        done = [i for i, change in enumerate(changes) if change.returned < read.started]
        if not done:
            continue
        since = done[-1]
        allowed = {change.state for change in changes[since:] if change.started < read.ended}
        if read.shown not in allowed:
            stale.append((read, changes[since].state))
    return stale


@pytest.mark.django_db(transaction=True)
def test_readers_of_a_real_server_never_see_a_change_after_it_has_returned(
    redis_cache, editor, static_root
):
    """Issue 13 item 2 as the attack ran it: readers hammer the story page and the home
    page of gunicorn (several workers, DEBUG off, pages in Redis, PostgreSQL) while an editor
    edits, unpublishes and republishes. No read that starts after a change has returned may
    show the state before it."""
    require(uses_postgresql(), "gunicorn shares the test database only on PostgreSQL")
    story = ArticleFactory(headline="Fab opens", dek="Edition 0", authors=[AuthorFactory()])
    url = story.get_absolute_url()
    reads, changes = [], []
    finished = [0] * 6  # reads each reader has completed
    stop = threading.Event()

    errors = []

    def reader(number):
        paths = (url, "/") if number % 2 else ("/", url)
        try:
            while not stop.is_set():
                for path in paths:
                    started = time.monotonic()
                    status, body = _fetch(base + path)
                    shown = _shown(path, status, body)
                    reads.append(Read(path, started, time.monotonic(), shown))
                    finished[number] += 1
        except Exception as error:  # reported by the main thread
            errors.append(error)

    def let_everyone_read_twice():
        """Wait (bounded) until every reader has completed two reads begun after now (the
        read in progress now is the third)."""
        target = [count + 3 for count in finished]
        deadline = time.monotonic() + 10
        while any(f < t for f, t in zip(finished, target, strict=True)):
            assert not errors, errors
            assert time.monotonic() < deadline, "the readers stalled"
            time.sleep(0.005)

    def change(state, operation):
        started = time.monotonic()
        operation()
        changes.append(Change(started, time.monotonic(), state))
        let_everyone_read_twice()

    def edit(edition):
        story.dek = f"Edition {edition}"
        with transaction.atomic():  # as the admin's change form saves it
            workflow.touch(article=story, by=editor, comment="Edited")

    def republish(edition):
        story.dek = f"Edition {edition}"
        workflow.publish(article=story, by=editor)

    with gunicorn(static_root=static_root) as base:
        threads = [threading.Thread(target=reader, args=(n,)) for n in range(len(finished))]
        for thread in threads:
            thread.start()
        try:
            changes.append(Change(0, 0, 0))
            let_everyone_read_twice()
            edition = 0
            for _ in range(3):
                for _ in range(5):
                    edition += 1
                    change(edition, lambda e=edition: edit(e))
                change(GONE, lambda: workflow.unpublish(article=story, by=editor))
                edition += 1
                change(edition, lambda e=edition: republish(e))
        finally:
            stop.set()
            for thread in threads:
                thread.join(15)
    assert story.status == Article.Status.PUBLISHED
    stale = stale_reads(reads, changes)
    assert not stale, f"{len(stale)} stale reads of {len(reads)}, e.g. {stale[:5]}"
