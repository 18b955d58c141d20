"""Last-Modified comes from the content, recorded in the database: every app server gives a
page the same date, with or without Redis, and a change moves it."""

import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.http import http_date, parse_http_date

from newsroom.models import ContentChange
from tests.conftest import require, uses_postgresql
from tests.factories import ArticleFactory
from tests.servers import gunicorn


def last_modified_of(url: str, times: int = 16) -> set[str]:
    """Last-Modified of `times` requests, four at a time: every worker answers some."""

    def fetch(_):
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.headers["Last-Modified"]

    with ThreadPoolExecutor(4) as pool:
        return set(pool.map(fetch, range(times)))


@pytest.mark.django_db(transaction=True)
def test_two_workers_without_redis_give_a_page_the_same_date_and_a_change_moves_it(
    static_root, settings
):
    require(uses_postgresql(), "gunicorn shares the test database only on PostgreSQL")
    settings.NEWSROOM_PAGE_CACHE = settings.NEWSROOM_FRAGMENT_CACHE = False  # make serve, no Redis
    story = ArticleFactory(publish_at=timezone.now() - timedelta(hours=1))
    # The last change recorded before the story went live: the story's publish time is the
    # page's date (an unrelated clock, such as a worker's start, must not be).
    ContentChange.objects.update(at=timezone.now() - timedelta(hours=2))
    with gunicorn(static_root=static_root, workers=2) as base:
        for path in ("/", story.get_absolute_url()):
            assert last_modified_of(base + path) == {http_date(story.publish_at.timestamp())}
        before = timezone.now().replace(microsecond=0)
        story.dek = "A new dek."
        story.save()
        for path in ("/", story.get_absolute_url()):
            (date,) = last_modified_of(base + path)
            assert parse_http_date(date) >= before.timestamp()
