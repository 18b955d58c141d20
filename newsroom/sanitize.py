"""Allowlist sanitizing of the rich text editors write, applied on every save.

nh3 (ammonia) parses like a browser, keeps only the tags and attributes named here, drops
script and style contents, and allows only http(s) and mailto links. Whatever a form, the
admin, an importer or a script hands us, what we store and render has passed through here.
"""

import re

import nh3

_URL_SCHEMES = {"http", "https", "mailto"}

_INLINE_TAGS = {"a", "b", "strong", "i", "em", "br", "code", "s", "sub", "sup", "q", "cite"}
_BODY_TAGS = _INLINE_TAGS | {
    "p",
    "h2",
    "h3",
    "h4",
    "ul",
    "ol",
    "li",
    "blockquote",
    "figure",
    "figcaption",
    "img",
    "hr",
    "pre",
}
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "blockquote": {"cite"},
    "q": {"cite"},
}


def _clean(html: str, tags: set[str]) -> str:
    return nh3.clean(
        html or "",
        tags=tags,
        attributes={tag: attrs for tag, attrs in _ATTRIBUTES.items() if tag in tags},
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    ).strip()


_IMG_WITHOUT_SRC = re.compile(r"<img(?![^>]*\bsrc=)[^>]*>")
# A figure is its picture; one that lost it (or never had it) is dropped, caption and all.
_FIGURE_WITHOUT_IMG = re.compile(r"<figure>(?:(?!<img\b).)*?</figure>", re.S)


def clean_body(html: str) -> str:
    """A story body: paragraphs, headings, lists, quotes, links and figures."""
    cleaned = _IMG_WITHOUT_SRC.sub("", _clean(html, _BODY_TAGS))
    return _FIGURE_WITHOUT_IMG.sub("", cleaned)


def clean_short_text(html: str) -> str:
    """A bio or a hand-written teaser: paragraphs and inline formatting only."""
    return _clean(html, _INLINE_TAGS | {"p"})


# Embeddings, overrides and isolates (LRE, RLE, PDF, LRO, RLO; LRI, RLI, FSI, PDI) re-order
# the text around them: "invoice\u202egpj.exe" reads as "invoiceexe.jpg". The plain marks
# (LRM, RLM, ALM) that right-to-left writing needs are kept; they re-order nothing.
_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


# C0 controls but tab, newline and carriage return: no text means them, and XML 1.0 (feeds,
# sitemaps) cannot carry them, so a tag named with one broke its feed.
_CONTROLS = dict.fromkeys([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])


def strip_bidi_controls(text: str) -> str:
    return text.translate(_BIDI_CONTROLS)


def strip_controls_on_save(sender, instance, **kwargs):
    """pre_save for every model staff write text into (newsroom.apps): headlines, names,
    captions, credits and the rest never store a control that re-orders what staff read,
    nor one that XML cannot carry."""
    for field in instance._meta.concrete_fields:
        if field.get_internal_type() in ("CharField", "TextField", "SlugField"):
            value = getattr(instance, field.attname)
            if isinstance(value, str):
                value = strip_bidi_controls(value).translate(_CONTROLS)
                setattr(instance, field.attname, value)
