"""Revisions on every save, compare and restore, and edits that never overwrite each other."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from reversion.models import Version

from articles import history, workflow
from articles.models import Activity, Article, Correction
from tests.factories import ArticleFactory, AuthorFactory, PhotoFactory, SectionFactory
from tests.test_workflow import change_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def editors(client, django_user_model, roles):
    from django.test import Client

    users = []
    for name in ("ana", "ben"):
        user = django_user_model.objects.create_user(name, password="x", is_staff=True)
        user.groups.add(Group.objects.get(name="Editor"))
        users.append(user)
    clients = [Client(), Client()]
    for c, user in zip(clients, users, strict=True):
        c.force_login(user)
    return users, clients


def save_through_admin(client, story, **changes):
    return client.post(
        f"/admin/articles/article/{story.pk}/change/", change_form_data(story, **changes)
    )


def test_every_admin_save_keeps_a_revision_with_its_bylines(editors):
    (ana, _), (client, _) = editors
    author = AuthorFactory(name="Jane Roe")
    story = ArticleFactory(authors=[author])
    original = story.headline
    data = {
        "bylines-TOTAL_FORMS": "1",
        "bylines-INITIAL_FORMS": "1",
        "bylines-0-id": story.bylines.get().pk,
        "bylines-0-article": story.pk,
        "bylines-0-author": author.pk,
        "bylines-0-position": "0",
    }
    save_through_admin(client, story, headline="First take", **data)
    story.refresh_from_db()
    save_through_admin(client, story, headline="Second take", **data)
    versions = history.versions_of(story)
    # The state before the first edit is kept too (the story was made by code).
    assert [v.field_dict["headline"] for v in versions] == ["Second take", "First take", original]
    assert versions[0].revision.user == ana
    assert history.bylines_of(versions[0]) == "Jane Roe"


def test_compare_shows_each_changed_field_and_restore_brings_words_back(editors):
    (ana, _), (client, _) = editors
    story = ArticleFactory(headline="Old headline", body="<p>The plant opens in May.</p>")
    old_url = story.get_absolute_url()
    save_through_admin(
        client,
        story,
        headline="New headline",
        slug="new-headline",
        body="<p>The plant opens in June.</p>",
    )
    story.refresh_from_db()
    save_through_admin(client, story, dek="A dek now")
    story.refresh_from_db()
    newest, middle = history.versions_of(story)[:2]

    page = client.get(f"/admin/articles/article/{story.pk}/compare/?a={middle.pk}&b={newest.pk}")
    assert [row.label for row in page.context["rows"]] == ["Dek"]
    first_version = Version.objects.get_for_object(story).order_by("pk").first()
    rows = history.compare(first_version, newest)
    body = next(row for row in rows if row.label == "Body")
    assert "<del>May.</del>" in body.diff and "<ins>June.</ins>" in body.diff

    # Restore the first revision: words come back, the status does not change.
    assert (
        client.post(
            f"/admin/articles/article/{story.pk}/compare/",
            {"version": first_version.pk, "confirmed": "yes"},
        ).status_code
        == 302
    )
    story.refresh_from_db()
    assert story.headline == "Old headline" and story.body == "<p>The plant opens in May.</p>"
    assert story.status == Article.Status.PUBLISHED
    assert Activity.objects.filter(article=story, action="reverted", user=ana).exists()
    assert story.get_absolute_url() == old_url


def test_a_second_stale_edit_is_refused_shows_the_first_and_both_survive(editors):
    (ana, ben), (ana_client, ben_client) = editors
    story = ArticleFactory(headline="Fab opens", body="<p>Original words.</p>")
    # Both open the story at the same version.
    assert ana_client.get(f"/admin/articles/article/{story.pk}/change/").status_code == 200
    assert ben_client.get(f"/admin/articles/article/{story.pk}/change/").status_code == 200
    opened = Article.objects.get(pk=story.pk)

    first = save_through_admin(
        ana_client, opened, headline="Fab opens early", body="<p>Ana's words.</p>"
    )
    assert first.status_code == 302
    second = save_through_admin(
        ben_client, opened, headline="Fab opens late", body="<p>Ben's words.</p>"
    )

    assert second.status_code == 200
    assert "Someone else saved this story after you opened it" in second.text
    conflict = second.context["adminform"].form.conflict
    assert conflict.by == ana
    assert {row.label for row in conflict.conflicts} == {"Headline", "Body"}
    assert "Fab opens <ins>early</ins>" in second.text  # what Ana changed is shown to Ben
    assert 'value="Fab opens late"' in second.text  # and Ben's own text is still in his form
    story.refresh_from_db()
    assert story.headline == "Fab opens early" and story.body == "<p>Ana's words.</p>"
    kept = [v.field_dict["headline"] for v in history.versions_of(story)]
    assert "Fab opens early" in kept and "Fab opens late" in kept
    assert Activity.objects.filter(article=story, action="conflict", user=ben).exists()


def test_a_published_story_keeps_its_old_addresses(client, editors):
    _, (editor_client, _) = editors
    other = SectionFactory(slug="chips", name="Chips")
    story = ArticleFactory(slug="fab-opens")
    first_url = story.get_absolute_url()
    save_through_admin(editor_client, story, slug="fab-opens-in-may")
    story.refresh_from_db()
    second_url = story.get_absolute_url()
    save_through_admin(editor_client, story, section=other.pk)
    story.refresh_from_db()
    for old in (first_url, second_url):
        response = client.get(old)
        assert response.status_code == 301 and response["Location"] == "/chips/fab-opens-in-may/"


def test_a_draft_that_changes_slug_leaves_no_old_address(client, editors):
    (ana, _), (editor_client, _) = editors
    story = ArticleFactory(
        status=Article.Status.DRAFT, publish_at=None, slug="draft-slug", authors=[AuthorFactory()]
    )
    save_through_admin(editor_client, story, slug="final-slug")
    story.refresh_from_db()
    workflow.publish(article=story, by=ana)
    assert client.get("/news/draft-slug/").status_code == 404


def test_old_addresses_of_an_unpublished_story_do_not_redirect(client, editors):
    (ana, _), (editor_client, _) = editors
    story = ArticleFactory(slug="was-here", authors=[AuthorFactory()])
    save_through_admin(editor_client, story, slug="now-here")
    story.refresh_from_db()
    workflow.unpublish(article=story, by=ana)
    assert client.get("/news/was-here/").status_code == 404


def test_corrections_show_on_the_story_dated_and_move_its_updated_time(client, editors):
    (ana, _), _ = editors
    story = ArticleFactory(authors=[AuthorFactory()])
    before = story.updated_at
    workflow.add_correction(
        article=story, by=ana, kind="correction", text="An earlier version misstated the capacity."
    )
    workflow.add_correction(article=story, by=ana, kind="update", text="The company responded.")
    story.refresh_from_db()
    assert story.updated_at > before
    html = client.get(story.get_absolute_url()).text
    assert "Corrections and updates" in html
    assert "<strong>Correction</strong>" in html and "misstated the capacity" in html
    assert "<strong>Update</strong>" in html
    assert Activity.objects.filter(article=story, action="corrected").count() == 2


def test_library_photos_in_the_body_carry_their_credit(client):
    photo = PhotoFactory(credit="Jane Roe/Newsroom", credit_kind="illustration", caption="The fab.")
    story = ArticleFactory(
        body=f'<p>Intro.</p><figure><img src="{photo.image.url}" alt="">'
        "<figcaption>Inside the fab.</figcaption></figure>"
    )
    entries = photo.renditions["full"]["jpg"]
    name, width, height = entries[min(1, len(entries) - 1)]
    assert (
        f'<img src="/media/{name}" srcset="/media/renditions/{photo.media_token}/full-'
        in story.body_html
    )
    assert f'alt="{photo.alt_text}" width="{width}" height="{height}"' in story.body_html
    assert (
        'Inside the fab. <span class="credit">Illustration: Jane Roe/Newsroom</span>'
        in story.body_html
    )
    assert "Illustration: Jane Roe/Newsroom" in client.get(story.get_absolute_url()).text


def test_a_picture_from_outside_the_library_blocks_publishing(editors):
    (ana, _), _ = editors
    story = ArticleFactory(
        status=Article.Status.DRAFT,
        publish_at=None,
        authors=[AuthorFactory()],
        body='<p>Intro.</p><figure><img src="https://elsewhere.example/x.jpg" alt="x"></figure>',
    )
    with pytest.raises(Exception, match="not from the photo library"):
        workflow.publish(article=story, by=ana)


def test_the_body_is_edited_with_the_rich_text_editor(editors):
    _, (client, _) = editors
    html = client.get("/admin/articles/article/add/").text
    assert "data-django-prose-editor-configurable" in html
    assert "django_prose_editor/editor.js" in html or "django_prose_editor/configurable.js" in html
    assert "admin/photo_picker.js" in html


def with_correction(story, correction, **changes) -> dict:
    """The change form as posted with the story's one correction edited (or deleted)."""
    at = timezone.localtime(correction.published_at)
    fields = {
        "id": correction.pk,
        "article": story.pk,
        "kind": correction.kind,
        "published_at_0": at.strftime("%Y-%m-%d"),
        "published_at_1": at.strftime("%H:%M:%S"),
        "text": correction.text,
        **changes,
    }
    data = change_form_data(story)
    data.update({f"corrections-0-{name}": value for name, value in fields.items()})
    data.update({"corrections-TOTAL_FORMS": "1", "corrections-INITIAL_FORMS": "1"})
    return data


@pytest.fixture
def corrected(editors):
    (ana, _), _ = editors
    story = ArticleFactory(authors=[AuthorFactory()])
    note = workflow.add_correction(
        article=story, by=ana, kind="correction", text="We misstated the capacity."
    )
    return Article.objects.get(pk=story.pk), note


def test_an_edited_correction_is_logged_with_its_kind_and_old_and_new_text(editors, corrected):
    (ana, _), (client, _) = editors
    story, note = corrected
    response = client.post(
        f"/admin/articles/article/{story.pk}/change/",
        with_correction(story, note, kind="update", text="The plant makes 40,000 wafers."),
    )
    assert response.status_code == 302
    entry = Activity.objects.get(article=story, action="correction_edited")
    assert entry.user == ana
    assert "Update" in entry.detail and "40,000 wafers" in entry.detail
    assert "Correction" in entry.detail and "misstated the capacity" in entry.detail


def test_a_deleted_correction_is_logged_with_its_kind_and_text(editors, corrected):
    (ana, _), (client, _) = editors
    story, note = corrected
    response = client.post(
        f"/admin/articles/article/{story.pk}/change/",
        with_correction(story, note, DELETE="on"),
    )
    assert response.status_code == 302
    assert not Correction.objects.filter(pk=note.pk).exists()
    entry = Activity.objects.get(article=story, action="correction_deleted")
    assert entry.user == ana
    assert "Correction" in entry.detail and "misstated the capacity" in entry.detail


def test_only_editors_change_or_delete_corrections(django_user_model, roles, corrected):
    reporter = django_user_model.objects.create_user("rita", is_staff=True)
    reporter.groups.add(Group.objects.get(name="Reporter"))
    _, note = corrected
    note.text = "Rewritten quietly."
    with pytest.raises(PermissionDenied):
        workflow.edit_correction(correction=note, by=reporter)
    with pytest.raises(PermissionDenied):
        workflow.delete_correction(correction=note, by=reporter)
    assert Correction.objects.get(pk=note.pk).text == "We misstated the capacity."
