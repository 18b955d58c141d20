"""The read-only content API: public content only, cursor pages, filters, ETag/304, CORS,
a request budget per client, and an OpenAPI schema the responses keep to (schemathesis)."""

import base64
from datetime import timedelta
from urllib.parse import quote, urlencode

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import positive_data_acceptance

from articles import api as content_api
from articles.models import Article, Correction
from newsroom.wsgi import application
from tests.factories import ArticleFactory, AuthorFactory, PhotoFactory, SectionFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()


@pytest.fixture
def newsroom():
    """Public stories, plus one story in each state that must never show."""
    jane = AuthorFactory(slug="jane", name="Jane Roe")
    sam = AuthorFactory(slug="sam", name="Sam Lee")
    chips = SectionFactory(slug="chips", name="Chips")
    public = ArticleFactory(
        headline="Public fab story",
        section=chips,
        authors=[jane],
        tags=["fabs"],
        lead_photo=PhotoFactory(),
    )
    Correction.objects.create(article=public, text="Fixed the date.")
    ArticleFactory(headline="Public wafer story", authors=[sam], tags=["wafers"])
    hidden = [
        ArticleFactory(headline="Draft", status=Article.Status.DRAFT, tags=["secret"]),
        ArticleFactory(headline="Scheduled", publish_at=NOW + timedelta(hours=1), tags=["secret"]),
        ArticleFactory(headline="Trashed", deleted_at=NOW, tags=["secret"]),
    ]
    return {"public": public, "hidden": hidden}


def results(client, url) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_only_public_stories_are_listed_or_served(client, newsroom):
    listed = {s["headline"] for s in results(client, "/api/v1/stories/")}
    assert listed == {"Public fab story", "Public wafer story"}
    for story in newsroom["hidden"]:
        assert client.get(f"/api/v1/stories/{story.pk}/").status_code == 404
    tags = {t["slug"] for t in client.get("/api/v1/tags/").json()}
    assert tags == {"fabs", "wafers"}  # "secret" is carried by hidden stories only


def test_a_story_has_its_body_corrections_bylines_tags_and_photo_with_credit(client, newsroom):
    story = newsroom["public"]
    data = client.get(f"/api/v1/stories/{story.pk}/").json()
    assert data["url"] == f"http://testserver{story.get_absolute_url()}"
    assert data["authors"] == [
        {
            "slug": "jane",
            "name": "Jane Roe",
            "job_title": story.authors.get().job_title,
            "url": "http://testserver/authors/jane/",
        }
    ]
    assert data["corrections"][0]["text"] == "Fixed the date."
    assert data["body_html"] == story.body_html
    photo = data["lead_photo"]
    assert photo["credit_line"] == f"Photo: {story.lead_photo.credit}"
    kinds = {(r["kind"], r["format"]) for r in photo["renditions"]}
    assert {("story", "webp"), ("story", "jpg"), ("square", "jpg")} <= kinds
    folder = f"http://testserver/media/renditions/{story.lead_photo.media_token}/"
    assert all(r["url"].startswith(folder) for r in photo["renditions"])
    assert photo["url"].startswith(folder)  # the largest uncropped rendition, never the master


def test_an_expired_photo_is_not_given_out(client, newsroom):
    photo = newsroom["public"].lead_photo
    photo.rights_expire_on = timezone.localdate() - timedelta(days=1)
    photo.save()
    assert client.get(f"/api/v1/stories/{newsroom['public'].pk}/").json()["lead_photo"] is None
    assert client.get(f"/api/v1/photos/{photo.pk}/").status_code == 404


def test_a_photo_used_only_by_a_draft_is_not_given_out(client):
    photo = PhotoFactory()
    ArticleFactory(status=Article.Status.DRAFT, lead_photo=photo)
    assert client.get(f"/api/v1/photos/{photo.pk}/").status_code == 404
    ArticleFactory(lead_photo=photo)
    assert client.get(f"/api/v1/photos/{photo.pk}/").json()["id"] == photo.pk


def test_cursor_pages_walk_every_public_story_once_newest_first(
    client, django_assert_max_num_queries
):
    for k in range(45):
        ArticleFactory(publish_at=NOW - timedelta(minutes=k), tags=["fabs"])
    ArticleFactory(status=Article.Status.DRAFT)
    seen, url = [], "/api/v1/stories/?page_size=20"
    while url:
        with django_assert_max_num_queries(6):
            page = client.get(url).json()
        assert len(page["results"]) <= 20
        seen += [s["id"] for s in page["results"]]
        url = page["next"]
    expected = list(Article.objects.public().latest_first().values_list("id", flat=True))
    assert seen == expected and len(seen) == 45


def test_made_up_cursors_and_ids_are_client_errors(client, newsroom):
    assert client.get("/api/v1/stories/?cursor=not-a-cursor").status_code == 422
    for story_id in ("99999999999999999999", "-1", "abc", "%00"):
        response = client.get(f"/api/v1/stories/{story_id}/")
        assert response.status_code in (404, 422) and "detail" in response.json()
    # A null byte, which PostgreSQL refuses in a query (found by schemathesis in CI).
    for url in (
        "/api/v1/stories/?section=a%00b",
        "/api/v1/stories/?tag=%00",
        "/api/v1/authors/%00/",
    ):
        response = client.get(url)
        assert response.status_code == 422 and "detail" in response.json(), url


# Slugs the site makes (newsroom/slugs.py: letters, digits and marks of any script) that two
# regex engines' "\\w" disagree on: a number that is not a digit (Imperial Aramaic one, found
# by hypothesis in tests/test_unicode_slugs.py), a Devanagari vowel sign, a Roman numeral.
@pytest.mark.parametrize("slug", ["\U00010858", "हिन्दी", "\u2163-x", "caf\u0301e"])
def test_every_slug_the_site_makes_is_an_address_and_a_filter_of_the_api(client, slug):
    from newsroom.slugs import is_slug

    assert is_slug(slug)
    section = SectionFactory(slug=slug, name=slug)
    author = AuthorFactory(slug=slug, name=slug)
    ArticleFactory(headline="Any script", section=section, authors=[author], tags=[slug])
    assert client.get(f"/api/v1/sections/{quote(slug)}/").status_code == 200
    assert client.get(f"/api/v1/authors/{quote(slug)}/").status_code == 200
    for name in ("section", "author"):
        found = results(client, f"/api/v1/stories/?{urlencode({name: slug})}")
        assert [story["headline"] for story in found] == ["Any script"], name


def test_filters_by_section_author_tag_and_update_time(client, newsroom):
    def headlines(query):
        return {s["headline"] for s in results(client, f"/api/v1/stories/?{query}")}

    assert headlines("section=chips") == {"Public fab story"}
    assert headlines("author=sam") == {"Public wafer story"}
    assert headlines("tag=fabs") == {"Public fab story"}
    assert headlines("tag=secret") == set()
    Article.objects.filter(headline="Public wafer story").update(updated_at=NOW + timedelta(days=1))
    since = (NOW + timedelta(hours=12)).isoformat().replace("+00:00", "Z")
    assert headlines(f"updated_since={since}") == {"Public wafer story"}
    # Any offset ISO 8601 allows, even one PostgreSQL would refuse (found by schemathesis).
    assert headlines("updated_since=0118-06-10T02:04:50%2B17:50") == {
        "Public fab story",
        "Public wafer story",
    }


def test_authors_sections_and_their_details(client, newsroom):
    assert {a["slug"] for a in client.get("/api/v1/authors/").json()} == {"jane", "sam"}
    jane = client.get("/api/v1/authors/jane/").json()
    assert jane["name"] == "Jane Roe" and "bio_html" in jane and jane["handles"] == []
    assert client.get("/api/v1/sections/chips/").json()["url"] == "http://testserver/chips/"
    assert client.get("/api/v1/authors/nobody/").status_code == 404


def test_a_repeated_request_with_its_etag_gets_304(client, newsroom):
    first = client.get("/api/v1/stories/")
    again = client.get("/api/v1/stories/", headers={"if-none-match": first["ETag"]})
    assert again.status_code == 304 and again.content == b""


def test_cors_lets_any_site_read_but_not_write(client, newsroom):
    response = client.get("/api/v1/stories/", headers={"origin": "https://partner.example"})
    assert response["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(
        "/api/v1/stories/",
        headers={"origin": "https://partner.example", "access-control-request-method": "GET"},
    )
    assert "POST" not in preflight["Access-Control-Allow-Methods"]
    assert client.post("/api/v1/stories/").status_code == 405
    assert "Access-Control-Allow-Origin" not in client.get("/", headers={"origin": "https://x"})


def test_each_client_has_a_request_budget(client, newsroom, monkeypatch):
    throttle = content_api.THROTTLE
    monkeypatch.setattr(throttle, "num_requests", 3)
    cache.clear()
    codes = [client.get("/api/v1/sections/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    other = client.get("/api/v1/sections/", REMOTE_ADDR="203.0.113.9")
    assert other.status_code == 200  # another client's budget is its own
    cache.clear()


def test_the_schema_is_openapi_3_and_names_every_endpoint(client):
    schema = client.get("/api/v1/schema/").json()
    assert schema["openapi"].startswith("3.")
    assert {
        "/api/v1/stories/",
        "/api/v1/stories/{story_id}/",
        "/api/v1/authors/",
        "/api/v1/authors/{slug}/",
        "/api/v1/sections/",
        "/api/v1/sections/{slug}/",
        "/api/v1/tags/",
        "/api/v1/photos/{photo_id}/",
    } <= set(schema["paths"])


@pytest.fixture
def api_schema(newsroom, monkeypatch):
    """The schema as served, with the app called in-process over WSGI. Like Django's test
    client, keep the connection (and its test transaction) open between requests."""
    monkeypatch.setattr(content_api.THROTTLE, "num_requests", 10**9)
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_every_response_keeps_to_the_schema_and_none_is_a_server_error(api_schema):
    """schemathesis generates requests for every operation from the schema itself (valid
    and invalid parameters) and checks every response: no 5xx, status codes, content types
    and bodies as documented. (Driven by hand: its pytest plugin predates pytest 9.)"""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) == 8
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=30,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        )
        def check(case):
            # Every check but one: an opaque cursor the schema cannot describe (any string
            # is schema-valid) is rightly refused with a documented 422.
            case.call_and_validate(excluded_checks=[positive_data_acceptance])

        check()


@pytest.mark.parametrize("since", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00%2B01:00"])
def test_an_update_time_outside_the_calendar_in_utc_is_a_clear_422(client, newsroom, since):
    response = client.get(f"/api/v1/stories/?updated_since={since}")
    assert response.status_code == 422
    assert "updated_since" in str(response.json()["detail"])
    assert "0001" in str(response.json()["detail"])  # says what range is allowed


def cursor(text: str) -> str:
    """A cursor as the API writes them (base64 of a query string), with made-up contents."""
    return quote(base64.b64encode(text.encode()).decode())


@pytest.mark.parametrize(
    "position",
    [
        "p=abc",
        "p=2026-13-45",
        "p=%00",
        "p=9999-12-31T23:59:59-23:59",
        "p=0001-01-01T00:00:00%2B01:00",
        "p=2026-01-01T00:00:00",  # no offset: the API never writes one without
        "r=True&p=x",
        "o=-1",
        "o=x",
    ],
)
def test_a_cursor_with_a_made_up_position_is_a_clear_422(client, newsroom, position):
    response = client.get(f"/api/v1/stories/?cursor={cursor(position)}")
    assert response.status_code == 422
    assert "cursor" in str(response.json()["detail"])


@given(
    p=st.text(max_size=40),
    r=st.one_of(st.none(), st.text(max_size=6), st.sampled_from(["True", "False", "1"])),
    o=st.one_of(st.none(), st.text(max_size=8), st.integers().map(str)),
)
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_no_cursor_contents_make_a_server_error(client, newsroom, p, r, o):
    parts = {"p": p, "r": r, "o": o}
    text = urlencode({name: value for name, value in parts.items() if value is not None})
    response = client.get(f"/api/v1/stories/?cursor={cursor(text)}")
    assert response.status_code in (200, 422)


def test_a_cursor_the_api_wrote_still_pages_after_validation(client):
    for k in range(5):
        ArticleFactory(publish_at=NOW - timedelta(minutes=k))
    first = client.get("/api/v1/stories/?page_size=2").json()
    second = client.get(first["next"]).json()
    back = client.get(second["previous"]).json()
    assert [s["id"] for s in back["results"]] == [s["id"] for s in first["results"]]


def test_the_api_root_is_a_json_index_linking_the_schema_and_the_docs(client):
    response = client.get("/api/v1/")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    index = response.json()
    assert index["schema"] == "http://testserver/api/v1/schema/"
    assert index["docs"] == "http://testserver/api/v1/docs/"
    assert client.get(index["schema"]).json()["openapi"].startswith("3.")
    assert client.get(index["docs"]).status_code == 200
    listed = set(index["endpoints"].values())
    assert "http://testserver/api/v1/stories/" in listed
    for url in listed:
        assert client.get(url).status_code == 200, url


def test_the_docs_are_a_readable_page_of_every_operation_under_the_strict_policy(client):
    """Our own page from the schema, with no script: nothing for the Content-Security-Policy
    to allow, nothing fetched from a CDN the newsroom may not reach."""
    assert client.get("/api/v1/docs").status_code in (200, 301)
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    html = response.text
    schema = client.get("/api/v1/schema/").json()
    for path, operations in schema["paths"].items():
        assert f"<code>{path}</code>" in html
        for operation in operations.values():
            if operation.get("description"):
                assert operation["description"].split("\n")[0] in html
    assert 'href="/api/v1/schema/"' in html and "updated_since" in html and "429" in html
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "<script" not in html.split("</head>")[1] and " style=" not in html
    sources = [chunk.split('"', 1)[0] for chunk in html.split(' src="')[1:]]
    sources += [chunk.split('"', 1)[0] for chunk in html.split('<link rel="stylesheet" href="')[1:]]
    assert sources and all(source.startswith("/") for source in sources)  # nothing from a CDN
