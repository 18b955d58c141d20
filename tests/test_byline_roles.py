"""Byline roles: each byline has a role (Written by unless someone picks another), and every
surface prints or carries it: the byline phrase on pages, cards and search results, JSON-LD,
feeds, the API, author pages, the admin and its history."""

import json
import re
from datetime import timedelta

import feedparser
import pytest
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from articles import bylines, wordpress
from articles.models import Article, Byline, BylineRole
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def crew():
    names = ["Jane Roe", "Sam Poe", "Ada Quill", "Lu Wen", "Eva Marsh", "Tom Hale"]
    return [AuthorFactory(name=name) for name in names]


@pytest.fixture
def story(crew):
    """Written by two, with additional reporting, a translator and an editor, entered in a
    shuffled order: the phrase groups and orders them by role."""
    jane, sam, ada, lu, eva, tom = crew
    return ArticleFactory(
        headline="Harbour strike ends",
        section=SectionFactory(slug="port", name="Port"),
        authors=[
            (lu, "translated"),
            jane,
            (ada, "additional-reporting"),
            sam,
            (eva, "edited"),
            (tom, "photographs"),
        ],
        publish_at=timezone.now() - timedelta(hours=1),
    )


PHRASE = (
    "By Jane Roe and Sam Poe. Additional reporting by Ada Quill. Photographs by Tom Hale. "
    "Translated by Lu Wen. Edited by Eva Marsh"
)


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", html).split())


def byline_of(html: str, start: int = 0) -> str:
    found = re.search(r'<span class="byline-names">(.*?)</span>', html[start:], re.S)
    return found.group(1)


def test_the_migration_seeds_the_newsroom_roles_in_order():
    assert list(BylineRole.objects.values_list("name", "phrase", "schema_property")) == [
        ("Written by", "By", "author"),
        ("Reporting by", "Reporting by", "author"),
        ("Analysis by", "Analysis by", "author"),
        ("Additional reporting", "Additional reporting by", "contributor"),
        ("Photographs by", "Photographs by", "contributor"),
        ("Graphics by", "Graphics by", "contributor"),
        ("Translated by", "Translated by", "translator"),
        ("Edited by", "Edited by", "editor"),
    ]


def test_a_byline_is_written_by_unless_given_another_role(crew):
    story = ArticleFactory(authors=[crew[0]])
    assert story.bylines.get().role.slug == "written"
    assert bylines.phrase(story.bylines.all()) == f"By {crew[0].name}"


def test_the_phrase_groups_names_by_role_in_the_roles_order(story):
    assert bylines.phrase(story.bylines.all()) == PHRASE


def test_three_writers_read_a_b_and_c(crew):
    story = ArticleFactory(authors=crew[:3])
    assert bylines.phrase(story.bylines.all()) == "By Jane Roe, Sam Poe and Ada Quill"


def test_the_phrase_follows_the_roles_as_the_admin_orders_and_words_them(story):
    BylineRole.objects.filter(slug="translated").update(position=1, phrase="Translation:")
    assert bylines.phrase(story.bylines.all()).startswith(
        "By Jane Roe and Sam Poe. Translation: Lu Wen. Additional reporting by Ada Quill"
    )


def test_story_page_prints_the_phrase_with_every_name_linked(client, story):
    html = client.get(story.get_absolute_url()).text
    names = byline_of(html)
    assert text_of(names) == PHRASE
    for byline in story.bylines.all():
        assert f'<a href="{byline.author.get_absolute_url()}">{byline.author.name}</a>' in names


@pytest.mark.parametrize("url", ["/", "/port/"])
def test_cards_print_the_same_phrase(client, story, url):
    html = client.get(url).text
    card = html[html.index(f'aria-labelledby="headline-{story.pk}"') :]
    assert text_of(byline_of(card)) == PHRASE


def test_search_results_print_the_same_phrase(client, story):
    html = client.get("/search/", {"q": "harbour strike"}).text
    assert text_of(byline_of(html, html.index('class="results"'))) == PHRASE


def json_ld(html: str) -> list[dict]:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return [json.loads(block) for block in blocks]


def test_json_ld_puts_writers_in_author_and_others_where_schema_org_puts_them(client, story):
    article = json_ld(client.get(story.get_absolute_url()).text)[0]
    names = {key: [p["name"] for p in article.get(key, [])] for key in PROPERTIES}
    assert names == {
        "author": ["Jane Roe", "Sam Poe"],
        "contributor": ["Ada Quill", "Tom Hale"],
        "translator": ["Lu Wen"],
        "editor": ["Eva Marsh"],
    }
    assert all(p["@type"] == "Person" for key in PROPERTIES for p in article[key])


PROPERTIES = ("author", "contributor", "translator", "editor")


@pytest.mark.parametrize("url", ["/feed/", "/feed/atom/"])
def test_feeds_carry_writers_as_authors_others_as_contributors_and_every_role(client, story, url):
    content = client.get(url).content
    (entry,) = feedparser.parse(content).entries
    assert [a["name"] for a in entry.authors] == ["Jane Roe", "Sam Poe"]
    assert sorted(c["name"] for c in entry.contributors) == [
        "Ada Quill",
        "Eva Marsh",
        "Lu Wen",
        "Tom Hale",
    ]
    marked = etree.fromstring(content).findall(".//{urn:newsroom:byline}byline")
    roles = {element.text: element.get("role") for element in marked}
    assert roles == {b.author.name: b.role.slug for b in story.bylines.all()}
    assert {element.get("label") for element in marked} >= {"Translated by", "Written by"}
    assert roles["Lu Wen"] == "translated" and roles["Jane Roe"] == "written"


def test_the_api_gives_each_byline_its_role_and_the_printed_phrase(client, story):
    listed = client.get("/api/v1/stories/").json()["results"][0]
    single = client.get(f"/api/v1/stories/{story.pk}/").json()
    for data in (listed, single):
        assert data["byline"] == PHRASE
        roles = {b["author"]["name"]: b["role"] for b in data["bylines"]}
        assert roles["Lu Wen"] == {
            "slug": "translated",
            "name": "Translated by",
            "schema_property": "translator",
        }
        assert roles["Jane Roe"]["slug"] == "written"
    schema = client.get(reverse("api:openapi-json")).json()
    assert "role" in schema["components"]["schemas"]["BylineOut"]["properties"]


def test_author_pages_say_the_role_when_the_author_did_not_write_the_story(client, story, crew):
    jane, _, _, lu, _, _ = crew
    translated = client.get(lu.get_absolute_url()).text
    note = translated[: translated.index(f'aria-labelledby="headline-{story.pk}"')]
    assert '<p class="card-note">Translated by Lu Wen</p>' in note
    written = client.get(jane.get_absolute_url()).text
    assert 'class="card-note"' not in written


@pytest.mark.parametrize("pieces", [None, "fragment_cache"])
def test_roles_add_no_query_per_byline_on_list_pages(
    client, settings, crew, django_assert_max_num_queries, pieces, request
):
    """The same budget as every list page (tests/test_pages.py), with six roles a card."""
    from tests.test_pages import LIST_BUDGET

    if pieces:
        request.getfixturevalue(pieces)
    settings.NEWSROOM_STORIES_PER_PAGE = 30
    roles = ["written", "additional-reporting", "translated", "edited", "photographs", "written"]
    for k in range(30):
        ArticleFactory(
            authors=list(zip(crew, roles, strict=True)),
            publish_at=timezone.now() - timedelta(minutes=k + 1),
        )
    for url in ["/", "/news/", crew[2].get_absolute_url()]:
        with django_assert_max_num_queries(LIST_BUDGET):
            response = client.get(url)
        assert response.text.count("Additional reporting by") >= 30


def test_admin_byline_inline_saves_a_role(editor_client, story, crew):
    page = editor_client.get(f"/admin/articles/article/{story.pk}/change/").text
    assert 'name="bylines-0-role"' in page and ">Translated by</option>" in page


def test_admin_lists_roles_and_keeps_written_by(editor_client):
    written = BylineRole.objects.get(slug="written")
    page = editor_client.get("/admin/articles/bylinerole/").text
    assert "Additional reporting by" in page
    response = editor_client.get(f"/admin/articles/bylinerole/{written.pk}/delete/")
    assert response.status_code == 403


def test_a_role_in_use_cannot_be_deleted(story):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        BylineRole.objects.get(slug="translated").delete()


def test_history_shows_a_role_change(story):
    from articles.history import _values

    byline = Byline.objects.get(article=story, author__name="Ada Quill")
    byline.role = BylineRole.objects.get(slug="graphics")
    byline.save()
    shown = _values(None, Article.objects.get(pk=story.pk))["bylines"]
    assert "Ada Quill (Graphics by)" in shown and "Jane Roe," in shown


def test_wordpress_co_authors_keep_the_roles_the_export_gives_them():
    """tests/data/wordpress/roles-and-types.xml: Co-Authors Plus co-authors with roles in
    custom fields byline_role_<login>, read here with lxml, not with the importer."""
    from tests.test_wordpress_corpus import CORPUS, run, story_for

    root = etree.parse(str(CORPUS / "roles-and-types.xml")).getroot()
    wp = root.nsmap["wp"]
    output = run("roles-and-types.xml")
    roles = {r.slug: r for r in BylineRole.objects.all()}
    by_name = {r.name.lower(): r for r in roles.values()}
    checked = 0
    for item in root.iterfind("channel/item"):
        meta = {
            m.findtext(f"{{{wp}}}meta_key"): m.findtext(f"{{{wp}}}meta_value")
            for m in item.iterfind(f"{{{wp}}}postmeta")
        }
        people = [
            (c.get("nicename").removeprefix("cap-"), c.text.strip())
            for c in item.iterfind("category")
            if c.get("domain") == "author"
        ]
        if not people:
            continue
        story = story_for(item.findtext(f"{{{wp}}}post_id"))
        got = [(b.author.name, b.role.slug) for b in story.bylines.all()]
        wanted = []
        for login, name in people:
            given = meta.get(f"byline_role_{login}", "")
            role = roles.get(given) or by_name.get(given.lower()) or roles["written"]
            wanted.append((name, role.slug))
        assert got == wanted
        checked += 1
    assert checked == 2
    # Olu translated, Jo reported too: the phrase says so.
    ferry = Article.objects.get(headline="Ferry fares rise")
    assert bylines.phrase(ferry.bylines.all()) == (
        "By Mara Quill. Additional reporting by Jo Guest. Translated by Olu Adeyemi"
    )
    assert "no byline role “Sung by” for mara; imported as Written by" in output
    # A second run finds nothing changed, roles included.
    again = wordpress.import_file(CORPUS / "roles-and-types.xml")
    assert not again.updated["post"] and not again.kept["post"]
    assert again.unchanged["post"] == len(root.findall("channel/item"))
