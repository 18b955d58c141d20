"""The story and photo lists an editor works from: few columns, a visible sort, "mine",
times with their zone, and links that lead somewhere."""

import re
from datetime import timedelta

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.management.commands.bench_admin import QUERY_BUDGETS
from articles.models import Article
from tests.factories import ArticleFactory, AuthorFactory, PhotoFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reporter(staff_member):
    return staff_member("rita", "Reporter")


def test_the_story_list_shows_its_default_sort_in_a_visible_column(editor_client):
    ArticleFactory()
    page = editor_client.get("/admin/articles/article/")
    html = page.text
    # Django marks the column the list is sorted by; the default sort is the last edit.
    assert 'class="sortable column-updated sorted descending"' in html
    assert list(page.context["cl"].list_display)[1:5] == [
        "story",
        "status_label",
        "publish_time",
        "updated",
    ]


def test_the_mine_filter_keeps_stories_i_started_or_am_bylined_on(client, reporter):
    ArticleFactory(headline="Started", status="draft", publish_at=None, created_by=reporter)
    bylined = ArticleFactory(headline="Bylined")
    bylined.bylines.create(author=AuthorFactory(user=reporter))
    ArticleFactory(headline="Someone else's")
    client.force_login(reporter)
    found = client.get("/admin/articles/article/?mine=1").context["cl"].result_list
    assert {a.headline for a in found} == {"Started", "Bylined"}


def test_the_mine_filter_keeps_photos_i_uploaded(client, reporter):
    PhotoFactory(caption="Mine", uploaded_by=reporter)
    PhotoFactory(caption="Theirs")
    client.force_login(reporter)
    found = client.get("/admin/articles/photo/?mine=1").context["cl"].result_list
    assert [p.caption for p in found] == ["Mine"]


def test_list_times_name_their_zone(editor_client, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    ArticleFactory(publish_at=timezone.now() - timedelta(hours=1))
    text = re.sub(r"<[^>]+>", " ", editor_client.get("/admin/articles/article/").text)
    assert "CET" in text
    assert "+00:00" not in text and "+01:00" not in text


def test_scheduling_says_when_with_the_zone(editor_client, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    story = ArticleFactory(
        status=Article.Status.IN_REVIEW, publish_at=None, authors=[AuthorFactory()]
    )
    response = editor_client.post(
        f"/admin/articles/article/{story.pk}/workflow/schedule/",
        {"at": "2030-05-04T10:13"},
        follow=True,
    )
    messages = [str(m) for m in response.context["messages"]]
    assert any("10:13 CEST" in m for m in messages), messages
    assert not any("+0" in m for m in messages)


def test_a_scheduled_story_is_not_labelled_published(editor_client):
    story = ArticleFactory(publish_at=timezone.now() + timedelta(hours=5))
    html = editor_client.get(f"/admin/articles/article/{story.pk}/change/").text
    assert "Published: scheduled" not in html
    assert 'nr-status-scheduled">Scheduled<' in html


def test_view_on_site_of_a_draft_opens_the_preview_not_a_404(editor_client):
    draft = ArticleFactory(status=Article.Status.DRAFT, publish_at=None)
    live = ArticleFactory()
    draft_page = editor_client.get(f"/admin/articles/article/{draft.pk}/change/").text
    assert f'href="/preview/{draft.pk}/"' in draft_page
    assert draft.get_absolute_url() not in draft_page
    assert editor_client.get(f"/preview/{draft.pk}/").status_code == 200
    live_page = editor_client.get(f"/admin/articles/article/{live.pk}/change/").text
    assert f'href="{live.get_absolute_url()}"' in live_page


@pytest.mark.parametrize("count", [1, 30])
def test_the_filtered_lists_use_a_constant_number_of_queries(
    client, reporter, django_assert_max_num_queries, count
):
    author = AuthorFactory(user=reporter)
    ArticleFactory.create_batch(count, authors=[author], lead_photo=PhotoFactory())
    PhotoFactory.create_batch(min(count, 5), uploaded_by=reporter, renditions=False)
    client.force_login(reporter)
    for url in ("/admin/articles/article/?mine=1", "/admin/articles/photo/?mine=1"):
        with django_assert_max_num_queries(QUERY_BUDGETS["story list"]):
            assert client.get(url).status_code == 200


@pytest.mark.parametrize("count", [1, 30])
def test_the_story_form_uses_a_constant_number_of_queries(
    editor_client, django_assert_max_num_queries, count
):
    authors = AuthorFactory.create_batch(3)
    stories = ArticleFactory.create_batch(count, authors=authors, lead_photo=PhotoFactory())
    with django_assert_max_num_queries(QUERY_BUDGETS["story form"]):
        page = editor_client.get(f"/admin/articles/article/{stories[0].pk}/change/")
        assert page.status_code == 200


def test_a_byline_on_the_story_form_costs_at_most_one_query(editor_client):
    def queries_for(story):
        with CaptureQueriesContext(connection) as queries:
            assert (
                editor_client.get(f"/admin/articles/article/{story.pk}/change/").status_code == 200
            )
        return len(queries)

    one = ArticleFactory(authors=AuthorFactory.create_batch(1))
    four = ArticleFactory(authors=AuthorFactory.create_batch(4))
    queries_for(one)  # caches warm
    # Each row's author picker reads the author it shows (Django's autocomplete widget);
    # the author's name over the row and the list of roles cost nothing more.
    assert queries_for(four) - queries_for(one) <= 3


def test_a_row_checkbox_is_djangos_own():
    """The lists write the action checkbox out instead of rendering a form widget per row
    (the costliest cell at 50 rows); the HTML must stay exactly Django's."""
    story = ArticleFactory(headline='Fabs & "yield" <2 nm>')
    model_admin = admin.site._registry[Article]
    assert model_admin.action_checkbox(story) == admin.ModelAdmin.action_checkbox(
        model_admin, story
    )
    assert 'aria-label="Select this object for an action - Fabs &amp; &quot;yield' in str(
        model_admin.action_checkbox(story)
    )


def embargoed_story(editor, **fields):
    from articles import workflow

    story = ArticleFactory(
        status=Article.Status.IN_REVIEW, publish_at=None, authors=[AuthorFactory()], **fields
    )
    until = timezone.now().replace(microsecond=0) + timedelta(hours=30)
    return workflow.embargo(article=story, by=editor, until=until)


def status_cell(html: str, story) -> str:
    import lxml.html

    tree = lxml.html.fromstring(html)
    link = tree.xpath(f"//table[@id='result_list']//a[contains(@href, '/{story.pk}/change/')]")[0]
    row = link.xpath("ancestor::tr")[0]
    return row.find_class("field-status_label")[0]


def test_an_embargoed_story_has_its_own_chip_in_the_story_list(editor_client, editor):
    story = embargoed_story(editor)
    cell = status_cell(editor_client.get("/admin/articles/article/").text, story)
    chips = [c.text_content().strip() for c in cell.find_class("nr-status")]
    assert chips == ["Under embargo"]
    assert "nr-status-embargoed" in cell.find_class("nr-status")[0].get("class")


def test_the_list_status_cell_is_a_chip_and_a_short_time(editor_client, editor, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    story = embargoed_story(editor)
    scheduled = ArticleFactory(publish_at=timezone.now() + timedelta(days=2))
    html = editor_client.get("/admin/articles/article/").text
    cell = status_cell(html, story)
    text = " ".join(cell.text_content().split())
    short = lists_time(story.publish_at)
    assert text == f"Under embargo until {short}", text
    time = cell.xpath(".//time[@data-embargo-until]")[0]
    assert time.get("datetime") == story.publish_at.isoformat()
    assert time.getnext().get("data-embargo-countdown") is not None
    assert " ".join(status_cell(html, scheduled).text_content().split()) == "Scheduled"


def lists_time(moment) -> str:
    from articles.admin.lists import local_time

    return local_time(moment)
