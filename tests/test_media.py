"""Photo files are served only to those who may see them (issue 13, item 11).

Masters never reach readers; renditions have unguessable names and reach readers only while
their photo is shown by a public page and its rights allow it; staff who may view photos see
everything. Run on the local storage and on S3 (moto's standalone server through
django-storages): the rule lives in one view, whatever holds the bytes.
"""

import re
import shutil
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from articles import imaging, workflow
from articles.checks import media_storage_is_private
from articles.markup import media_url
from articles.models import Article, Photo
from tests import servers
from tests.conftest import require
from tests.factories import ArticleFactory, AuthorFactory, PhotoFactory
from tests.test_photos import encode, upload

# One xdist worker runs the whole file: its module fixture starts its servers once.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("test_media")]


def rendition(photo, kind="story") -> str:
    return media_url(photo.renditions[kind]["jpg"][-1][0])


def master(photo) -> str:
    return media_url(photo.image.name)


def status(client, url) -> int:
    return client.get(url).status_code


def body_with(photo) -> str:
    return (
        f'<p>Before.</p><figure><img src="{master(photo)}" alt="A chip">'
        "<figcaption>In the lab.</figcaption></figure><p>After.</p>"
    )


def staff_without_photo_rights(django_user_model):
    return django_user_model.objects.create_user("sam", password="x", is_staff=True)


# --- names ---------------------------------------------------------------------------------


def test_masters_and_renditions_have_unguessable_names(editor_client):
    response = upload(editor_client, encode(), name="press-photo.jpg")
    assert response.status_code == 302
    photo, other = Photo.objects.get(), PhotoFactory()
    assert "press-photo" not in photo.image.name
    assert re.fullmatch(r"masters/[A-Za-z0-9_-]{20,}\.jpg", photo.image.name)
    for one in (photo, other):
        folders = {name.rsplit("/", 1)[0] for name in imaging.rendition_names(one.renditions)}
        assert folders == {f"renditions/{one.media_token}"}
        assert len(one.media_token) >= 20 and str(one.pk) != one.media_token
    assert photo.media_token != other.media_token


# --- who sees what -------------------------------------------------------------------------


def test_masters_are_never_served_to_readers(client):
    photo = PhotoFactory()
    ArticleFactory(lead_photo=photo)
    assert status(client, rendition(photo)) == 200
    assert status(client, master(photo)) == 404


def test_photos_of_an_embargoed_story_are_served_from_its_publish_time_on(client):
    lead, figure = PhotoFactory(), PhotoFactory()
    at = timezone.now() + timedelta(hours=2)
    ArticleFactory(lead_photo=lead, body=body_with(figure), publish_at=at)
    urls = [rendition(lead), rendition(lead, "card"), rendition(figure, "full")]
    assert [status(client, url) for url in urls] == [404, 404, 404]
    with time_machine.travel(at, tick=False):
        assert [status(client, url) for url in urls] == [200, 200, 200]


@pytest.mark.parametrize(
    "state",
    [
        {"status": Article.Status.DRAFT},
        {"status": Article.Status.IN_REVIEW},
        {"status": Article.Status.UNPUBLISHED},
        {"deleted_at": timezone.now()},
    ],
)
def test_photos_of_a_story_that_is_not_public_are_not_served(client, state):
    lead, figure = PhotoFactory(), PhotoFactory()
    story = ArticleFactory(lead_photo=lead, body=body_with(figure), **state)
    assert status(client, rendition(lead)) == 404
    assert status(client, rendition(figure, "full")) == 404
    Article.objects.filter(pk=story.pk).update(status=Article.Status.PUBLISHED, deleted_at=None)
    assert status(client, rendition(lead)) == 200  # it was the story's state, nothing else
    assert status(client, rendition(figure, "full")) == 200


def test_a_photo_whose_rights_ran_out_is_no_longer_served(client):
    photo = PhotoFactory(rights_expire_on=timezone.localdate())
    ArticleFactory(lead_photo=photo)
    assert status(client, rendition(photo)) == 200
    with time_machine.travel(timezone.now() + timedelta(days=1), tick=False):
        assert status(client, rendition(photo)) == 404


def test_an_unpublished_story_takes_its_photos_with_it(client):
    photo = PhotoFactory()
    story = ArticleFactory(lead_photo=photo)
    assert status(client, rendition(photo)) == 200
    Article.objects.filter(pk=story.pk).update(status=Article.Status.DRAFT)
    assert status(client, rendition(photo)) == 404


def test_a_library_photo_nobody_uses_is_served_once_it_is_a_public_authors_headshot(client):
    photo = PhotoFactory()
    assert status(client, rendition(photo, "square")) == 404
    author = AuthorFactory(headshot=photo)
    assert status(client, rendition(photo, "square")) == 404  # no public story yet
    ArticleFactory(authors=[author])
    assert status(client, rendition(photo, "square")) == 200
    assert status(client, master(photo)) == 404


def test_a_shared_preview_shows_its_story_photos_while_the_link_is_open(client, editor):
    lead, figure, other = PhotoFactory(), PhotoFactory(), PhotoFactory()
    story = ArticleFactory(lead_photo=lead, body=body_with(figure), status=Article.Status.DRAFT)
    ArticleFactory(lead_photo=other, status=Article.Status.DRAFT)
    urls = [rendition(lead), rendition(figure, "full")]
    assert {status(client, url) for url in urls} == {404}
    link = workflow.share_preview(article=story, by=editor)
    client.cookies["newsroom_previews"] = f"[{link.pk}]"  # forged: unsigned
    assert {status(client, url) for url in urls} == {404}
    assert client.get(link.get_absolute_url()).status_code == 200
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "private, no-store"
    assert status(client, rendition(other)) == 404  # only that story's photos
    assert status(client, master(lead)) == 404
    workflow.revoke_preview(link=link, by=editor)
    assert {status(client, url) for url in urls} == {404}


def test_staff_who_may_view_photos_see_every_file_uncached(editor_client):
    photo = PhotoFactory()
    ArticleFactory(lead_photo=photo, status=Article.Status.DRAFT)
    for url in (master(photo), rendition(photo)):
        response = editor_client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "private, no-store"
        assert response["Content-Type"] == "image/jpeg"


def test_staff_who_owe_a_second_factor_see_what_readers_see(editor_client, settings):
    settings.NEWSROOM_REQUIRE_2FA = ["editors"]
    photo = PhotoFactory()
    ArticleFactory(lead_photo=photo, status=Article.Status.DRAFT)
    assert status(editor_client, rendition(photo)) == 404
    assert status(editor_client, master(photo)) == 404
    settings.NEWSROOM_REQUIRE_2FA = []
    assert status(editor_client, master(photo)) == 200


def test_staff_without_the_right_to_view_photos_are_readers_here(client, django_user_model):
    photo = PhotoFactory()
    ArticleFactory(lead_photo=photo, status=Article.Status.DRAFT)
    client.force_login(staff_without_photo_rights(django_user_model))
    assert status(client, rendition(photo)) == 404
    assert status(client, master(photo)) == 404


def test_old_renditions_and_unknown_names_are_not_served(client):
    photo = PhotoFactory()
    ArticleFactory(lead_photo=photo)
    stray = f"renditions/{photo.media_token}/stray.jpg"
    default_storage.save(stray, ContentFile(b"not listed in the manifest"))
    for url in (media_url(stray), "/media/renditions/nope/x.jpg", "/media/x%00y", "/media/../"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response["Cache-Control"] == "no-store"


def test_a_public_rendition_may_be_cached_but_never_past_the_rights(client, settings):
    settings.NEWSROOM_MEDIA_MAX_AGE = 300
    lasting, ending = PhotoFactory(), PhotoFactory(rights_expire_on=timezone.localdate())
    ArticleFactory(lead_photo=lasting)
    ArticleFactory(lead_photo=ending)
    assert client.get(rendition(lasting))["Cache-Control"] == "public, max-age=300"
    midnight = timezone.localtime().replace(hour=23, minute=59, second=0, microsecond=0)
    with time_machine.travel(midnight, tick=False):
        assert client.get(rendition(ending))["Cache-Control"] == "public, max-age=60"


def test_behind_nginx_the_file_is_handed_over_with_x_accel_redirect(client, settings):
    settings.NEWSROOM_MEDIA_ACCEL_REDIRECT = "/protected-media/"
    photo = PhotoFactory()
    ArticleFactory(lead_photo=photo)
    name = photo.renditions["story"]["jpg"][-1][0]
    response = client.get(media_url(name))
    assert response["X-Accel-Redirect"] == f"/protected-media/{name}"
    assert response.content == b""
    assert client.get(master(photo)).status_code == 404  # the check stays ours


def test_the_rule_of_the_queryset_and_of_the_property_agree():
    shown, hidden, expired = PhotoFactory(), PhotoFactory(), PhotoFactory()
    expired.rights_expire_on = timezone.localdate() - timedelta(days=1)
    expired.save()
    ArticleFactory(body=body_with(shown))
    ArticleFactory(lead_photo=hidden, status=Article.Status.DRAFT)
    ArticleFactory(lead_photo=expired)
    assert set(Photo.objects.public()) == {shown}
    assert [p.is_public for p in (shown, hidden, expired)] == [True, False, False]


# --- every public surface prints only what it may ------------------------------------------


def media_urls(text: str) -> set[str]:
    """Every media address in a page, feed or JSON answer, as a path."""
    found = re.findall(r"[^\s\"'<>,\\]*/media/[^\s\"'<>,\\]+", text)
    return {url.split("http://testserver")[-1] for url in found}


def test_every_surface_prints_only_renditions_readers_can_fetch(client):
    lead, figure, headshot, secret = PhotoFactory(), PhotoFactory(), PhotoFactory(), PhotoFactory()
    author = AuthorFactory(headshot=headshot)
    story = ArticleFactory(lead_photo=lead, body=body_with(figure), authors=[author])
    ArticleFactory(
        lead_photo=secret,
        body=body_with(secret),
        authors=[author],
        publish_at=timezone.now() + timedelta(days=1),
    )
    pages = [
        "/",
        story.get_absolute_url(),
        story.section.get_absolute_url(),
        f"/authors/{author.slug}/",
        "/feed/",
        "/feed/atom/",
        "/sitemap-stories.xml",
        "/sitemap-news.xml",
        "/api/v1/stories/",
        f"/api/v1/stories/{story.pk}/",
        f"/api/v1/photos/{lead.pk}/",
    ]
    printed = set()
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        printed |= media_urls(response.content.decode())
    kinds = {url.split("/")[3] for url in printed}
    assert kinds == {lead.media_token, figure.media_token, headshot.media_token}
    assert all(url.startswith("/media/renditions/") for url in printed)
    assert {status(client, url) for url in printed} == {200}


def test_the_admin_shows_staff_every_thumbnail(editor_client):
    photo = PhotoFactory()
    ArticleFactory(lead_photo=photo, status=Article.Status.DRAFT)
    html = editor_client.get("/admin/articles/photo/").content.decode()
    thumbnails = re.findall(r'class="nr-thumb" src="([^"]+)"', html)
    assert thumbnails
    assert {status(editor_client, url) for url in thumbnails} == {200}
    change = editor_client.get(f"/admin/articles/photo/{photo.pk}/change/").content.decode()
    assert (
        status(editor_client, re.search(r'data-focal-picker><img src="([^"]+)"', change)[1]) == 200
    )


# --- moving files made before private names ------------------------------------------------


def old_style_photo() -> Photo:
    """A photo as stored before issue 13: master under its uploaded name, renditions under
    the photo's id."""
    photo = PhotoFactory(renditions=False)
    old_master = default_storage.save("photos/2026/11/minister-leaks.jpg", photo.image.file)
    default_storage.delete(photo.image.name)
    Photo.objects.filter(pk=photo.pk).update(image=old_master)
    photo.refresh_from_db()
    old = f"renditions/{photo.pk}/story-480-0123456789.jpg"
    default_storage.save(old, ContentFile(b"old crop"))
    Photo.objects.filter(pk=photo.pk).update(
        renditions={"key": "0123456789", "story": {"jpg": [[old, 480, 320]], "webp": []}}
    )
    photo.refresh_from_db()
    return photo


def test_rename_photo_files_moves_old_files_to_private_names(client):
    photo = old_style_photo()
    story = ArticleFactory(lead_photo=photo, body=body_with(photo))
    old_master, old_renditions = photo.image.name, imaging.rendition_names(photo.renditions)

    call_command("rename_photo_files")

    photo.refresh_from_db()
    story.refresh_from_db()
    assert photo.image.name.startswith("masters/") and "minister" not in photo.image.name
    assert default_storage.exists(photo.image.name)
    assert not default_storage.exists(old_master)
    assert not any(default_storage.exists(name) for name in old_renditions)
    assert all(
        n.startswith(f"renditions/{photo.media_token}/")
        for n in imaging.rendition_names(photo.renditions)
    )
    assert old_master not in story.body and master(photo) in story.body
    assert f"renditions/{photo.media_token}/full-" in story.body_html
    assert status(client, rendition(photo)) == 200
    assert status(client, rendition(photo, "full")) == 200

    before = (photo.image.name, photo.renditions)
    call_command("rename_photo_files")
    photo.refresh_from_db()
    assert (photo.image.name, photo.renditions) == before


# --- S3 through django-storages ------------------------------------------------------------


def _port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def moto_s3():
    """moto's standalone S3 server, started for these tests and stopped after them."""
    server = shutil.which("moto_server") or str(Path(sys.executable).parent / "moto_server")
    require(Path(server).exists(), "moto[server] is not installed (pip install -e '.[test]')")
    # A port of its own (a fixed one was taken by a moto left over from an ended run).
    moto_port = servers.port()
    process = subprocess.Popen(
        [server, "-H", "127.0.0.1", "-p", str(moto_port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while not _port_open(moto_port):  # waiting for a process to listen: no clock to move
            assert process.poll() is None and time.monotonic() < deadline, "moto did not start"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{moto_port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def s3_media(moto_s3, settings):
    import boto3

    options = {
        "bucket_name": "newsroom-media",
        "endpoint_url": moto_s3,
        "access_key": "testing",
        "secret_key": "testing",
        "region_name": "us-east-1",
    }
    bucket = boto3.resource(
        "s3",
        endpoint_url=moto_s3,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    ).Bucket("newsroom-media")
    bucket.create()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options},
    }
    yield bucket
    bucket.objects.all().delete()
    bucket.delete()


def test_on_s3_readers_get_public_renditions_and_nothing_else(client, s3_media):
    photo, hidden = PhotoFactory(), PhotoFactory()
    ArticleFactory(lead_photo=photo)
    ArticleFactory(lead_photo=hidden, publish_at=timezone.now() + timedelta(hours=1))
    keys = {o.key for o in s3_media.objects.all()}
    assert photo.image.name in keys and imaging.rendition_names(photo.renditions) <= keys

    name = photo.renditions["story"]["jpg"][-1][0]
    response = client.get(media_url(name))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == s3_media.Object(name).get()["Body"].read()
    assert status(client, master(photo)) == 404
    assert status(client, rendition(hidden)) == 404
    html = client.get("/").content.decode()
    assert "newsroom-media" not in html and "X-Amz" not in html  # no bucket URL in pages


@pytest.mark.parametrize(
    "options", [{"default_acl": "public-read"}, {"object_parameters": {"ACL": "public-read"}}]
)
def test_a_public_bucket_acl_stops_the_server_from_starting(settings, options):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {"bucket_name": "newsroom-media", **options},
        },
    }
    assert [error.id for error in media_storage_is_private()] == ["newsroom.E101"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {"bucket_name": "newsroom-media", "default_acl": "private"},
        },
    }
    assert media_storage_is_private() == []


def test_on_s3_every_object_is_private(client, s3_media):
    photo = PhotoFactory()
    ArticleFactory(lead_photo=photo)
    for obj in s3_media.objects.all():
        grants = obj.Object().Acl().grants
        assert not [g for g in grants if "AllUsers" in str(g["Grantee"].get("URI", ""))], obj.key


def test_on_s3_staff_see_masters_of_unpublished_photos(editor_client, s3_media):
    photo = PhotoFactory()
    ArticleFactory(lead_photo=photo, status=Article.Status.DRAFT)
    response = editor_client.get(master(photo))
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"  # a JPEG


def test_on_s3_old_files_move_to_private_names(client, s3_media):
    photo = old_style_photo()
    ArticleFactory(lead_photo=photo)
    call_command("rename_photo_files")
    photo.refresh_from_db()
    keys = {o.key for o in s3_media.objects.all()}
    assert keys == {photo.image.name, *imaging.rendition_names(photo.renditions)}
    assert status(client, rendition(photo)) == 200
