"""Object-level permissions on every staff page, and staff-side bad input that gave 500s."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from articles import workflow
from articles.models import Article, PreviewLink
from tests.factories import ArticleFactory, AuthorFactory

pytestmark = pytest.mark.django_db

Status = Article.Status


@pytest.fixture
def people(django_user_model, roles):
    def make(name, role):
        user = django_user_model.objects.create_user(name, password="x", is_staff=True)
        user.groups.add(Group.objects.get(name=role))
        return user

    return {
        "reporter": make("rita", "Reporter"),
        "other": make("otto", "Reporter"),
        "editor": make("edna", "Editor"),
    }


@pytest.fixture
def hidden_from_rita(people):
    """Stories of another reporter that the story list does not show Rita."""
    other = people["other"]
    author = AuthorFactory(user=other)
    return {
        "draft": ArticleFactory(
            headline="Otto's draft", status=Status.DRAFT, publish_at=None, authors=[author]
        ),
        "embargoed": ArticleFactory(
            headline="Embargoed story",
            publish_at=timezone.now() + timedelta(days=1),
            authors=[author],
        ),
        "trashed": ArticleFactory(
            headline="Trashed story",
            status=Status.DRAFT,
            publish_at=None,
            created_by=other,
            deleted_at=timezone.now(),
        ),
    }


@pytest.mark.parametrize("kind", ["draft", "embargoed", "trashed"])
@pytest.mark.parametrize("page", ["preview", "compare", "history", "change"])
def test_a_reporter_cannot_read_what_the_story_list_hides(
    client, people, hidden_from_rita, kind, page
):
    story = hidden_from_rita[kind]
    client.force_login(people["reporter"])
    listed = client.get("/admin/articles/article/").context["cl"].result_list
    assert story not in listed
    url = {
        "preview": f"/preview/{story.pk}/",
        "compare": f"/admin/articles/article/{story.pk}/compare/",
        "history": f"/admin/articles/article/{story.pk}/history/",
        "change": f"/admin/articles/article/{story.pk}/change/",
    }[page]
    response = client.get(url)
    assert response.status_code in (302, 403, 404)
    assert story.headline not in response.text


def test_an_editor_still_reads_every_story(client, people, hidden_from_rita):
    client.force_login(people["editor"])
    for story in hidden_from_rita.values():
        assert client.get(f"/preview/{story.pk}/").status_code == 200
    embargoed = hidden_from_rita["embargoed"]
    assert client.get(f"/admin/articles/article/{embargoed.pk}/compare/").status_code == 200


def test_a_reporter_reads_their_own_draft_and_public_stories(client, people):
    mine = ArticleFactory(status=Status.DRAFT, publish_at=None, created_by=people["reporter"])
    public = ArticleFactory()
    client.force_login(people["reporter"])
    for story in (mine, public):
        assert client.get(f"/preview/{story.pk}/").status_code == 200
        assert client.get(f"/admin/articles/article/{story.pk}/compare/").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/admin/articles/article/abc/workflow/publish/",
        "/admin/articles/article/abc/compare/",
        "/admin/articles/article/1%00/compare/",
        "/admin/articles/article/99999999999999999999999/workflow/submit/",
        "/admin/articles/article/abc/history/1/",
    ],
)
def test_non_numeric_story_ids_are_not_found(client, people, url):
    client.force_login(people["editor"])
    response = client.post(url) if "workflow" in url else client.get(url)
    assert response.status_code == 404


@pytest.mark.parametrize("link", ["abc", "", "1.5", "99999999999999999999999"])
def test_revoking_a_preview_link_by_a_bad_id_is_not_found(client, people, link):
    story = ArticleFactory(authors=[AuthorFactory()])
    kept = workflow.share_preview(article=story, by=people["editor"])
    client.force_login(people["editor"])
    response = client.post(f"/admin/articles/article/{story.pk}/workflow/revoke/", {"link": link})
    assert response.status_code == 404
    assert PreviewLink.objects.get(pk=kept.pk).revoked_at is None
