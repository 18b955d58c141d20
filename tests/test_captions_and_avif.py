"""A lead photo needs a caption to publish, and renditions come in AVIF too (issue #17, part 5).

The caption rule is the alt-text-and-credit rule's neighbour in articles.workflow's
publication_problems: Publish, Schedule, an edit of a live story and a revision restore all
ask it. A photo editor may mark a photo as needing none (a logo); reporters may not.
"""

import io

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import Client
from PIL import Image, features

from articles import imaging, workflow
from articles.markup import picture
from articles.models import Article, Photo
from tests.factories import ArticleFactory, AuthorFactory, PhotoFactory
from tests.test_photos import encode, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def avif_on(settings):
    """The suite turns AVIF off for speed (tests/conftest.py); here it is what is tested."""
    settings.NEWSROOM_PHOTO_AVIF = True


needs_avif = pytest.mark.skipif(not features.check("avif"), reason="this Pillow cannot write AVIF")


def draft_with(photo) -> Article:
    return ArticleFactory(
        status=Article.Status.DRAFT, publish_at=None, lead_photo=photo, authors=[AuthorFactory()]
    )


# --- captions ------------------------------------------------------------------------------


def test_publishing_is_refused_while_the_lead_photo_has_no_caption(editor):
    story = draft_with(PhotoFactory(caption="  "))
    with pytest.raises(Exception, match="needs a caption"):
        workflow.publish(article=story, by=editor)
    story.refresh_from_db()
    assert story.status == Article.Status.DRAFT


def test_a_photo_marked_as_needing_no_caption_may_lead_without_one(editor):
    story = draft_with(PhotoFactory(caption="", no_caption_needed=True))
    workflow.publish(article=story, by=editor)
    assert Article.objects.public().filter(pk=story.pk).exists()


def test_the_problem_is_listed_while_writing(editor):
    story = draft_with(PhotoFactory(caption=""))
    problems = workflow.publication_problems(story)
    assert any("caption" in problem for problem in problems)


def test_an_edit_of_a_live_story_may_not_swap_in_an_uncaptioned_lead_photo(editor_client):
    story = ArticleFactory(authors=[AuthorFactory()])
    bare = PhotoFactory(caption="")
    story.lead_photo = bare
    previous = Article.objects.get(pk=story.pk)
    assert any("caption" in p for p in workflow.new_publication_problems(story, previous))


def test_only_photo_editors_may_mark_a_photo_as_needing_no_caption(staff_member):
    reporter, photo_editor = Client(), Client()
    reporter.force_login(staff_member("rita", "Reporter"))
    upload(reporter, encode(), caption="", no_caption_needed="on")
    photo = Photo.objects.get()
    assert photo.no_caption_needed is False  # the field is not on a reporter's form

    photo_editor.force_login(staff_member("pia", "Photo editor"))
    page = photo_editor.get(f"/admin/articles/photo/{photo.pk}/change/")
    assert b'name="no_caption_needed"' in page.content


def test_the_library_refuses_to_drop_the_caption_of_a_live_stories_lead_photo(editor_client):
    photo = PhotoFactory(caption="The fab at night.")
    ArticleFactory(lead_photo=photo, authors=[AuthorFactory()])
    page = editor_client.get(f"/admin/articles/photo/{photo.pk}/change/")
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields if name != "image"}
    data["caption"] = ""
    answer = editor_client.post(f"/admin/articles/photo/{photo.pk}/change/", data)
    assert answer.status_code == 200
    assert "caption" in answer.content.decode()
    photo.refresh_from_db()
    assert photo.caption == "The fab at night."


# --- AVIF ----------------------------------------------------------------------------------


@needs_avif
def test_every_rendition_is_made_in_avif_beside_webp_and_jpeg():
    photo = PhotoFactory()
    for kind in imaging.RENDITIONS:
        jpegs, avifs = photo.renditions[kind]["jpg"], photo.renditions[kind]["avif"]
        assert [(w, h) for _n, w, h in avifs] == [(w, h) for _n, w, h in jpegs]
        for name, width, height in avifs:
            with default_storage.open(name) as file, Image.open(io.BytesIO(file.read())) as im:
                assert (im.format, im.size) == ("AVIF", (width, height))


@needs_avif
def test_pages_offer_avif_first_then_webp_then_jpeg():
    html = str(picture(PhotoFactory()))
    assert html.index('type="image/avif"') < html.index('type="image/webp"') < html.index("<img")


def test_a_photo_made_before_avif_still_prints_its_picture():
    photo = PhotoFactory()
    for kind in imaging.RENDITIONS:
        photo.renditions[kind].pop("avif", None)
    html = str(picture(photo))
    assert "image/avif" not in html
    assert 'type="image/webp"' in html and "<img" in html


@needs_avif
def test_readers_get_avif_renditions_with_their_type(client):
    photo = PhotoFactory()
    ArticleFactory(lead_photo=photo, authors=[AuthorFactory()])
    name = photo.renditions["story"]["avif"][0][0]
    answer = client.get("/media/" + name)
    assert answer.status_code == 200
    assert answer["Content-Type"] == "image/avif"


def test_without_avif_renditions_are_webp_and_jpeg_only(settings):
    settings.NEWSROOM_PHOTO_AVIF = False
    photo = PhotoFactory()
    assert set(photo.renditions["story"]) == {"webp", "jpg"}


@needs_avif
def test_refresh_renditions_gives_older_photos_their_avif(settings):
    settings.NEWSROOM_PHOTO_AVIF = False
    older = PhotoFactory()
    settings.NEWSROOM_PHOTO_AVIF = True
    out = io.StringIO()
    call_command("refresh_renditions", stdout=out)
    older.refresh_from_db()
    assert older.renditions["story"]["avif"]
    assert "1 photo(s) refreshed" in out.getvalue()
    out = io.StringIO()
    call_command("refresh_renditions", stdout=out)
    assert "0 photo(s) refreshed" in out.getvalue()
