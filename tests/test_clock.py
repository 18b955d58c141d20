"""The clock (#18): scheduled instants become events at their instant, exactly once, with
two clocks running and after a restart."""

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from articles.models import Article
from events.clock import Clock, next_instant
from events.models import Event
from tests.conftest import require, uses_postgresql
from tests.factories import ArticleFactory, PhotoFactory
from tests.servers import background, wait_for


@pytest.mark.django_db(transaction=True)
def test_two_clocks_record_a_scheduled_go_live_at_its_instant_once(tmp_path):
    require(uses_postgresql(), "the clock processes share the test database only on PostgreSQL")
    env = {"CLOCK_POLL_SECONDS": "2", "TASKS_BROKER_URL": "", "LOG_LEVEL": "INFO"}
    logs = [tmp_path / "one.log", tmp_path / "two.log"]
    with (
        background(["manage.py", "clock"], env=env, log=logs[0]),
        background(["manage.py", "clock"], env=env, log=logs[1]),
    ):
        wait_for(lambda: all("Clock started" in log.read_text() for log in logs), 30, "two clocks")
        # Ahead by more than a poll: each clock sees it, then wakes at its instant.
        story = ArticleFactory(publish_at=timezone.now() + timedelta(seconds=4))
        assert not Event.objects.filter(article=story).exists()
        event = wait_for(
            lambda: Event.objects.filter(article=story, kind="story.published").first(),
            20,
            "the go-live event",
        )
        # Both clocks have had their turn well past the instant: still one event.
        wait_for(lambda: timezone.now() > story.publish_at + timedelta(seconds=3), 10, "3 s")
        assert Event.objects.filter(article=story).count() == 1
    assert event.occurred_at == story.publish_at
    assert timedelta(0) <= event.created_at - story.publish_at < timedelta(seconds=1)
    assert event.payload["story"]["public"] is True


@pytest.mark.django_db
def test_a_clock_that_was_down_catches_up_once():
    story = ArticleFactory(publish_at=timezone.now() + timedelta(hours=1))
    with time_machine.travel(timezone.now() + timedelta(hours=5), tick=False):
        Clock().tick()
        Clock().tick()  # a second clock, or a restart: nothing new
    events = Event.objects.filter(article=story)
    assert [(e.kind, e.occurred_at) for e in events] == [("story.published", story.publish_at)]


@pytest.mark.django_db
def test_the_clock_sleeps_until_the_next_instant_when_it_is_sooner_than_its_poll(settings):
    settings.NEWSROOM_CLOCK_POLL_SECONDS = 30
    now = timezone.now()
    story = ArticleFactory(publish_at=now + timedelta(seconds=5))
    assert next_instant(now) == story.publish_at
    with time_machine.travel(now, tick=False):
        assert 4.9 <= Clock().tick() <= 5
    Article.objects.filter(pk=story.pk).delete()
    with time_machine.travel(now, tick=False):
        assert Clock().tick() == 30


@pytest.fixture
def tokyo(settings):
    """The newsroom in Tokyo for one test: the setting and the thread's active zone, which
    outlives the setting unless undone (the next test would print times in Tokyo's)."""
    settings.TIME_ZONE = "Asia/Tokyo"
    timezone.activate("Asia/Tokyo")
    yield
    timezone.deactivate()


@pytest.mark.django_db
def test_rights_expire_at_midnight_in_the_newsrooms_time_zone(tokyo):
    photo = PhotoFactory(rights_expire_on=date(2026, 6, 1), renditions=False)
    unused = PhotoFactory(rights_expire_on=date(2026, 6, 1), renditions=False)
    with time_machine.travel(datetime(2026, 5, 30, tzinfo=timezone.get_current_timezone())):
        story = ArticleFactory(lead_photo=photo)
    midnight = datetime(2026, 6, 2, tzinfo=timezone.get_current_timezone())
    with time_machine.travel(midnight - timedelta(seconds=1), tick=False):
        clock = Clock()
        assert next_instant(timezone.now()) == midnight
        clock.tick()
        assert not Event.objects.filter(kind="photo.rights_expired").exists()
    with time_machine.travel(midnight + timedelta(seconds=1), tick=False):
        clock.tick()
        Clock().tick()
    event = Event.objects.get(kind="photo.rights_expired")
    assert event.occurred_at == midnight
    assert event.payload == {"photo": photo.pk, "stories": [story.pk], "authors": []}
    assert not Event.objects.filter(payload__photo=unused.pk).exists()


@pytest.mark.django_db
def test_an_embargo_ending_at_its_instant_is_recorded_as_embargo_lifted(django_user_model, roles):
    from django.contrib.auth.models import Group

    from articles import workflow
    from tests.factories import AuthorFactory

    editor = django_user_model.objects.create_user("editor", password="x", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editor"))
    story = ArticleFactory(status=Article.Status.DRAFT, publish_at=None, authors=[AuthorFactory()])
    workflow.embargo(article=story, by=editor, until=timezone.now() + timedelta(minutes=5))
    with time_machine.travel(story.publish_at + timedelta(seconds=1), tick=False):
        Clock().tick()
    event = Event.objects.get(article=story)
    assert (event.kind, event.occurred_at) == ("story.embargo_lifted", story.publish_at)
