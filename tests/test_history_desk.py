"""History an editor can read: words, not tags; every field; whitespace is no change; and the
two clicks that change what readers see (Restore, Unpublish) ask first and say what happens."""

import pytest
from django.contrib.admin import helpers
from reversion.models import Version

from articles import history, workflow
from articles.models import Activity, Article
from tests.factories import ArticleFactory, AuthorFactory
from tests.test_workflow import change_form_data

pytestmark = pytest.mark.django_db


def oldest(story):
    return Version.objects.get_for_object(story).order_by("pk").first()


def newest(story):
    return history.versions_of(story)[0]


def edit(story, by, **changes):
    for name, value in changes.items():
        setattr(story, name, value)
    workflow.touch(article=story, by=by, comment="edit")
    story.refresh_from_db()


def test_the_body_is_compared_as_words_and_whitespace_is_no_change(editor):
    story = ArticleFactory(headline="Fab opens", body="<p>The plant opens in May.</p>")
    history.ensure_initial_revision(story.pk)
    edit(story, editor, headline="Fab opens ", body="<h2>The plant  opens in June.</h2>")
    rows = {row.label: row for row in history.compare(oldest(story), newest(story))}
    assert "Headline" not in rows  # a trailing space
    assert "<p>" not in rows["Body"].diff and "&lt;" not in rows["Body"].diff
    assert "<del>May.</del>" in rows["Body"].diff and "<ins>June.</ins>" in rows["Body"].diff


def test_formatting_alone_is_shown_as_formatting(editor):
    story = ArticleFactory(body="<p>The plant opens.</p>")
    history.ensure_initial_revision(story.pk)
    edit(story, editor, body="<h2>The plant opens.</h2>")
    rows = {row.label: row for row in history.compare(oldest(story), newest(story))}
    assert "Formatting only" in rows["Body"].diff


def test_a_correction_tags_and_bylines_show_as_changes(editor, editor_client):
    story = ArticleFactory(tags=["chips"])
    history.ensure_initial_revision(story.pk)
    workflow.add_correction(
        article=story, by=editor, kind="correction", text="<p>It is Dresden.</p>"
    )
    before_tags = newest(story)
    story.tags.add("fabs")
    story.bylines.create(author=AuthorFactory(name="Sam Poe"))
    workflow.touch(article=story, by=editor, comment="tags and byline")
    rows = {row.label: row for row in history.compare(oldest(story), before_tags)}
    assert "It is Dresden." in rows["Corrections and updates"].diff
    rows = {row.label: row for row in history.compare(before_tags, newest(story))}
    assert "<ins>fabs</ins>" in rows["Tags"].diff
    assert "Sam Poe" in rows["Bylines"].diff
    page = editor_client.get(
        f"/admin/articles/article/{story.pk}/compare/?a={oldest(story).pk}&b={before_tags.pk}"
    )
    assert "These two revisions are the same" not in page.text
    assert "It is Dresden." in page.text


def test_restore_asks_first_and_says_what_will_happen(editor, editor_client):
    story = ArticleFactory(headline="Old headline", authors=[AuthorFactory()])
    history.ensure_initial_revision(story.pk)
    edit(story, editor, headline="New headline")
    url = f"/admin/articles/article/{story.pk}/compare/"
    page = editor_client.post(url, {"version": oldest(story).pk})
    assert page.status_code == 200
    assert "Restore the revision" in page.text and "live" in page.text
    assert "<del>New</del>" in page.text and "<ins>Old</ins>" in page.text
    assert Article.objects.get(pk=story.pk).headline == "New headline"
    assert not Activity.objects.filter(article=story, action="reverted").exists()
    done = editor_client.post(url, {"version": oldest(story).pk, "confirmed": "yes"})
    assert done.status_code == 302
    assert Article.objects.get(pk=story.pk).headline == "Old headline"


def test_a_refused_edit_is_never_offered_as_a_restore_point(editor, editor_client):
    story = ArticleFactory(headline="Saved headline", authors=[AuthorFactory()])
    history.ensure_initial_revision(story.pk)
    refused = Article.objects.get(pk=story.pk)
    refused.headline = "Refused headline"
    history.keep_refused_edit(article=refused, by=editor)
    kept = newest(story)
    assert history.is_refused(kept)
    page = editor_client.get(f"/admin/articles/article/{story.pk}/compare/")
    assert f'id="restore-{kept.pk}"' not in page.text
    editor_client.post(
        f"/admin/articles/article/{story.pk}/compare/", {"version": kept.pk, "confirmed": "yes"}
    )
    assert Article.objects.get(pk=story.pk).headline == "Saved headline"


def test_unpublish_asks_first_and_says_what_will_happen(editor_client):
    story = ArticleFactory(authors=[AuthorFactory()])
    url = f"/admin/articles/article/{story.pk}/workflow/unpublish/"
    page = editor_client.post(url)
    assert page.status_code == 200
    assert "off the site" in page.text and "not found" in page.text
    assert Article.objects.get(pk=story.pk).is_public
    editor_client.post(url, {"confirmed": "yes"})
    assert Article.objects.get(pk=story.pk).status == Article.Status.UNPUBLISHED


def test_unpublishing_from_the_list_asks_first(editor_client):
    stories = ArticleFactory.create_batch(2, authors=[AuthorFactory()])
    data = {
        "action": "unpublish_selected",
        helpers.ACTION_CHECKBOX_NAME: [s.pk for s in stories],
    }
    page = editor_client.post("/admin/articles/article/", data)
    assert page.status_code == 200 and "Unpublish 2 stories?" in page.text
    assert all(Article.objects.get(pk=s.pk).is_public for s in stories)
    editor_client.post("/admin/articles/article/", {**data, "confirmed": "yes"})
    assert not Article.objects.public().filter(pk__in=[s.pk for s in stories]).exists()


def test_the_admin_form_records_tags_in_the_revision(editor_client):
    story = ArticleFactory()
    editor_client.post(
        f"/admin/articles/article/{story.pk}/change/",
        change_form_data(story, new_tags="fabs"),
    )
    values = history._related_values(newest(story))
    assert values["tags"] == "fabs"


def test_a_reporter_is_refused_unpublishing_before_any_confirmation(client, staff_member):
    """A confirmation page is an offer: those who may not act are refused before it."""
    reporter = staff_member("rita", "Reporter")
    story = ArticleFactory(created_by=reporter, authors=[AuthorFactory(user=reporter)])
    client.force_login(reporter)
    answer = client.post(f"/admin/articles/article/{story.pk}/workflow/unpublish/")
    assert answer.status_code == 403
    assert "off the site" not in answer.text
    assert Article.objects.get(pk=story.pk).is_public
