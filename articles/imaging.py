"""Photo files: validating uploads by decoding them, cleaning the master, making renditions.

Everything here works through Django's storage API, so local disk and S3 behave the same.
Renditions are made once per photo, size and format when a photo is saved (or its focal
point moves); pages only read the manifest stored on the photo.
"""

import hashlib
import io
import re
import warnings
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, IptcImagePlugin, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "AVIF": "avif"}

# name: (aspect ratio as width/height, widths). Cards and stories share a 3:2 frame in
# different sizes; headshots are square.
RENDITIONS = {
    "story": (3 / 2, (480, 800, 1200, 1600)),
    "card": (3 / 2, (320, 480, 640)),
    "square": (1.0, (96, 192, 320)),
    "full": (None, (640, 1024, 1600)),  # uncropped, for photos inside a story's body
}
FORMATS = {"webp": ("WEBP", {"quality": 80, "method": 4}), "jpg": ("JPEG", {"quality": 82})}


@dataclass
class Upload:
    format: str
    width: int
    height: int
    credit: dict = field(default_factory=dict)


def inspect_upload(file) -> Upload:
    """Decode the whole file: refuse anything but a sound JPEG, PNG, WebP or AVIF."""
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
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                image_format = probe.format
                width, height = probe.size
                if image_format not in ACCEPTED_FORMATS:
                    raise ValidationError(
                        _("%(format)s files are not accepted; upload a JPEG, PNG, WebP or AVIF."),
                        params={"format": image_format or _("These")},
                        code="format",
                    )
                if width * height > settings.NEWSROOM_PHOTO_MAX_PIXELS:
                    raise ValidationError(
                        _(
                            "The image is %(w)d × %(h)d pixels, more than the %(mp)s megapixels "
                            "allowed."
                        ),
                        params={
                            "w": width,
                            "h": height,
                            "mp": f"{settings.NEWSROOM_PHOTO_MAX_PIXELS / 10**6:g}",
                        },
                        code="too_many_pixels",
                    )
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()  # decodes every pixel: truncated files fail here
                credit = read_credit(image)
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            _("The image claims a huge size and was refused as unsafe."), code="bomb"
        ) from None
    except UnidentifiedImageError:
        raise ValidationError(
            _("This file is not an image we can read; upload a JPEG, PNG, WebP or AVIF."),
            code="not_an_image",
        ) from None
    except (OSError, SyntaxError, ValueError):
        raise ValidationError(
            _("The image file is damaged or incomplete; export it again and re-upload."),
            code="damaged",
        ) from None
    return Upload(format=image_format, width=width, height=height, credit=credit)


def _text(value) -> str:
    if isinstance(value, list):
        value = b"; ".join(value)
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    return " ".join(str(value).split())


_XMP_FIELDS = {
    "credit": re.compile(r"photoshop:Credit(?:=\"([^\"]*)\"|>([^<]*)<)"),
    "source": re.compile(r"photoshop:Source(?:=\"([^\"]*)\"|>([^<]*)<)"),
    "creator": re.compile(r"<dc:creator>.*?<rdf:li[^>]*>([^<]*)</rdf:li>", re.S),
    "caption": re.compile(r"<dc:description>.*?<rdf:li[^>]*>([^<]*)</rdf:li>", re.S),
}


def read_credit(image: Image.Image) -> dict:
    """Credit, caption, creator and source from the file's IPTC or XMP, where present."""
    found = {}
    xmp = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp") or b""
    if isinstance(xmp, bytes):
        xmp = xmp.decode("utf-8", errors="replace")
    for name, pattern in _XMP_FIELDS.items():
        match = pattern.search(xmp)
        if match:
            value = next((g for g in match.groups() if g), "")
            if value.strip():
                found[name] = _text(value)
    try:
        iptc = IptcImagePlugin.getiptcinfo(image) or {}
    except (OSError, SyntaxError, ValueError):
        iptc = {}
    for name, key in {
        "creator": (2, 80),
        "credit": (2, 110),
        "source": (2, 115),
        "caption": (2, 120),
    }.items():
        if key in iptc and name not in found:
            found[name] = _text(iptc[key])
    return found


def clean_master(file, upload: Upload) -> ContentFile:
    """The file we keep and serve: turned upright, every byte of metadata (GPS first) gone."""
    file.seek(0)
    with Image.open(file) as image:
        image = ImageOps.exif_transpose(image)
        icc = image.info.get("icc_profile")
        buffer = io.BytesIO()
        options = {"icc_profile": icc} if icc else {}
        if upload.format == "JPEG":
            image.convert("RGB").save(buffer, "JPEG", quality=92, optimize=True, **options)
        elif upload.format == "PNG":
            image.save(buffer, "PNG", optimize=True, **options)
        elif upload.format == "WEBP":
            image.save(buffer, "WEBP", quality=92, **options)
        else:
            image.save(buffer, "AVIF", quality=85, **options)
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", file.name.rsplit("/", 1)[-1]).strip("-") or "photo"
    stem = name.rsplit(".", 1)[0]
    return ContentFile(buffer.getvalue(), name=f"{stem}.{ACCEPTED_FORMATS[upload.format]}")


def crop_box(width: int, height: int, ratio: float, focal_x: float, focal_y: float):
    """The largest box of ``ratio`` inside the image, centred on the focal point if it can be."""
    if width / height > ratio:
        box_w, box_h = round(height * ratio), height
    else:
        box_w, box_h = width, round(width / ratio)
    left = min(max(round(focal_x * width - box_w / 2), 0), width - box_w)
    top = min(max(round(focal_y * height - box_h / 2), 0), height - box_h)
    return left, top, left + box_w, top + box_h


def _key(photo) -> str:
    """Changes with the file and the focal point, so a CDN never serves a stale crop."""
    raw = f"{photo.image.name}:{photo.focal_x:.4f}:{photo.focal_y:.4f}".encode()
    return hashlib.sha1(raw, usedforsecurity=False).hexdigest()[:10]


def make_renditions(photo, *, storage=default_storage) -> dict:
    """Write every rendition the photo lacks and return the manifest for ``photo.renditions``.

    Existing files are reused, so calling this twice makes nothing new. If writing fails
    half-way, the files written by this call are removed before the error goes on.
    """
    key = _key(photo)
    manifest = {"key": key}
    written = []
    try:
        with photo.image.open("rb") as source, Image.open(source) as original:
            original.load()
            base = original.convert("RGB")
        for kind, (ratio, widths) in RENDITIONS.items():
            if ratio is None:
                cropped, ratio = base, base.width / base.height
            else:
                box = crop_box(base.width, base.height, ratio, photo.focal_x, photo.focal_y)
                cropped = base.crop(box)
            sizes = sorted({min(w, cropped.width) for w in widths})
            manifest[kind] = {}
            for extension, (pillow_format, options) in FORMATS.items():
                entries = []
                for width in sizes:
                    height = round(width / ratio)
                    name = f"renditions/{photo.pk}/{kind}-{width}-{key}.{extension}"
                    if not storage.exists(name):
                        buffer = io.BytesIO()
                        cropped.resize((width, height), Image.Resampling.LANCZOS).save(
                            buffer, pillow_format, **options
                        )
                        storage.save(name, ContentFile(buffer.getvalue()))
                        written.append(name)
                    entries.append([name, width, height])
                manifest[kind][extension] = entries
    except Exception:
        for name in written:
            storage.delete(name)
        raise
    return manifest


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
