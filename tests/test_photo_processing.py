"""Decoding uploads safely: bombs within a stated memory and time budget, odd shapes,
metadata stripped to the colour profile, camera MPO files, nothing left behind on failure."""

import io
import json
import math
import os
import resource
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image, ImageCms, PngImagePlugin

from articles import imaging
from articles.models import Photo
from tests.test_photos import encode, stored_files, upload, with_iptc

pytestmark = pytest.mark.django_db


def png(size, mode="RGB", colour="navy") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def bomb() -> bytes:
    """The attack's file: 7680 × 7680 of one colour, 59 megapixels in about 170 KB."""
    return png((7680, 7680))


def largest_allowed(fmt: str, settings) -> bytes:
    side = math.isqrt(settings.NEWSROOM_PHOTO_MAX_PIXELS)
    if fmt == "PNG":
        return png((side, side), mode="RGBA")
    buffer = io.BytesIO()
    # Progressive 4:4:4 is the JPEG that costs the decoder most: it keeps every coefficient.
    Image.new("RGB", (side, side), "teal").save(
        buffer, "JPEG", progressive=True, subsampling=0, quality=95
    )
    return buffer.getvalue()


def peak_memory_of_processing(data: bytes, name: str) -> dict:
    """Run the whole upload path (decode, master, renditions) in a forked copy of this process
    and measure what it costs: the copy's own growth, and the peak of each decoding process
    (which reads its own from /proc, as getrusage would count the copy it was forked from)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the copy: no database, only files under MEDIA_ROOT; it never returns
        report = {"workers": []}
        try:
            os.close(read)
            real_run = getattr(imaging, "_run_worker", None)

            def measured_run(job, data, **limits):
                answer, files = real_run(job, data, **limits)
                report["workers"].append(answer["peak"])
                return answer, files

            start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            with mock.patch.object(imaging, "_run_worker", measured_run, create=True):
                file = SimpleUploadedFile(name, data)
                found = imaging.inspect_upload(file)
                master = imaging.clean_master(file, found)
                stored = default_storage.save(f"photos/{master.name}", master)
                photo = Photo(pk=1, image=stored, focal_x=0.5, focal_y=0.5)
                manifest = imaging.make_renditions(photo)
            report["renditions"] = len(imaging.rendition_names(manifest))
            report["self_mb"] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - start) / 1024
        except BaseException as error:  # noqa: BLE001 - reported to the test, whatever it is
            report["error"] = repr(error)
        finally:
            with os.fdopen(write, "w") as out:
                json.dump(report, out)
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        report = json.load(pipe)
    os.waitpid(pid, 0)
    return report


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_the_largest_allowed_image_is_processed_within_the_stated_memory_budget(settings, fmt):
    report = peak_memory_of_processing(largest_allowed(fmt, settings), f"big.{fmt.lower()}")
    assert "error" not in report, report
    # The web worker itself only holds the files (25 MB at most) and the renditions made;
    # each decoding process stays within the budget, by address space, which is what the
    # kernel holds it to, and so by resident memory too.
    assert report["self_mb"] < 64, report
    # One run for the master, one for WebP and JPEG, one for AVIF where it is made.
    runs = 2 + ("avif" in imaging.rendition_formats())
    assert report["renditions"] > 0 and len(report["workers"]) == runs
    for peak in report["workers"]:
        assert peak["VmHWM"] <= peak["VmPeak"] <= settings.NEWSROOM_PHOTO_MEMORY_MB, report


def test_a_decompression_bomb_under_the_pixel_limit_becomes_a_modest_master(editor_client):
    response = upload(editor_client, bomb(), name="bomb.png")
    assert response.status_code == 302, response.context["adminform"].form.errors
    photo = Photo.objects.get()
    assert max(photo.width, photo.height) == imaging.MASTER_MAX_SIDE
    assert all(default_storage.exists(n) for n in imaging.rendition_names(photo.renditions))


def test_an_image_that_needs_more_memory_than_the_budget_is_refused_cleanly(
    editor_client, settings
):
    settings.NEWSROOM_PHOTO_MEMORY_MB = 100  # less than 7680 × 7680 pixels need
    response = upload(editor_client, bomb(), name="bomb.png")
    assert response.status_code == 200
    error = str(response.context["adminform"].form.errors["image"])
    assert "more memory than the 100 MB allowed" in error
    assert not Photo.objects.exists() and stored_files(settings) == []


def test_an_image_that_takes_longer_than_the_time_limit_is_refused_cleanly(editor_client, settings):
    settings.NEWSROOM_PHOTO_SECONDS = 0.001  # no decoding can be that quick
    response = upload(editor_client, encode(), name="photo.jpg")
    assert response.status_code == 200
    error = str(response.context["adminform"].form.errors["image"])
    assert "took longer than the 0.001 seconds allowed" in error
    assert not Photo.objects.exists() and stored_files(settings) == []


@pytest.mark.parametrize("size", [(3000, 1), (1, 3000), (1, 1), (5, 2)])
def test_degenerate_shapes_get_renditions_without_error(editor_client, size):
    response = upload(editor_client, png(size), name="line.png")
    assert response.status_code == 302, response.context["adminform"].form.errors
    photo = Photo.objects.get()
    assert (photo.width, photo.height) == size
    for _kind, _format, name, width, height in imaging.renditions(photo.renditions):
        with default_storage.open(name) as file, Image.open(file) as image:
            assert image.size == (width, height) and width >= 1 and height >= 1


def test_a_failure_while_making_renditions_leaves_no_file_and_no_photo(editor_client, settings):
    real_run = imaging._run_worker
    calls = []

    def killed_on_the_renditions(job, data, **limits):
        calls.append(job["task"])
        if job["task"] == "renditions":
            raise imaging.ProcessingRefused("memory")  # as if the process hit its ceiling
        return real_run(job, data, **limits)

    with mock.patch.object(imaging, "_run_worker", side_effect=killed_on_the_renditions):
        response = upload(editor_client, encode())
    assert calls == ["master", "renditions"]
    assert response.status_code == 302  # back to the form, with a message
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any(
        "could not be stored (The image needs more memory than the" in m for m in messages
    ), messages
    assert not Photo.objects.exists() and stored_files(settings) == []


SECRETS = [b"secret-comment-52.3702N", b"SecretCam", b"secret-xmp-body", b"secret-iptc"]


# Made once: a profile carries the time it was made.
SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def full_of_metadata(fmt: str) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SecretCam"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 22.0, 12.0)
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">secret-xmp-body</x:xmpmeta>'
    options = {"exif": exif, "xmp": xmp, "icc_profile": SRGB}
    if fmt == "JPEG":
        data = encode("JPEG", comment=b"secret-comment-52.3702N", **options)
        return with_iptc(data, caption="secret-iptc")
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "secret-comment-52.3702N")
    text.add_itxt("XML:com.adobe.xmp", xmp.decode())
    del options["xmp"]
    return encode("PNG", pnginfo=text, **options)


@pytest.mark.parametrize(("fmt", "name"), [("JPEG", "gps.jpg"), ("PNG", "gps.png")])
def test_every_stored_file_keeps_the_colour_profile_and_no_other_metadata(
    editor_client, settings, fmt, name
):
    data = full_of_metadata(fmt)
    assert b"SecretCam" in data and b"secret-xmp-body" in data
    assert upload(editor_client, data, name=name).status_code == 302
    files = stored_files(settings)
    assert len(files) > 1  # the master and its renditions
    for path in files:
        raw = path.read_bytes()
        for secret in SECRETS:
            assert secret not in raw, (path.name, secret)
        assert b"Exif\x00\x00" not in raw and b"eXIf" not in raw, path.name
        assert b"http://ns.adobe.com/xap/1.0/" not in raw and b"8BIM" not in raw, path.name
        with Image.open(path) as image:
            assert image.info.get("icc_profile") == SRGB, path.name
            assert "comment" not in image.info and not image.getexif(), path.name


def mpo(first="red", second="blue") -> bytes:
    buffer = io.BytesIO()
    left, right = Image.new("RGB", (600, 400), first), Image.new("RGB", (600, 400), second)
    left.save(buffer, format="MPO", save_all=True, append_images=[right])
    return buffer.getvalue()


def test_camera_mpo_files_are_accepted_and_their_first_frame_kept(editor_client):
    data = mpo()
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "MPO" and image.n_frames == 2
    response = upload(editor_client, data, name="IMG_0001.jpg")
    assert response.status_code == 302, response.context["adminform"].form.errors
    photo = Photo.objects.get()
    assert photo.image.name.endswith(".jpg")
    with default_storage.open(photo.image.name) as file, Image.open(file) as master:
        assert master.format == "JPEG" and getattr(master, "n_frames", 1) == 1
        red, green, blue = master.getpixel((300, 200))
        assert red > 200 and blue < 60
