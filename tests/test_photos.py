"""The photo library: safe uploads, clean files, credits and rights, focal-point renditions."""

import io
import os
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from PIL import ExifTags, Image

from articles import imaging, workflow
from articles.models import Article, Photo
from tests.factories import ArticleFactory, AuthorFactory, PhotoFactory

pytestmark = pytest.mark.django_db


def encode(fmt="JPEG", size=(600, 400), colour="navy", **options) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, fmt, **options)
    return buffer.getvalue()


def with_iptc(jpeg: bytes, **fields) -> bytes:
    """A JPEG carrying an IPTC block (credit 2:110, caption 2:120) in a Photoshop APP13."""
    numbers = {"credit": 110, "caption": 120, "creator": 80, "source": 115}
    iptc = b"".join(
        b"\x1c\x02" + bytes([numbers[k]]) + len(v.encode()).to_bytes(2, "big") + v.encode()
        for k, v in fields.items()
    )
    resource = b"8BIM\x04\x04\x00\x00" + len(iptc).to_bytes(4, "big") + iptc
    resource += b"\x00" * (len(iptc) % 2)
    app13 = b"Photoshop 3.0\x00" + resource
    return jpeg[:2] + b"\xff\xed" + (len(app13) + 2).to_bytes(2, "big") + app13 + jpeg[2:]


def upload(client, data: bytes, name="photo.jpg", **fields):
    form = {
        "image": SimpleUploadedFile(name, data),
        "caption": "A fab.",
        "alt_text": "A factory at night",
        "credit_kind": "photo",
        "credit": "Jane Roe/Newsroom",
        "source": "",
        "focal_x": "0.5",
        "focal_y": "0.5",
        "licence": "staff",
        **fields,
    }
    return client.post("/admin/articles/photo/add/", form)


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.parametrize(
    ("fmt", "extension"), [("JPEG", "jpg"), ("PNG", "png"), ("WEBP", "webp"), ("AVIF", "avif")]
)
def test_every_accepted_format_is_stored_with_renditions(editor_client, fmt, extension):
    response = upload(editor_client, encode(fmt), name=f"fab.{extension}")
    assert response.status_code == 302, response.context["adminform"].form.errors
    photo = Photo.objects.get()
    assert photo.image.name.endswith(f".{extension}") and (photo.width, photo.height) == (600, 400)
    assert set(photo.renditions) == {"key", "story", "card", "square", "full"}
    for name in imaging.rendition_names(photo.renditions):
        assert default_storage.exists(name)


def svg() -> bytes:
    return b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def truncated() -> bytes:
    return encode(size=(800, 600))[:1500]


REFUSALS = [
    ("svg", svg, "not an image we can read"),
    ("gif", lambda: encode("GIF"), "GIF files are not accepted"),
    ("text", lambda: b"hello, I am not a picture", "not an image we can read"),
    ("truncated", truncated, "damaged or incomplete"),
]


@pytest.mark.parametrize(("label", "make", "message"), REFUSALS)
def test_bad_files_are_refused_with_a_clear_error_and_nothing_stored(
    editor_client, settings, label, make, message
):
    response = upload(editor_client, make(), name=f"file.{label}")
    assert response.status_code == 200
    assert message in str(response.context["adminform"].form.errors["image"])
    assert not Photo.objects.exists() and stored_files(settings) == []


def test_files_over_the_size_limit_are_refused(editor_client, settings):
    settings.NEWSROOM_PHOTO_MAX_MB = 1
    noise = Image.frombytes("RGB", (1000, 1000), os.urandom(3_000_000))
    buffer = io.BytesIO()
    noise.save(buffer, "PNG")
    assert len(buffer.getvalue()) > 1024 * 1024
    response = upload(editor_client, buffer.getvalue(), name="big.png")
    assert "photos may be at most 1 MB" in str(response.context["adminform"].form.errors["image"])
    assert stored_files(settings) == []


def test_images_over_the_pixel_limit_are_refused(editor_client, settings):
    settings.NEWSROOM_PHOTO_MAX_PIXELS = 100_000
    response = upload(editor_client, encode(size=(500, 400)))
    error = str(response.context["adminform"].form.errors["image"])
    assert "500 × 400 pixels, more than the 0.1 megapixels allowed" in error
    assert stored_files(settings) == []


def test_decompression_bombs_are_refused(editor_client, settings):
    settings.NEWSROOM_PHOTO_MAX_PIXELS = 10**10  # let Pillow's own bomb guard speak
    buffer = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(buffer, "PNG")
    response = upload(editor_client, buffer.getvalue(), name="bomb.png")
    assert "refused as unsafe" in str(response.context["adminform"].form.errors["image"])
    assert stored_files(settings) == []


def exif_jpeg(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "Camera Maker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 22.0, 12.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (4.0, 53.0, 30.0)
    image = Image.new("RGB", (600, 300), "white")
    image.paste((200, 0, 0), (0, 0, 100, 300))  # a red band on the left edge
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def test_exif_orientation_is_applied_and_every_file_is_stripped_of_gps(editor_client):
    data = exif_jpeg(orientation=6)  # stored sideways: the camera was turned
    with Image.open(io.BytesIO(data)) as original:
        assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert upload(editor_client, data).status_code == 302
    photo = Photo.objects.get()
    assert (photo.width, photo.height) == (300, 600)  # upright now
    names = [photo.image.name, *imaging.rendition_names(photo.renditions)]
    for name in names:
        with default_storage.open(name) as file, Image.open(file) as image:
            exif = image.getexif()
            assert not exif.get_ifd(ExifTags.IFD.GPSInfo), name
            assert ExifTags.Base.Make not in exif and ExifTags.Base.Orientation not in exif, name
            assert "xmp" not in image.info and "photoshop" not in image.info, name
    with default_storage.open(photo.image.name) as file, Image.open(file) as master:
        assert master.getpixel((150, 5))[0] > 150  # the red band is now along the top


def test_iptc_credit_and_caption_fill_in_what_the_editor_left_empty(editor_client):
    data = with_iptc(encode(), credit="VCG/Getty Images", caption="Workers at the new fab.")
    response = upload(editor_client, data, credit="", caption="")
    assert response.status_code == 302
    photo = Photo.objects.get()
    assert (photo.credit, photo.caption) == ("VCG/Getty Images", "Workers at the new fab.")


def test_xmp_credit_is_read_too_and_what_the_editor_typed_wins(editor_client):
    xmp = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" photoshop:Credit="Reuters">'
        '<dc:description><rdf:Alt><rdf:li xml:lang="x-default">Chips on a wafer.</rdf:li></rdf:Alt>'
        "</dc:description></rdf:Description></rdf:RDF></x:xmpmeta>"
    )
    data = encode(xmp=xmp.encode())
    assert upload(editor_client, data, credit="", caption="Our own caption").status_code == 302
    photo = Photo.objects.get()
    assert (photo.credit, photo.caption) == ("Reuters", "Our own caption")


def test_without_a_credit_anywhere_the_upload_is_refused(editor_client, settings):
    response = upload(editor_client, encode(), credit="")
    assert "the file carries none" in str(response.context["adminform"].form.errors["credit"])
    assert stored_files(settings) == []


@given(
    width=st.integers(50, 4000),
    height=st.integers(50, 4000),
    ratio=st.sampled_from([1.0, 3 / 2, 16 / 9, 2 / 3]),
    fx=st.floats(0, 1),
    fy=st.floats(0, 1),
)
def test_a_crop_is_the_right_shape_and_keeps_the_focal_point(width, height, ratio, fx, fy):
    left, top, right, bottom = imaging.crop_box(width, height, ratio, fx, fy)
    assert 0 <= left < right <= width and 0 <= top < bottom <= height
    assert (
        abs((right - left) / (bottom - top) - ratio) < 0.05 or min(right - left, bottom - top) < 40
    )
    assert left <= fx * width <= right and top <= fy * height <= bottom


def test_square_renditions_keep_a_focal_point_near_the_edge():
    image = Image.new("RGB", (1200, 400), "white")
    image.paste((255, 0, 0), (1100, 180, 1140, 220))  # the subject, far right
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    photo = PhotoFactory(
        image__from_file=io.BytesIO(buffer.getvalue()), focal_x=1120 / 1200, focal_y=0.5
    )
    name = photo.renditions["square"]["jpg"][-1][0]
    with default_storage.open(name) as file, Image.open(file) as square:
        reds = [
            (x, y)
            for x in range(0, square.width, 4)
            for y in range(0, square.height, 4)
            if square.getpixel((x, y))[0] > 200 and square.getpixel((x, y))[1] < 80
        ]
    assert reds, "the focal point fell outside the square crop"


def test_renditions_are_made_once_per_photo_and_size():
    photo = PhotoFactory()
    with mock.patch.object(default_storage, "save", wraps=default_storage.save) as save:
        assert imaging.make_renditions(photo) == photo.renditions
    assert save.call_count == 0
    photo.focal_x = 0.2
    with mock.patch.object(default_storage, "save", wraps=default_storage.save) as save:
        imaging.refresh_renditions(photo)
    expected = sum(
        len(entries)
        for kind, formats in photo.renditions.items()
        if kind != "key"
        for entries in formats.values()
    )
    assert expected >= 2 * sum(len(f["jpg"]) for k, f in photo.renditions.items() if k != "key")
    assert save.call_count == expected
    names = {call.args[0] for call in save.call_args_list}
    assert len(names) == expected  # each file written exactly once


def test_moving_the_focal_point_removes_the_old_crops():
    photo = PhotoFactory()
    old = imaging.rendition_names(photo.renditions)
    photo.focal_x = 0.1
    imaging.refresh_renditions(photo)
    assert not any(
        default_storage.exists(name) for name in old - imaging.rendition_names(photo.renditions)
    )


def test_a_storage_failure_half_way_leaves_no_files_and_no_photo(editor_client, settings):
    real_save = default_storage.save
    calls = {"n": 0}

    def failing_save(name, content, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 6:
            raise OSError(28, "No space left on device")
        return real_save(name, content, *args, **kwargs)

    with mock.patch.object(default_storage, "save", side_effect=failing_save):
        response = upload(editor_client, encode())
    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("could not be stored" in m and "No space left" in m for m in messages)
    assert not Photo.objects.exists()
    assert stored_files(settings) == []  # neither renditions nor the master


def test_pages_use_picture_with_srcset_sizes_dimensions_and_loading_hints(client):
    photo = PhotoFactory()
    ArticleFactory(lead_photo=photo, publish_at=timezone.now() - timedelta(hours=2))
    lead = ArticleFactory(lead_photo=photo, publish_at=timezone.now() - timedelta(hours=1))
    home = client.get("/").text
    assert home.count("<picture>") == 2
    assert 'sizes="(min-width: 48rem) 16rem, 100vw"' in home  # the card
    assert home.count('loading="eager" fetchpriority="high"') == 1  # the lead story only
    assert 'loading="lazy"' in home
    story = client.get(lead.get_absolute_url()).text
    assert 'loading="eager" fetchpriority="high"' in story and '<source type="image/webp"' in story


def test_an_expired_photo_is_never_shown_and_the_story_still_reads(client):
    photo = PhotoFactory(rights_expire_on=timezone.localdate() - timedelta(days=1))
    story = ArticleFactory(
        lead_photo=photo,
        body=f'<p>Words.</p><figure><img src="{photo.image.url}" alt=""></figure>'
        "<p>More words.</p>",
        authors=[AuthorFactory(headshot=photo)],
    )
    for url in ("/", story.get_absolute_url(), story.bylines.get().author.get_absolute_url()):
        html = client.get(url).text
        assert "renditions/" not in html and photo.image.url not in html, url
        assert photo.credit_line not in html, url
    page = client.get(story.get_absolute_url()).text
    assert "Words." in page and "More words." in page
    # Shared with the story's card instead (tests/test_share_cards.py).
    assert '<meta property="og:image" content="http://testserver/media/sharecards/' in page


def test_a_photo_expiring_today_is_still_shown(client):
    photo = PhotoFactory(rights_expire_on=timezone.localdate())
    story = ArticleFactory(lead_photo=photo)
    assert photo.credit_line in client.get(story.get_absolute_url()).text
    assert Photo.objects.usable().filter(pk=photo.pk).exists() and photo.is_usable


def test_publishing_is_refused_with_an_expired_lead_photo(editor):
    photo = PhotoFactory(rights_expire_on=timezone.localdate() - timedelta(days=3))
    story = ArticleFactory(
        status=Article.Status.DRAFT, publish_at=None, lead_photo=photo, authors=[AuthorFactory()]
    )
    with pytest.raises(Exception, match="rights expired"):
        workflow.publish(article=story, by=editor)


def test_publishing_is_refused_while_the_lead_photo_lacks_alt_text_or_credit(editor):
    photo = PhotoFactory()
    story = ArticleFactory(
        status=Article.Status.DRAFT, publish_at=None, lead_photo=photo, authors=[AuthorFactory()]
    )
    with pytest.raises(IntegrityError), transaction.atomic():  # the database refuses it
        Photo.objects.filter(pk=photo.pk).update(alt_text="")
    story.lead_photo.alt_text = ""
    with pytest.raises(Exception, match="needs alt text and a credit"):
        workflow.publish(article=story, by=editor)


def test_the_library_filters_by_rights_and_shows_where_a_photo_is_used(editor_client):
    today = timezone.localdate()
    expired = PhotoFactory(caption="Old agency shot", rights_expire_on=today - timedelta(days=1))
    soon = PhotoFactory(caption="Expires soon", rights_expire_on=today + timedelta(days=10))
    PhotoFactory(caption="Expires later", rights_expire_on=today + timedelta(days=90))
    PhotoFactory(caption="Ours for ever")

    def listed(query):
        changelist = editor_client.get(f"/admin/articles/photo/?{query}").context["cl"]
        return {p.caption for p in changelist.result_list}

    assert listed("rights=expired") == {expired.caption}
    assert listed("rights=expiring") == {soon.caption}
    assert listed("q=Getty") >= {expired.caption, soon.caption}
    story = ArticleFactory(headline="Story with the shot", lead_photo=expired)
    page = editor_client.get(f"/admin/articles/photo/{expired.pk}/change/").text
    assert "Story with the shot" in page and f"/admin/articles/article/{story.pk}/change/" in page
    assert "data-focal-picker" in page


def test_a_creative_commons_photo_needs_its_variant(editor_client):
    response = upload(editor_client, encode(), licence="cc", cc_variant="")
    assert "Say which Creative Commons licence applies." in response.text


def test_a_new_credit_reaches_photos_inside_story_bodies(editor_client, client):
    photo = PhotoFactory(credit="Old Agency")
    story = ArticleFactory(
        body=f'<p>Intro.</p><figure><img src="{photo.image.url}" alt=""></figure>'
    )
    assert "Photo: Old Agency" in client.get(story.get_absolute_url()).text
    response = editor_client.post(
        f"/admin/articles/photo/{photo.pk}/change/",
        {
            "caption": photo.caption,
            "alt_text": photo.alt_text,
            "credit_kind": "photo",
            "credit": "New Agency",
            "source": "",
            "focal_x": "0.5",
            "focal_y": "0.5",
            "licence": "agency",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    page = client.get(story.get_absolute_url()).text
    assert "Photo: New Agency" in page and "Old Agency" not in page


def test_a_new_credit_reaches_photos_inside_live_update_bodies(editor, editor_client, client):
    from articles import live
    from articles.models import Article
    from tests.factories import AuthorFactory

    photo = PhotoFactory(credit="Old Agency")
    story = ArticleFactory(story_type=Article.StoryType.LIVE, body="<p>Leaders meet.</p>")
    live.add_update(
        story=story,
        by=editor,
        author=AuthorFactory(),
        body=f'<p>Now.</p><figure><img src="{photo.image.url}" alt=""></figure>',
    )
    assert "Photo: Old Agency" in client.get(story.get_absolute_url()).text
    response = editor_client.post(
        f"/admin/articles/photo/{photo.pk}/change/",
        {
            "caption": photo.caption,
            "alt_text": photo.alt_text,
            "credit_kind": "photo",
            "credit": "New Agency",
            "source": "",
            "focal_x": "0.5",
            "focal_y": "0.5",
            "licence": "agency",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    page = client.get(story.get_absolute_url()).text
    assert "Photo: New Agency" in page and "Old Agency" not in page
