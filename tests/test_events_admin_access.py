"""The events admin lists an event of a story only to whoever may see the story
(articles.permissions.viewable): its payload and search by story id are no way round the
story list. No role holds the events permissions today; an account given them directly is
still held to the story rule."""

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from articles.models import Article
from events.models import Event
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def _event(article):
    return Event.objects.create(
        kind="story.updated", article=article, payload={}, occurred_at=timezone.now()
    )


def test_an_event_of_a_hidden_story_is_not_listed_or_opened(client, staff_member):
    otto = staff_member("otto", "Reporter")
    otto.user_permissions.add(Permission.objects.get(codename="view_event"))
    hidden = _event(ArticleFactory(status=Article.Status.DRAFT, publish_at=None))
    public = _event(ArticleFactory())
    siteless = _event(None)
    client.force_login(otto)
    listed = client.get("/admin/events/event/").context["cl"].result_list
    assert set(listed) == {public, siteless}
    searched = client.get("/admin/events/event/", {"q": str(hidden.article_id)})
    assert hidden not in searched.context["cl"].result_list
    assert client.get(f"/admin/events/event/{hidden.pk}/change/").status_code in (302, 403, 404)
    assert client.get(f"/admin/events/event/{public.pk}/change/").status_code == 200


def test_a_superuser_still_reads_every_event(admin_client):
    hidden = _event(ArticleFactory(status=Article.Status.DRAFT, publish_at=None))
    assert hidden in admin_client.get("/admin/events/event/").context["cl"].result_list
