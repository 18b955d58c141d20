"""Photo files: validating uploads by decoding them, cleaning the master, making renditions.

Everything here works through Django's storage API, so local disk and S3 behave the same.
Renditions are made once per photo, size and format when a photo is saved (or its focal
point moves); pages only read the manifest stored on the photo.

No pixel is decoded in the web worker. The header is read here (size and format, which
Pillow gives without decoding); the decoding runs in articles/imaging_worker.py, a process
of its own held to NEWSROOM_PHOTO_MEMORY_MB of address space and NEWSROOM_PHOTO_SECONDS of
time. A decompression bomb costs that process, never the worker serving the request: the
worst file allowed (NEWSROOM_PHOTO_MAX_PIXELS) fits the budget, a test measures it, and the
operator's guide gives the numbers.
"""

import hashlib
import io
import json
import logging
import math
import re
import signal
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError, features

from articles.imaging_worker import ACCEPTED, crop_box  # noqa: F401 - crop_box is ours too
from articles.models.photos import rendition_folder

logger = logging.getLogger(__name__)

ACCEPTED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "AVIF": "avif"}

# name: (aspect ratio as width/height, widths). Cards and stories share a 3:2 frame in
# different sizes; headshots are square.
RENDITIONS = {
    "story": (3 / 2, (480, 800, 1200, 1600)),
    "card": (3 / 2, (320, 480, 640)),
    "square": (1.0, (96, 192, 320)),
    "full": (None, (640, 1024, 1600)),  # uncropped, for photos inside a story's body
}
# Every rendition in each format, best first: pages offer them in this order (<source>s, then
# the JPEG <img>). AVIF's quality 55 at speed 8 matches WebP's 80 in PSNR on the demo photos
# at about a fifth of its encoding time per setting step below; `manage.py rendition_sizes`
# measures the bytes. Speed 8 keeps a photo's renditions within NEWSROOM_PHOTO_SECONDS.
AVIF = ("AVIF", {"quality": 55, "speed": 8})
FORMATS = {"webp": ("WEBP", {"quality": 80, "method": 4}), "jpg": ("JPEG", {"quality": 82})}


def rendition_formats() -> dict:
    """The formats renditions are made in: AVIF too where this Pillow can write it and the
    operator has not turned it off (PHOTO_AVIF=0)."""
    if settings.NEWSROOM_PHOTO_AVIF and features.check("avif"):
        return {"avif": AVIF, **FORMATS}
    return FORMATS


# The stored master is at most this many pixels on its longer side: twice the widest
# rendition, so a crop around any focal point of a picture up to 3:1 still fills 1600 pixels.
# Nothing shows more. Keeping the camera's 60 megapixels would make every later focal-point
# change decode them again.
MASTER_MAX_SIDE = 3200

WORKER = Path(__file__).with_name("imaging_worker.py")


@dataclass
class Upload:
    format: str
    width: int
    height: int
    credit: dict = field(default_factory=dict)
    master: bytes = b""


class ProcessingRefused(Exception):
    """The decoding process said no, ran out of memory or time, or died."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code, self.params = code, params


def _run_worker(job: dict, data: bytes, *, seconds=None) -> tuple[dict, list[bytes]]:
    """Run one task of imaging_worker.py on ``data``; its answer and the files it made.
    ``seconds`` (at most NEWSROOM_PHOTO_SECONDS) is its limit of time."""
    seconds = seconds or settings.NEWSROOM_PHOTO_SECONDS
    job = {
        **job,
        "memory_bytes": settings.NEWSROOM_PHOTO_MEMORY_MB * 1024 * 1024,
        "cpu_seconds": max(1, math.ceil(seconds)),
        "max_pixels": settings.NEWSROOM_PHOTO_MAX_PIXELS,
    }
    try:
        done = subprocess.run(
            [sys.executable, "-I", str(WORKER), json.dumps(job)],
            input=data,
            capture_output=True,
            timeout=seconds,
            # Two malloc arenas, not one per thread: each reserves 64 MB of address space.
            env={"MALLOC_ARENA_MAX": "2", "LC_ALL": "C.UTF-8"},
            check=False,
        )
    except subprocess.TimeoutExpired:  # run() has killed it
        raise ProcessingRefused("too_slow") from None
    line, _newline, body = done.stdout.partition(b"\n")
    try:
        answer = json.loads(line)
    except ValueError:
        # No answer: killed at the CPU limit, or a decoder crashed outright on the file.
        logger.warning(
            "Image worker gave no answer (exit %s): %s",
            done.returncode,
            done.stderr[-500:].decode(errors="replace"),
        )
        slow = done.returncode in (-signal.SIGXCPU, -signal.SIGKILL)
        raise ProcessingRefused("too_slow" if slow else "damaged") from None
    if "error" in answer:
        raise ProcessingRefused(answer["error"], **answer.get("params", {}))
    files, offset = [], 0
    for size in answer["sizes"]:
        files.append(body[offset : offset + size])
        offset += size
    return answer, files


def _refusal(refused: ProcessingRefused) -> ValidationError:
    """What the editor reads when the decoding process refuses a file."""
    code, params = refused.code, refused.params
    if code == "format":
        return ValidationError(
            _("%(format)s files are not accepted; upload a JPEG, PNG, WebP or AVIF."),
            params={"format": params.get("format") or _("These")},
            code="format",
        )
    if code == "too_many_pixels":
        return ValidationError(
            _("The image is %(w)d × %(h)d pixels, more than the %(mp)s megapixels allowed."),
            params={**params, "mp": f"{settings.NEWSROOM_PHOTO_MAX_PIXELS / 10**6:g}"},
            code=code,
        )
    if code == "memory":
        return ValidationError(
            _(
                "The image needs more memory than the %(mb)d MB allowed to process; "
                "export it smaller and re-upload."
            ),
            params={"mb": settings.NEWSROOM_PHOTO_MEMORY_MB},
            code=code,
        )
    if code == "too_slow":
        return ValidationError(
            _(
                "The image took longer than the %(s)s seconds allowed to process; "
                "export it smaller and re-upload."
            ),
            params={"s": f"{settings.NEWSROOM_PHOTO_SECONDS:g}"},
            code=code,
        )
    if code == "not_an_image":
        return ValidationError(
            _("This file is not an image we can read; upload a JPEG, PNG, WebP or AVIF."),
            code=code,
        )
    return ValidationError(
        _("The image file is damaged or incomplete; export it again and re-upload."),
        code="damaged",
    )


def inspect_upload(file) -> Upload:
    """Refuse anything but a sound JPEG (or camera MPO), PNG, WebP or AVIF of allowed size,
    and make the master to store: upright, at most MASTER_MAX_SIDE, metadata gone.

    The size and format come from the header, read here without decoding, so an oversized
    file is refused at once; the decoding itself happens in the worker process.
    """
    limit = settings.NEWSROOM_PHOTO_MAX_MB * 1024 * 1024
    if file.size > limit:
        raise ValidationError(
            _("The file is %(size).1f MB; photos may be at most %(limit)d MB."),
            params={"size": file.size / 1024 / 1024, "limit": settings.NEWSROOM_PHOTO_MAX_MB},
            code="too_large",
        )
    file.seek(0)
    data = file.read()
    file.seek(0)
    try:
        _check_header(data)
        answer, (master,) = _run_worker({"task": "master", "longest": MASTER_MAX_SIDE}, data)
    except ProcessingRefused as refused:
        raise _refusal(refused) from None
    return Upload(
        format=answer["format"],
        width=answer["width"],
        height=answer["height"],
        credit=answer["credit"],
        master=master,
    )


def _check_header(data: bytes) -> None:
    """Format and size from the header alone (``Image.open`` decodes nothing)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                image_format, (width, height) = probe.format, probe.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            _("The image claims a huge size and was refused as unsafe."), code="bomb"
        ) from None
    except UnidentifiedImageError:
        raise ProcessingRefused("not_an_image") from None
    except (OSError, SyntaxError, ValueError):
        raise ProcessingRefused("damaged") from None
    if image_format not in ACCEPTED:
        raise ProcessingRefused("format", format=image_format or "")
    if width * height > settings.NEWSROOM_PHOTO_MAX_PIXELS:
        raise ProcessingRefused("too_many_pixels", w=width, h=height)


def clean_master(file, upload: Upload) -> ContentFile:
    """The file we keep: the master inspect_upload made, named after the upload."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", file.name.rsplit("/", 1)[-1]).strip("-") or "photo"
    stem = name.rsplit(".", 1)[0]
    return ContentFile(upload.master, name=f"{stem}.{ACCEPTED_FORMATS[upload.format]}")


def _key(photo) -> str:
    """Changes with the file and the focal point, so a CDN never serves a stale crop."""
    raw = f"{photo.image.name}:{photo.focal_x:.4f}:{photo.focal_y:.4f}".encode()
    return hashlib.sha1(raw, usedforsecurity=False).hexdigest()[:10]


def make_renditions(photo, *, storage=default_storage) -> dict:
    """Write every rendition the photo lacks and return the manifest for ``photo.renditions``.

    The pictures are all made first, in the worker process, and only then is anything
    written. WebP and JPEG come from one decoding of the master; AVIF, which is slower to
    encode, from a second run with its own time limit. If AVIF is refused (too slow for the
    limit) the photo goes on without it: WebP and JPEG are what every browser needs.
    Existing files are reused, so calling this twice makes nothing new. If writing fails
    half-way, the files written by this call are removed before the error goes on.
    """
    key = _key(photo)
    formats = rendition_formats()
    manifest = {"key": key, **{kind: {ext: [] for ext in formats} for kind in RENDITIONS}}
    entries = {}
    with photo.image.open("rb") as source:
        data = source.read()
    # Both runs together take at most NEWSROOM_PHOTO_SECONDS, as one run did before AVIF:
    # with the master's run, a request is held at most twice that, under gunicorn's timeout.
    budget = settings.NEWSROOM_PHOTO_SECONDS
    for group in (set(formats) - {"avif"}, {"avif"} & set(formats)):
        if not group:
            continue
        started = time.monotonic()
        try:
            if budget < 0.5:
                raise ProcessingRefused("too_slow")
            made = _render(
                photo, data, {ext: formats[ext] for ext in formats if ext in group}, budget
            )
        except ProcessingRefused as refused:
            if group == {"avif"}:
                logger.warning("Photo %s: no AVIF renditions (%s)", photo.pk, refused.code)
                for kind in RENDITIONS:
                    del manifest[kind]["avif"]
                continue
            raise _refusal(refused) from None
        budget -= time.monotonic() - started
        for kind, extension, width, height, content in made:
            name = f"{rendition_folder(photo.media_token)}/{kind}-{width}-{key}.{extension}"
            manifest[kind][extension].append([name, width, height])
            entries[name] = content
    written = []
    try:
        for name, content in entries.items():
            if not storage.exists(name):
                storage.save(name, ContentFile(content))
                written.append(name)
    except Exception:
        for name in written:
            storage.delete(name)
        raise
    return manifest


def _render(photo, data: bytes, formats: dict, seconds: float) -> list:
    """One run of the worker: every rendition size in ``formats``, as
    (kind, format, width, height, bytes)."""
    job = {
        "task": "renditions",
        "longest": MASTER_MAX_SIDE,
        "focal_x": photo.focal_x,
        "focal_y": photo.focal_y,
        "renditions": [[kind, ratio, widths] for kind, (ratio, widths) in RENDITIONS.items()],
        "formats": [[ext, fmt, options] for ext, (fmt, options) in formats.items()],
    }
    answer, files = _run_worker(job, data, seconds=seconds)
    return [(*made, content) for made, content in zip(answer["renditions"], files, strict=True)]


def renditions(manifest: dict):
    """Every file a rendition manifest lists, as (kind, format, name, width, height)."""
    for kind, formats in manifest.items():
        if kind == "key":
            continue
        for extension, entries in formats.items():
            for name, width, height in entries:
                yield kind, extension, name, width, height


def rendition_names(manifest: dict) -> set[str]:
    return {name for _kind, _format, name, _width, _height in renditions(manifest)}


def refresh_renditions(photo, *, storage=default_storage) -> None:
    """Bring the photo's renditions up to date and delete the files it no longer uses."""
    old = photo.renditions or {}
    photo.renditions = make_renditions(photo, storage=storage)
    photo.save(update_fields=["renditions"])
    for name in rendition_names(old) - rendition_names(photo.renditions):
        storage.delete(name)
