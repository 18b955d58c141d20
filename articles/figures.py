"""Photos inside a story body: library photos get their credit line, size and alt text.

The editor inserts `<figure><img src=…><figcaption>…</figcaption></figure>`; on save the
body is rendered once into ``body_html`` with each library photo's credit printed beside
it, so the credit can never be forgotten or mistyped.
"""

import re
from html import unescape
from typing import NamedTuple
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from articles.markup import SIZES, picture
from articles.models.photos import Photo

_FIGURE = re.compile(r"<figure[^>]*>(?P<inner>.*?)</figure>", re.S)
_IMG = re.compile(r"<img\b[^>]*?\bsrc=\"(?P<src>[^\"]*)\"[^>]*>", re.S)
_ALT = re.compile(r"\balt=\"(?P<alt>[^\"]*)\"")
_CAPTION = re.compile(r"<figcaption[^>]*>(?P<caption>.*?)</figcaption>", re.S)


def _storage_name(src: str) -> str | None:
    path = urlsplit(src).path
    prefix = urlsplit(settings.MEDIA_URL).path
    return path[len(prefix) :] if path.startswith(prefix) else None


def library_photos(html: str) -> dict[str, Photo]:
    """The library photos a body shows, by the src it uses for them."""
    names = {src: _storage_name(src) for src in _IMG.findall(html)}
    found = {
        p.image.name: p for p in Photo.objects.filter(image__in=[n for n in names.values() if n])
    }
    return {src: found[name] for src, name in names.items() if name in found}


def foreign_images(html: str) -> list[str]:
    """Images in the body that are not from the photo library (so carry no credit)."""
    known = library_photos(html)
    return [src for src in _IMG.findall(html) if src not in known]


_ANCHOR = re.compile(r"<a\b[^>]*>")
_HREF = re.compile(r'\bhref="(?P<href>[^"]*)"')
_REL = re.compile(r'\s+rel="[^"]*"')
SPONSORED_REL = "sponsored noopener noreferrer"


def sponsored_links(html: str) -> str:
    """Every link to another site marked rel="sponsored": in a Sponsored story the links are
    paid for (search engines ask for the mark). Links within this site keep their rel."""
    own = (urlsplit(settings.NEWSROOM_SITE_URL).hostname or "").lower()

    def mark(match: re.Match) -> str:
        tag = match.group(0)
        href = _HREF.search(tag)
        if href is None:
            return tag
        parts = urlsplit(unescape(href.group("href")))
        if parts.scheme.lower() not in ("http", "https") or (parts.hostname or "") == own:
            return tag
        return _REL.sub("", tag)[:-1] + f' rel="{SPONSORED_REL}">'

    return _ANCHOR.sub(mark, html)


def render_body(html: str, *, sponsored: bool = False) -> str:
    """The body as readers see it: library figures with credit, size and lazy loading, and
    in a Sponsored story (``sponsored``) its links to other sites marked as paid."""
    return render_body_and_photos(html, sponsored=sponsored)[0]


class RenderedBody(NamedTuple):
    html: str
    photos: list[int]  # the library photos it shows, in order, once each
    uncredited: int  # images shown without a credit line
    without_alt: int  # of those, how many have no alt text either


def render_body_and_photos(html: str, *, sponsored: bool = False) -> RenderedBody:
    """``render_body``, the ids of the library photos the body shows (stored beside
    body_html on save so a page names them, `photo-<id>` surrogate keys, without a query),
    and how many of its images readers would see with no credit (and no alt text): the
    dashboard's "needs attention" reads those counts. One query for all of it."""
    if sponsored:
        html = sponsored_links(html)
    photos = library_photos(html)
    uncredited, without_alt = images_without_credit(html, is_library=photos.__contains__)
    if not photos:
        return RenderedBody(html, [], uncredited, without_alt)
    ids = list(dict.fromkeys(photo.pk for photo in photos.values()))

    def figure(match: re.Match) -> str:
        inner = match.group("inner")
        image = _IMG.search(inner)
        photo = photos.get(image.group("src")) if image else None
        if photo is None:
            return match.group(0)
        alt = _ALT.search(image.group(0))
        alt_text = unescape(alt.group("alt")) if alt and alt.group("alt") else photo.alt_text
        caption = _CAPTION.search(inner)
        # The editor's caption is already sanitized body HTML; the library's is plain text.
        caption_html = caption.group("caption").strip() if caption else escape(photo.caption)
        expires = (
            format_html(' data-expires="{}"', photo.rights_expire_on.isoformat())
            if photo.rights_expire_on
            else ""
        )
        return format_html(
            '<figure class="photo photo-in-body"{}>{}<figcaption>{}'
            '<span class="credit">{}</span></figcaption></figure>',
            expires,
            picture(photo, "full", alt=alt_text, sizes=SIZES["full"]),
            mark_safe(caption_html + " ") if caption_html else "",  # noqa: S308
            photo.credit_line,
        )

    return RenderedBody(_FIGURE.sub(figure, html), ids, uncredited, without_alt)


def images_without_credit(html: str, *, is_library) -> tuple[int, int]:
    """How many images of a body readers see with no credit line, and how many of those
    also lack alt text. Only a library photo leading a <figure> is printed with its credit
    (and, when the body gives none, the library's alt text: ``render_body``); any other
    image is shown as it stands: from elsewhere, or a library photo outside a figure.
    ``is_library(src)`` says whether a src is a library photo's (the 0026 migration passes
    its own, from the names it read)."""
    credited = set()
    for match in _FIGURE.finditer(html):
        image = _IMG.search(match.group("inner"))
        if image and is_library(image.group("src")):
            credited.add(match.start("inner") + image.start())
    uncredited = without_alt = 0
    for image in _IMG.finditer(html):
        if image.start() in credited:
            continue
        uncredited += 1
        alt = _ALT.search(image.group(0))
        if alt is None or not unescape(alt.group("alt")).strip():
            without_alt += 1
    return uncredited, without_alt


def refresh_bodies_using(photo: Photo) -> int:
    """Re-render the stored body of every story and Live update that shows ``photo`` inside
    it (its credit, caption or crops changed). Derived data only: no new revision, no version
    bump. Returns how many stories."""
    from articles.models import Article, LiveUpdate

    updates = LiveUpdate.objects.filter(body__contains=photo.image.name).only("pk", "body")
    for update in updates:
        LiveUpdate.objects.filter(pk=update.pk).update(body_html=render_body(update.body))

    stories = Article.objects.filter(body__contains=photo.image.name).only(
        "pk", "body", "story_type"
    )
    for story in stories:
        html = render_body(story.body, sponsored=story.is_sponsored)
        Article.objects.filter(pk=story.pk).update(body_html=html)
    return len(stories)
