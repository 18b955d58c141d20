"""Every path that changes what readers see records its event in the same transaction (#18):
the row is there after the change, and gone when the change's transaction rolls back."""

import io
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from reversion.models import Version
from taggit.models import Tag

from articles import workflow
from articles.models import Article, Correction
from events.models import Event
from tests.factories import ArticleFactory, AuthorFactory, PhotoFactory, SectionFactory
from tests.test_workflow import change_form_data

pytestmark = pytest.mark.django_db


class RolledBack(Exception):
    pass


@pytest.fixture
def editor(django_user_model, roles):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user("editor", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name="Editor"))
    return user


def draft():
    return ArticleFactory(
        status=Article.Status.DRAFT, publish_at=None, authors=[AuthorFactory()], tags=["chips"]
    )


def public():
    return ArticleFactory(authors=[AuthorFactory()], tags=["chips"])


def correction_on(story, editor):
    return workflow.add_correction(article=story, by=editor, kind="correction", text="Was 3.")


# What each path does to a story, the story it starts from, and the event it must record.
PATHS = {
    "publish": (draft, lambda s, e: workflow.publish(article=s, by=e), "story.published"),
    "unpublish": (public, lambda s, e: workflow.unpublish(article=s, by=e), "story.unpublished"),
    "reschedule a public story": (
        public,
        lambda s, e: workflow.schedule(article=s, by=e, at=timezone.now() + timedelta(hours=1)),
        "story.unpublished",
    ),
    "trash": (public, lambda s, e: workflow.trash(article=s, by=e), "story.trashed"),
    "add a correction": (public, correction_on, "story.corrected"),
    "edit a correction": (
        public,
        lambda s, e: workflow.edit_correction(correction=_changed(correction_on(s, e)), by=e),
        "story.corrected",
    ),
    "delete a correction": (
        public,
        lambda s, e: workflow.delete_correction(correction=correction_on(s, e), by=e),
        "story.corrected",
    ),
}


def _changed(correction: Correction) -> Correction:
    correction.text = "Was 4."
    return correction


@pytest.mark.parametrize("path", PATHS)
def test_each_workflow_change_records_its_event(path, editor):
    make, change, kind = PATHS[path]
    story = make()
    change(story, editor)
    event = Event.objects.filter(article=story).latest("id")
    assert event.kind == kind
    assert event.payload["story"]["id"] == story.pk
    assert event.payload["story"]["tags"] == [Tag.objects.get(name="chips").pk]
    assert len(event.payload["story"]["authors"]) == 1


@pytest.mark.parametrize("path", PATHS)
def test_no_event_is_left_when_the_change_rolls_back(path, editor):
    make, change, kind = PATHS[path]
    story = make()
    with pytest.raises(RolledBack), transaction.atomic():
        change(story, editor)
        assert Event.objects.filter(article=story, kind=kind).exists()
        raise RolledBack
    assert not Event.objects.filter(article=story).exists()


def test_restore_from_the_trash_records_story_restored(editor):
    story = public()
    workflow.trash(article=story, by=editor)
    workflow.restore(article=story, by=editor)
    assert Event.objects.filter(article=story).latest("id").kind == "story.restored"


def test_publish_now_is_the_go_live_the_clock_will_not_record_again(editor):
    story = draft()
    workflow.publish(article=story, by=editor)
    event = Event.objects.get(article=story)
    assert event.occurred_at == story.publish_at
    assert event.key == f"live:{story.pk}:{story.publish_at.isoformat()}"


def test_changes_readers_cannot_see_record_nothing(editor):
    story = draft()
    workflow.schedule(article=story, by=editor, at=timezone.now() + timedelta(hours=1))
    workflow.unpublish(article=story, by=editor)
    workflow.trash(article=story, by=editor)
    assert not Event.objects.filter(article=story).exists()


def test_restoring_a_revision_of_a_public_story_records_an_update(editor):
    story = public()
    workflow.touch(article=story, by=editor, comment="first")
    version = Version.objects.get_for_object(story).first()
    story.headline = "Changed"
    workflow.touch(article=story, by=editor, comment="second")
    workflow.restore_revision(article=story, version=version, by=editor)
    event = Event.objects.filter(article=story).latest("id")
    assert (event.kind, event.payload["changed"]) == ("story.updated", ["revision"])


def test_an_admin_edit_records_the_story_before_and_after(client, editor):
    story = public()
    old_section = story.section_id
    new_section = SectionFactory(slug="chips", name="Chips")
    client.force_login(editor)
    response = client.post(
        f"/admin/articles/article/{story.pk}/change/",
        change_form_data(story, section=new_section.pk, new_tags="fabs"),
    )
    assert response.status_code == 302
    event = Event.objects.filter(article=story).latest("id")
    assert event.kind == "story.updated"
    assert event.payload["before"]["section"] == old_section
    assert event.payload["story"]["section"] == new_section.pk
    assert Tag.objects.get(name="fabs").pk in event.payload["story"]["tags"]
    assert "section" in event.payload["changed"]


def resave(client, url: str, **changes):
    """Post an admin change form back as it was served, with ``changes``."""
    page = client.get(url)
    form = page.context["adminform"].form
    data = {key: value for key, value in form.initial.items() if value is not None}
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        data.update({management.add_prefix(k): v for k, v in management.initial.items()})
        data[management.add_prefix("TOTAL_FORMS")] = management.initial["INITIAL_FORMS"]
    return client.post(url, {**data, **changes})


@pytest.mark.parametrize(
    ("url", "make", "kind"),
    [
        ("/admin/articles/section/{pk}/change/", lambda: SectionFactory(), "section.changed"),
        ("/admin/authors/author/{pk}/change/", lambda: AuthorFactory(), "author.changed"),
        (
            "/admin/taggit/tag/{pk}/change/",
            lambda: Tag.objects.create(name="chips", slug="chips"),
            "tag.changed",
        ),
    ],
)
def test_admin_saves_of_what_stories_show_record_events(admin_client, url, make, kind):
    obj = make()
    response = resave(admin_client, url.format(pk=obj.pk), name="Renamed")
    assert response.status_code == 302
    key = kind.split(".")[0]
    assert Event.objects.get(kind=kind).payload == {key: obj.pk}


def test_a_photo_on_a_public_story_records_photo_changed_when_saved():
    from events import content

    photo = PhotoFactory(renditions=False)
    unused = PhotoFactory(renditions=False)
    story = ArticleFactory(lead_photo=photo)
    assert content.photo_changed(unused) is None
    event = content.photo_changed(photo)
    assert event.payload == {"photo": photo.pk, "stories": [story.pk], "authors": []}


def test_lifting_an_embargo_early_records_embargo_lifted_once(editor):
    story = workflow.embargo(article=draft(), by=editor, until=timezone.now() + timedelta(hours=1))
    assert not Event.objects.filter(article=story).exists()
    with pytest.raises(RolledBack), transaction.atomic():
        workflow.lift_embargo(article=story, by=editor)
        raise RolledBack
    assert not Event.objects.filter(article=story).exists()
    story.refresh_from_db()
    workflow.lift_embargo(article=story, by=editor)
    event = Event.objects.get(article=story)
    assert event.kind == "story.embargo_lifted"
    assert event.key == f"live:{story.pk}:{story.publish_at.isoformat()}"


# Tags merged in the admin (taggit's "Merge selected tags" action) ---------------------------


def merge_in_admin(client, tags, into: str):
    """Select ``tags`` on the tag list, run the merge action and name the tag they become."""
    response = client.post(
        "/admin/taggit/tag/",
        {"action": "render_tag_form", "_selected_action": [tag.pk for tag in tags]},
    )
    assert response.status_code == 302
    return client.post(response.url, {"new_tag_name": into})


def test_merging_tags_records_the_stories_and_tags_it_changes(admin_client):
    chips_story, semis_story = public(), ArticleFactory(tags=["semis"])
    both = ArticleFactory(tags=["chips", "semis"])
    unseen = draft()
    chips, semis = Tag.objects.get(name="chips"), Tag.objects.get(name="semis")
    response = merge_in_admin(admin_client, [chips, semis], into="semiconductors")
    assert response.status_code == 302
    merged = Tag.objects.get(name="semiconductors")
    for story in (chips_story, semis_story, both, unseen):
        assert list(story.tags.all()) == [merged]
    tag_events = Event.objects.filter(kind="tag.changed")
    assert sorted(e.payload["tag"] for e in tag_events) == sorted([chips.pk, semis.pk, merged.pk])
    for story, was in ((chips_story, [chips.pk]), (semis_story, [semis.pk]), (both, None)):
        event = Event.objects.get(article=story)
        assert (event.kind, event.payload["changed"]) == ("story.updated", ["tags"])
        assert event.payload["before"]["tags"] == (was or sorted([chips.pk, semis.pk]))
        assert event.payload["story"]["tags"] == [merged.pk]
    assert not Event.objects.filter(article=unseen).exists()


def test_merging_tags_into_one_of_them_keeps_it_on_every_story(admin_client):
    chips_story, semis_story = public(), ArticleFactory(tags=["semis"])
    chips, semis = Tag.objects.get(name="chips"), Tag.objects.get(name="semis")
    merge_in_admin(admin_client, [chips, semis], into="chips")
    assert list(chips_story.tags.all()) == [chips]
    assert list(semis_story.tags.all()) == [chips]
    assert not Event.objects.filter(article=chips_story).exists()  # it did not change
    assert Event.objects.get(article=semis_story).payload["story"]["tags"] == [chips.pk]


# Imports: WordPress exports and content archives ---------------------------------------------


def import_wordpress(name: str):
    from django.core.management import call_command

    from tests.test_wordpress_corpus import CORPUS

    call_command("import_wordpress", str(CORPUS / name), verbosity=0, stdout=io.StringIO())


def test_a_wordpress_import_records_published_for_public_stories_only():
    import_wordpress("item-categories.xml")
    public_ids = set(Article.objects.public().values_list("pk", flat=True))
    hidden = Article.objects.exclude(pk__in=public_ids)
    assert public_ids and hidden.filter(status=Article.Status.DRAFT).exists()
    events = Event.objects.filter(article__isnull=False)
    assert set(events.values_list("kind", flat=True)) == {"story.published"}
    assert sorted(events.values_list("article_id", flat=True)) == sorted(public_ids)


def test_a_wordpress_re_run_that_changes_a_public_story_records_an_update():
    from tests.test_wordpress_corpus import story_for

    import_wordpress("rerun-1.xml")
    published = Event.objects.count()
    import_wordpress("rerun-2.xml")  # 401 and 402 changed in WordPress, 405 is new
    new = Event.objects.order_by("id")[published:]
    assert {(e.kind, e.article_id) for e in new} == {
        ("story.updated", story_for("401").pk),
        ("story.updated", story_for("402").pk),
        ("story.published", story_for("405").pk),
    }
    update = Event.objects.get(kind="story.updated", article=story_for("401"))
    assert {"headline", "body"} <= set(update.payload["changed"])


@pytest.fixture
def archive(tmp_path):
    """An archive of two public stories and a draft."""
    from django.core.management import call_command

    stories = [public(), public(), draft()]
    path = tmp_path / "newsroom.zip"
    call_command("export_content", str(path), verbosity=0)
    return path, stories


def test_import_content_records_published_for_each_public_story(archive, settings):
    from django.core.management import call_command

    from tests.test_archive import wipe

    path, (one, two, unseen) = archive
    wipe(settings)
    Event.objects.all().delete()
    call_command("import_content", str(path), verbosity=0)
    events = Event.objects.order_by("article_id")
    assert [(e.kind, e.article_id) for e in events] == [
        ("story.published", one.pk),
        ("story.published", two.pk),
    ]


def test_import_content_replace_records_unpublished_for_the_public_stories_it_removes(archive):
    from django.core.management import call_command

    path, stories = archive
    removed = public()
    also_removed = draft()
    Event.objects.all().delete()
    call_command("import_content", str(path), "--replace", verbosity=0)
    assert not Article.objects.filter(pk__in=[removed.pk, also_removed.pk]).exists()
    # Every public story is deleted, those the archive brings back too: then they are loaded.
    unpublished = Event.objects.filter(kind="story.unpublished")
    assert sorted(e.payload["story"]["id"] for e in unpublished) == sorted(
        [stories[0].pk, stories[1].pk, removed.pk]
    )
    gone = unpublished.get(payload__story__id=removed.pk)
    assert gone.payload["before"]["public"] and not gone.payload["story"]["public"]
    assert gone.payload["before"]["tags"] == [Tag.objects.get(name="chips").pk]
    published = Event.objects.filter(kind="story.published")
    assert sorted(published.values_list("article_id", flat=True)) == [s.pk for s in stories[:2]]


# Live coverage: updates added, edited and deleted, coverage ended and reopened ---------------


def live_on(make):
    def made():
        story = make()
        Article.objects.filter(pk=story.pk).update(story_type=Article.StoryType.LIVE)
        story.refresh_from_db()
        return story

    return made


def post_update(story, editor):
    from articles import live

    return live.add_update(
        story=story, by=editor, body="<p>Doors open.</p>", author=AuthorFactory()
    )


def _edited(update):
    update.body = "<p>Doors opened at nine.</p>"
    return update


LIVE_PATHS = {
    "add an update": (post_update, ["live_updates"]),
    "edit an update": (
        lambda s, e: live_edit(update=_edited(post_update(s, e)), by=e),
        ["live_updates"],
    ),
    "delete an update": (
        lambda s, e: live_delete(update=post_update(s, e), by=e),
        ["live_updates"],
    ),
    "end coverage": (lambda s, e: live_end(story=s, by=e), ["coverage_ended_at"]),
    "reopen coverage": (
        lambda s, e: live_reopen(story=live_end(story=s, by=e), by=e),
        ["coverage_ended_at"],
    ),
}


def live_edit(**kwargs):
    from articles import live

    return live.edit_update(**kwargs)


def live_delete(**kwargs):
    from articles import live

    return live.delete_update(**kwargs)


def live_end(**kwargs):
    from articles import live

    return live.end_coverage(**kwargs)


def live_reopen(**kwargs):
    from articles import live

    return live.reopen_coverage(**kwargs)


@pytest.mark.parametrize("path", LIVE_PATHS)
def test_live_coverage_changes_on_a_public_story_record_story_updated(path, editor):
    change, changed = LIVE_PATHS[path]
    story = live_on(public)()
    with pytest.raises(RolledBack), transaction.atomic():
        change(story, editor)
        raise RolledBack
    assert not Event.objects.filter(article=story).exists()
    story.refresh_from_db()
    change(story, editor)
    event = Event.objects.filter(article=story).latest("id")
    assert (event.kind, event.payload["changed"]) == ("story.updated", changed)
    assert event.payload["story"]["tags"] == [Tag.objects.get(name="chips").pk]


@pytest.mark.parametrize("path", LIVE_PATHS)
def test_live_coverage_changes_on_a_draft_record_nothing(path, editor):
    change, _ = LIVE_PATHS[path]
    story = live_on(draft)()
    change(story, editor)
    assert not Event.objects.filter(article=story).exists()


def test_moving_a_photos_files_to_private_names_records_photo_changed():
    """rename_photo_files moves the files pages show (the old ones go after commit): the
    pages of the public stories that show the photo must be fetched again."""
    from django.core.management import call_command

    from tests.test_media import body_with, old_style_photo

    photo = old_style_photo()
    story = ArticleFactory(lead_photo=photo, body=body_with(photo))
    unseen = ArticleFactory(
        status=Article.Status.DRAFT, publish_at=None, lead_photo=old_style_photo()
    )
    call_command("rename_photo_files", stdout=io.StringIO())
    event = Event.objects.get(kind="photo.changed")
    assert event.payload == {"photo": photo.pk, "stories": [story.pk], "authors": []}
    assert unseen.lead_photo_id != photo.pk


def test_refresh_renditions_records_photo_changed_for_a_photo_readers_see():
    from django.core.management import call_command

    photo = PhotoFactory(renditions=False)  # lacks every format: the command makes them
    story = ArticleFactory(lead_photo=photo)
    call_command("refresh_renditions", stdout=io.StringIO())
    event = Event.objects.get(kind="photo.changed")
    assert event.payload == {"photo": photo.pk, "stories": [story.pk], "authors": []}
    call_command("refresh_renditions", "--all", stdout=io.StringIO())
    assert Event.objects.filter(kind="photo.changed").count() == 1  # the same files again


# Byline roles: their printed phrase is on every page that prints a byline in the role ------


def test_editing_a_byline_role_in_the_admin_records_the_public_stories_that_print_it(
    admin_client,
):
    from articles.models import BylineRole
    from newsroom.surrogate import keys_for_event
    from webhooks.payloads import _object_data

    translated = BylineRole.objects.get(slug="translated")
    jane, sam = AuthorFactory(), AuthorFactory()
    printed = ArticleFactory(authors=[jane, (sam, "translated")])
    other_role = ArticleFactory(authors=[jane, (sam, "edited")])
    unseen = ArticleFactory(authors=[(sam, "translated")], status=Article.Status.DRAFT,
                            publish_at=None)  # fmt: skip
    url = f"/admin/articles/bylinerole/{translated.pk}/change/"
    response = resave(admin_client, url, phrase="Translated from the Dutch by")
    assert response.status_code == 302
    event = Event.objects.get(kind="byline_role.changed")
    assert event.payload == {"byline_role": translated.pk, "stories": [printed.pk]}
    keys = keys_for_event(event)
    assert f"story-{printed.pk}" in keys
    assert not {f"story-{other_role.pk}", f"story-{unseen.pk}"} & keys
    data = _object_data(event.kind, event.payload)
    assert (data["id"], data["slug"], data["stories"]) == (
        translated.pk,
        "translated",
        [printed.pk],
    )


def test_a_byline_role_no_public_story_prints_records_nothing(admin_client):
    from articles.models import BylineRole

    edited = BylineRole.objects.get(slug="edited")
    ArticleFactory(authors=[(AuthorFactory(), "edited")], status=Article.Status.DRAFT,
                   publish_at=None)  # fmt: skip
    url = f"/admin/articles/bylinerole/{edited.pk}/change/"
    assert resave(admin_client, url, phrase="Edited by").status_code == 302
    assert not Event.objects.filter(kind="byline_role.changed").exists()
