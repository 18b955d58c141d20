"""`{% picture %}`: a photo as a responsive <picture>, from renditions made when it was saved."""

import json
import re

from django import template
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.safestring import mark_safe

register = template.Library()

# Layout widths the browser chooses from, per kind of frame.
SIZES = {
    "story": "(min-width: 64rem) 42rem, 100vw",
    "card": "(min-width: 48rem) 16rem, 100vw",
    "lead": "(min-width: 48rem) 58vw, 100vw",
    "square": "96px",
    "full": "(min-width: 64rem) 42rem, 100vw",
}


def _srcset(entries) -> str:
    return ", ".join(f"{default_storage.url(name)} {width}w" for name, width, _ in entries)


@register.inclusion_tag("_picture.html")
def picture(photo, kind="story", sizes=None, eager=False, alt=None, css_class=""):
    """Everything the <picture> needs; falls back to the master file without renditions."""
    manifest = (photo.renditions or {}).get(kind)
    context = {
        "photo": photo,
        "alt": photo.alt_text if alt is None else alt,
        "eager": eager,
        "css_class": css_class,
        "sizes": sizes or SIZES.get(kind, "100vw"),
    }
    if not manifest:
        return {**context, "src": photo.image.url, "width": photo.width, "height": photo.height}
    jpegs = manifest["jpg"]
    name, width, height = jpegs[min(1, len(jpegs) - 1)]
    return {
        **context,
        "src": default_storage.url(name),
        "width": width,
        "height": height,
        "webp_srcset": _srcset(manifest["webp"]),
        "jpeg_srcset": _srcset(jpegs),
    }


@register.simple_tag
def rendition_url(photo, kind="story"):
    """The largest JPEG of a kind (for og:image and feeds), or the master file."""
    manifest = (photo.renditions or {}).get(kind)
    if not manifest:
        return photo.image.url
    return default_storage.url(manifest["jpg"][-1][0])


_EXPIRING = re.compile(r'<figure [^>]*data-expires="(\d{4}-\d{2}-\d{2})".*?</figure>', re.S)


@register.filter
def usable_figures(html: str):
    """A rendered body without the figures whose photo rights have run out since it was saved."""
    if "data-expires" not in html:
        return mark_safe(html)  # body_html was sanitized and built on save
    today = timezone.localdate().isoformat()
    return mark_safe(_EXPIRING.sub(lambda m: "" if m.group(1) < today else m.group(0), html))


_JSON_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


@register.filter
def json_ld(data) -> str:
    """A JSON-LD <script> block; no text inside it can close the element or open markup."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_JSON_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # noqa: S308
