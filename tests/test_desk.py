"""The admin's home page is the newsroom dashboard: what a reporter or an editor has to do now."""

import importlib
from datetime import timedelta

import pytest
from django.utils import timezone

from articles import desk, history, workflow
from articles.management.commands.bench_admin import QUERY_BUDGETS
from articles.models import Article
from tests.factories import ArticleFactory, AuthorFactory, PhotoFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reporter(staff_member):
    return staff_member("rita", "Reporter")


def lists(response) -> dict:
    desk = response.context["desk"]
    return {
        "drafts": [a.headline for a in desk.drafts],
        "in_review": None if desk.in_review is None else [a.headline for a in desk.in_review],
        "going_live": [a.headline for a in desk.going_live],
        "published_today": [a.headline for a in desk.published_today],
        "attention": [(row.label, str(row.reason)) for row in desk.attention],
    }


def test_a_reporter_sees_their_drafts_and_not_the_review_queue(client, reporter, editor):
    mine = ArticleFactory(
        headline="My draft", status=Article.Status.DRAFT, publish_at=None, created_by=reporter
    )
    bylined = ArticleFactory(headline="Bylined draft", status=Article.Status.DRAFT, publish_at=None)
    bylined.bylines.create(author=AuthorFactory(user=reporter))
    ArticleFactory(headline="Someone else's draft", status=Article.Status.DRAFT, publish_at=None)
    ArticleFactory(headline="In review", status=Article.Status.IN_REVIEW, publish_at=None)
    client.force_login(reporter)
    response = client.get("/admin/")
    assert response.status_code == 200
    shown = lists(response)
    assert set(shown["drafts"]) == {"My draft", "Bylined draft"}
    assert shown["in_review"] is None
    html = response.text
    assert f'href="/admin/articles/article/{mine.pk}/change/"' in html
    assert "Waiting for review" not in html
    assert "Taggit" not in html and "TAGGIT" not in html


def test_an_editor_sees_the_review_queue_the_next_24_hours_and_today(editor_client):
    ArticleFactory(headline="Please review", status=Article.Status.IN_REVIEW, publish_at=None)
    now = timezone.now()
    ArticleFactory(headline="Tonight", publish_at=now + timedelta(hours=3))
    ArticleFactory(headline="Next week", publish_at=now + timedelta(days=6))
    ArticleFactory(headline="This morning", publish_at=now - timedelta(minutes=1))
    ArticleFactory(headline="Last month", publish_at=now - timedelta(days=30))
    response = editor_client.get("/admin/")
    shown = lists(response)
    assert shown["in_review"] == ["Please review"]
    assert shown["going_live"] == ["Tonight"]
    assert shown["published_today"] == ["This morning"]
    # The newsroom's zone is named beside each time; the browser adds the reader's own.
    assert "UTC" in response.text and "local_times.js" in response.text


def test_needs_attention_lists_uncredited_images_expiring_rights_and_refused_edits(
    editor, editor_client
):
    library = PhotoFactory()
    ArticleFactory(
        headline="Image from elsewhere",
        status=Article.Status.DRAFT,
        publish_at=None,
        created_by=editor,
        body='<p>Look.</p><figure><img src="https://elsewhere.example/x.jpg" alt=""></figure>',
    )
    ArticleFactory(
        headline="Library image",
        status=Article.Status.DRAFT,
        publish_at=None,
        created_by=editor,
        body=f'<figure><img src="/media/{library.image.name}" alt="x"></figure>',
    )
    expiring = PhotoFactory(rights_expire_on=timezone.localdate() + timedelta(days=3))
    ArticleFactory(headline="Rights run out", lead_photo=expiring)
    far = PhotoFactory(rights_expire_on=timezone.localdate() + timedelta(days=30))
    ArticleFactory(headline="Rights for now", lead_photo=far)
    contested = ArticleFactory(headline="Contested story")
    contested.headline = "My lost headline"
    history.keep_refused_edit(article=contested, by=editor)
    labels = [label for label, _ in lists(editor_client.get("/admin/"))["attention"]]
    assert "Image from elsewhere" in labels and "Library image" not in labels
    assert "Rights run out" in labels and "Rights for now" not in labels
    assert "Contested story" in labels


def _old_story(headline, body, **kwargs):
    """Published a month ago: in none of the dashboard's other lists."""
    return ArticleFactory(
        headline=headline, body=body, publish_at=timezone.now() - timedelta(days=30), **kwargs
    )


def test_needs_attention_finds_an_old_story_with_an_uncredited_image(editor_client):
    _old_story("Old story", '<p>Old.</p><img src="https://elsewhere.example/x.jpg" alt="A fab">')
    _old_story("Old and fine", "<p>No picture.</p>")
    shown = lists(editor_client.get("/admin/"))
    assert shown["published_today"] == [] and shown["drafts"] == []
    rows = dict(shown["attention"])
    assert "Old story" in rows and "Old and fine" not in rows
    assert "credit" in rows["Old story"] and "alt text" not in rows["Old story"]


def test_needs_attention_names_a_body_image_without_alt_text(editor_client):
    _old_story("No alt", '<figure><img src="https://elsewhere.example/x.jpg"></figure>')
    _old_story("Empty alt", '<p><img src="https://elsewhere.example/y.jpg" alt=" "></p>')
    rows = dict(lists(editor_client.get("/admin/"))["attention"])
    assert "alt text" in rows["No alt"] and "alt text" in rows["Empty alt"]


def test_a_library_photo_outside_a_figure_is_shown_without_its_credit(editor_client):
    library = PhotoFactory()
    src = f"/media/{library.image.name}"
    _old_story("Bare library photo", f'<p><img src="{src}" alt="x"></p>')
    _old_story("Library figure", f'<figure><img src="{src}" alt=""></figure>')
    labels = [label for label, _ in lists(editor_client.get("/admin/"))["attention"]]
    assert "Bare library photo" in labels and "Library figure" not in labels


def test_a_reporter_is_told_of_uncredited_images_in_their_own_stories_only(client, reporter):
    foreign = '<img src="https://elsewhere.example/x.jpg" alt="x">'
    _old_story("Theirs", foreign, created_by=reporter)
    _old_story("Someone else's", foreign)
    client.force_login(reporter)
    labels = [label for label, _ in lists(client.get("/admin/"))["attention"]]
    assert "Theirs" in labels and "Someone else's" not in labels


def test_the_uncredited_list_is_bounded_and_latest_first(editor_client):
    foreign = '<img src="https://elsewhere.example/x.jpg" alt="x">'
    stories = [_old_story(f"Story {k}", foreign) for k in range(desk.ROWS + 2)]
    shown = [
        label
        for label, reason in lists(editor_client.get("/admin/"))["attention"]
        if "credit" in reason
    ]
    newest_first = sorted(stories, key=lambda s: (s.updated_at, s.pk), reverse=True)
    assert shown == [s.headline for s in newest_first[: desk.ROWS]]


def test_a_story_in_the_trash_needs_no_attention(editor_client, editor):
    story = _old_story("Trashed", '<img src="https://elsewhere.example/x.jpg" alt="x">')
    workflow.trash(article=story, by=editor)
    labels = [label for label, _ in lists(editor_client.get("/admin/"))["attention"]]
    assert "Trashed" not in labels


def test_the_entry_goes_once_the_image_is_taken_from_the_library(editor_client):
    story = _old_story("Fixed later", '<img src="https://elsewhere.example/x.jpg" alt="x">')
    assert (story.uncredited_images, story.images_without_alt) == (1, 0)
    library = PhotoFactory()
    story.body = f'<figure><img src="/media/{library.image.name}" alt=""></figure>'
    story.save()
    assert (story.uncredited_images, story.images_without_alt) == (0, 0)
    labels = [label for label, _ in lists(editor_client.get("/admin/"))["attention"]]
    assert "Fixed later" not in labels


def test_the_migration_counts_the_uncredited_images_of_stories_saved_before(editor_client):
    from django.apps import apps
    from django.db import connection

    migration = importlib.import_module("articles.migrations.0026_uncredited_images")
    library = PhotoFactory()
    figure = f'<figure><img src="/media/{library.image.name}" alt=""></figure>'
    foreign = '<img src="https://elsewhere.example/x.jpg">'
    mixed = _old_story("Mixed", f"{figure}<p>{foreign}</p><p>{foreign}</p>")
    credited = _old_story("Credited", figure)
    plain = _old_story("Plain", "<p>Words.</p>")
    # As saved before the fields; the backfill must not count as an edit either.
    before = dict(Article.objects.values_list("pk", "updated_at"))
    Article.objects.update(uncredited_images=0, images_without_alt=0)
    migration.backfill(apps, connection.schema_editor())
    counts = {
        pk: (uncredited, without_alt)
        for pk, uncredited, without_alt in Article.objects.values_list(
            "pk", "uncredited_images", "images_without_alt"
        )
    }
    assert counts == {mixed.pk: (2, 2), credited.pk: (0, 0), plain.pk: (0, 0)}
    assert dict(Article.objects.values_list("pk", "updated_at")) == before
    labels = [label for label, _ in lists(editor_client.get("/admin/"))["attention"]]
    assert labels == ["Mixed"]


def test_the_all_models_page_keeps_the_app_list_without_taggit(editor_client, admin_user):
    editor_client.force_login(admin_user)
    html = editor_client.get("/admin/").text
    assert 'href="/admin/models/"' in html
    page = editor_client.get("/admin/models/")
    assert page.status_code == 200
    apps = [app["app_label"] for app in page.context["app_list"]]
    assert "taggit" not in apps
    names = [m["object_name"] for app in page.context["app_list"] for m in app["models"]]
    assert "Tag" in names and "Article" in names


@pytest.mark.parametrize("count", [1, 25])
def test_the_dashboard_costs_the_same_queries_whatever_the_number_of_stories(
    client, editor, reporter, django_assert_max_num_queries, count
):
    author = AuthorFactory(user=reporter)
    photo = PhotoFactory(rights_expire_on=timezone.localdate() + timedelta(days=2))
    now = timezone.now()
    for k in range(count):
        ArticleFactory(status=Article.Status.DRAFT, publish_at=None, created_by=reporter)
        ArticleFactory(status=Article.Status.IN_REVIEW, publish_at=None, authors=[author])
        ArticleFactory(publish_at=now + timedelta(hours=1 + k % 20), lead_photo=photo)
        ArticleFactory(publish_at=now - timedelta(minutes=k + 1), lead_photo=photo)
    for user in (editor, reporter):
        client.force_login(user)
        with django_assert_max_num_queries(QUERY_BUDGETS["dashboard"]):
            assert client.get("/admin/").status_code == 200


def test_an_embargoed_story_going_live_has_its_own_chip_on_the_dashboard(editor_client, editor):
    from articles import workflow

    story = ArticleFactory(
        headline="Under wraps",
        status=Article.Status.IN_REVIEW,
        publish_at=None,
        authors=[AuthorFactory()],
    )
    workflow.embargo(article=story, by=editor, until=timezone.now() + timedelta(hours=3))
    ArticleFactory(headline="Plain schedule", publish_at=timezone.now() + timedelta(hours=4))
    html = editor_client.get("/admin/").text
    section = html.split('aria-labelledby="desk-going-live"')[1].split("</section>")[0]
    rows = {row.split("</a>")[0].rsplit(">", 1)[-1]: row for row in section.split("<li>")[1:]}
    assert 'nr-status-embargoed">Under embargo<' in rows["Under wraps"]
    assert "nr-status-scheduled" not in rows["Under wraps"]
    assert 'nr-status-scheduled">Scheduled<' in rows["Plain schedule"]
