"""HTML pieces the public pages print: responsive pictures from a photo's renditions, the
body without figures whose rights ran out, and JSON-LD blocks. Plain functions, so feeds,
the API, the body's figures and the templates (newsroom/jinja2.py) share them."""

import json
import re

from django.conf import settings
from django.utils import dateformat, timezone
from django.utils.encoding import filepath_to_uri
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

# Layout widths the browser chooses from, per kind of frame.
SIZES = {
    "story": "(min-width: 64rem) 42rem, 100vw",
    "card": "(min-width: 48rem) 16rem, 100vw",
    "lead": "(min-width: 48rem) 58vw, 100vw",
    "square": "96px",
    "full": "(min-width: 64rem) 42rem, 100vw",
}


def media_url(name: str) -> str:
    """The URL of a stored photo file. Always the media view's (articles/media.py), whatever
    the storage: pages, feeds and the body editor print one stable address, never a signed,
    expiring or public bucket one, and the view decides at each request who may see it."""
    return settings.MEDIA_URL + filepath_to_uri(name).lstrip("/")


def _srcset(entries) -> str:
    return ", ".join(f"{media_url(name)} {width}w" for name, width, _ in entries)


def picture(photo, kind="story", sizes=None, eager=False, alt=None, css_class=""):
    """A <picture> from renditions made when the photo was saved. Never the master: a photo
    without renditions prints nothing (readers may not see masters, articles/media.py)."""
    manifest = (photo.renditions or {}).get(kind)
    if not manifest:
        return ""
    sizes = sizes or SIZES.get(kind, "100vw")
    jpegs = manifest["jpg"]
    name, width, height = jpegs[min(1, len(jpegs) - 1)]
    # AVIF, then WebP, for browsers that take them; photos made before AVIF have none.
    sources = format_html_join(
        "",
        '<source type="image/{}" srcset="{}" sizes="{}">',
        (
            (extension, _srcset(manifest[extension]), sizes)
            for extension in ("avif", "webp")
            if manifest.get(extension)
        ),
    )
    return format_html(
        '<picture>{}<img src="{}" srcset="{}"'
        ' sizes="{}" alt="{}" width="{}" height="{}"{} {} decoding="async"></picture>',
        sources,
        media_url(name),
        _srcset(jpegs),
        sizes,
        photo.alt_text if alt is None else alt,
        width,
        height,
        format_html(' class="{}"', css_class) if css_class else "",
        mark_safe('loading="eager" fetchpriority="high"' if eager else 'loading="lazy"'),
    )


def rendition_url(photo, kind="story") -> str | None:
    """The largest JPEG of a kind (for og:image, feeds, JSON-LD); None without renditions,
    never the master."""
    manifest = (photo.renditions or {}).get(kind)
    return media_url(manifest["jpg"][-1][0]) if manifest else None


_EXPIRING = re.compile(r'<figure [^>]*data-expires="(\d{4}-\d{2}-\d{2})".*?</figure>', re.S)


def usable_figures(html: str):
    """A rendered body without the figures whose photo rights have run out since it was saved."""
    if "data-expires" not in html:
        return mark_safe(html)  # body_html was sanitized and built on save
    today = timezone.localdate().isoformat()
    return mark_safe(_EXPIRING.sub(lambda m: "" if m.group(1) < today else m.group(0), html))


def time_element(value, day: str = "N j, Y", clock: bool = True):
    """A <time> for a moment readers see: the day in Django's date format `day`, then, with
    `clock`, the time and zone ("9:05 a.m. UTC") kept on one line. The one place pages format
    a <time>: its `datetime` is to the second, since HTML allows at most three digits of a
    fraction and Python's isoformat() prints six."""
    if not value:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return format_html(
        '<time datetime="{}">{}{}</time>',
        value.isoformat(timespec="seconds"),
        dateformat.format(value, day),
        format_html(', <span class="clock">{}</span>', dateformat.format(value, "P T"))
        if clock
        else "",
    )


_JSON_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


def json_ld(data) -> str:
    """A JSON-LD <script> block; no text inside it can close the element or open markup."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_JSON_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # noqa: S308
