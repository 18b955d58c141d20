"""An author is public once a public story carries their byline (Author.objects.public()):
until then no reader's surface names them or shows their page, headshot or feed."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from articles.models import Article, Photo
from tests.factories import ArticleFactory, AuthorFactory, PhotoFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def authors():
    """Jane has a public story; the others have only a draft, a scheduled or a trashed story,
    or none at all. Inactive Olga left the newsroom but her public story keeps her page."""
    jane = AuthorFactory(slug="jane", name="Jane Roe", headshot=PhotoFactory())
    olga = AuthorFactory(slug="olga", name="Olga Left", is_active=False)
    ArticleFactory(authors=[jane])
    ArticleFactory(authors=[olga])
    hidden = {
        "drafty": {"status": Article.Status.DRAFT, "publish_at": None},
        "later": {"publish_at": timezone.now() + timedelta(hours=2)},
        "binned": {"deleted_at": timezone.now()},
    }
    for slug, state in hidden.items():
        author = AuthorFactory(slug=slug, headshot=PhotoFactory())
        ArticleFactory(authors=[author], **state)
    AuthorFactory(slug="nobody", headshot=PhotoFactory())
    return {"public": {"jane", "olga"}, "hidden": {*hidden, "nobody"}}


def test_the_api_lists_and_serves_only_public_authors(client, authors):
    listed = {author["slug"] for author in client.get("/api/v1/authors/").json()}
    assert listed == authors["public"]
    for slug in authors["public"]:
        assert client.get(f"/api/v1/authors/{slug}/").status_code == 200
    for slug in authors["hidden"]:
        assert client.get(f"/api/v1/authors/{slug}/").status_code == 404


def test_only_public_authors_have_a_page_and_a_feed(client, authors):
    for slug in authors["public"]:
        assert client.get(f"/authors/{slug}/").status_code == 200
        assert client.get(f"/authors/{slug}/feed/").status_code == 200
    for slug in authors["hidden"]:
        assert client.get(f"/authors/{slug}/").status_code == 404
        assert client.get(f"/authors/{slug}/feed/").status_code == 404


def test_the_authors_sitemap_lists_only_public_authors(client, authors):
    sitemap = client.get("/sitemap-authors.xml").text
    for slug in authors["public"]:
        assert f"/authors/{slug}/</loc>" in sitemap
    for slug in authors["hidden"]:
        assert f"/authors/{slug}/</loc>" not in sitemap


def test_the_search_form_offers_only_public_authors(client, authors):
    page = client.get("/search/?q=fab").text
    for slug in authors["public"]:
        assert f'value="{slug}"' in page
    for slug in authors["hidden"]:
        assert f'value="{slug}"' not in page


def test_a_headshot_is_public_only_with_its_author(authors):
    from authors.models import Author

    shown = set(Photo.objects.public().values_list("pk", flat=True))
    headshots = dict(Author.objects.values_list("slug", "headshot"))
    assert headshots["jane"] in shown
    assert not {headshots[slug] for slug in authors["hidden"]} & shown


def test_an_author_whose_first_story_is_scheduled_goes_public_with_it(client):
    at = timezone.now() + timedelta(hours=2)
    author = AuthorFactory(slug="soon")
    ArticleFactory(authors=[author], publish_at=at)
    assert client.get("/authors/soon/").status_code == 404
    with time_machine.travel(at + timedelta(seconds=1)):
        assert client.get("/authors/soon/").status_code == 200
        assert "soon" in {a["slug"] for a in client.get("/api/v1/authors/").json()}
