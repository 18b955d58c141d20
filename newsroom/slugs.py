"""Slugs for names in any language: the one place that says what a slug is and makes one.

Stories, sections, authors and tags (django-taggit) all take their address from here, and so
do importers and commands. A slug keeps the name's letters, digits and combining marks in
whatever script (Django's own slugify drops vowel signs and viramas, which leaves Hindi or
Thai unreadable), lowercased and NFKC-normalized, words joined by hyphens. A name with
nothing of that (“!!!”, “🎉”) still gets a readable slug from its characters' Unicode names,
or a short hash of the name: a slug is never empty.

URLs carry slugs percent-encoded (as reverse() writes them); the resolver and request.path
see them decoded.
"""

import hashlib
import re
import unicodedata
from urllib.parse import quote

from django import forms
from django.core import validators
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import register_converter
from django.utils.translation import gettext_lazy as _

SEPARATORS = re.compile(r"[-\s]+")
# What a slug that needs no quoting in a URL looks like: the common case, checked quickly.
ASCII_SLUG = re.compile(r"[-a-zA-Z0-9_]+")
# How many characters of a suffix (“-2”, “-17”) a slug is cut to leave room for.
SUFFIX_ROOM = 8


def is_slug_character(char: str) -> bool:
    return char in "-_" or unicodedata.category(char)[0] in "LNM"


def is_slug(value: str) -> bool:
    """A non-empty run of letters, digits and marks (any script), hyphens and underscores."""
    return bool(value) and all(is_slug_character(char) for char in value)


def slugify(*texts: str, max_length: int, fallback: str = "") -> str:
    """A readable slug of at most max_length characters for any text; never empty.

    With several texts (an import's own slug, then its title) the first that has letters or
    digits gives the slug. `fallback` names the kind of thing (“tag”) for the last resort:
    a short hash of the text.
    """
    texts = [unicodedata.normalize("NFKC", str(text)).lower() for text in texts]
    for text in texts:
        kept = "".join(c if is_slug_character(c) or c.isspace() else "" for c in text)
        slug = _cut(SEPARATORS.sub("-", kept).strip("-_"), max_length)
        if slug:
            return slug
    text = next((text for text in texts if text.strip()), "")
    slug = _cut(_symbol_names(text), max_length)
    if not slug:
        fallback = fallback or "item"
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        slug = f"{fallback}-{digest}"[: min(max_length, len(fallback) + 9)]
    return slug


def _symbol_names(text: str) -> str:
    """“!!!” as “exclamation-mark”, “🎉” as “party-popper”: the names of the distinct
    symbols and punctuation, in order."""
    words = []
    for char in dict.fromkeys(text):
        if unicodedata.category(char)[0] in "PS":
            name = unicodedata.name(char, "")
            if name:
                words.append(SEPARATORS.sub("-", name.lower()))
    return "-".join(words)


def _cut(slug: str, max_length: int) -> str:
    """Cut at a hyphen where one is near, never leaving a hyphen at either end."""
    if len(slug) <= max_length:
        return slug
    cut = slug[:max_length]
    if "-" in cut[max_length // 2 :]:
        cut = cut.rsplit("-", 1)[0]
    return cut.strip("-_")


def unique_slug(
    model,
    text: str,
    *,
    exclude_pk=None,
    reserved=frozenset(),
    fallback: str = "",
    max_length: int | None = None,
) -> str:
    """slugify(text), with “-2”, “-3”... when another row of `model` (or a reserved word)
    has it already. Callers that race for the same slug meet the database's unique constraint."""
    max_length = max_length or model._meta.get_field("slug").max_length
    base = slugify(text, max_length=max_length, fallback=fallback or model._meta.model_name)
    others = model._default_manager.all()
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    candidate, number = base, 1
    while candidate.lower() in reserved or others.filter(slug=candidate).exists():
        number += 1
        candidate = f"{_cut(base, max_length - SUFFIX_ROOM)}-{number}"
    return candidate


def repair(instance) -> None:
    """A readable slug for a row whose slug is empty or not a slug: one from an archive made
    before slugs were checked, say. Models that make their own (ensure_slug) make it."""
    if is_slug(instance.slug):
        return
    instance.slug = ""
    if hasattr(instance, "ensure_slug"):
        instance.ensure_slug()
    else:
        instance.slug = unique_slug(type(instance), instance.name, exclude_pk=instance.pk)


def quote_slug(value: str) -> str:
    """The slug as it appears in a URL: as Django's reverse() quotes it."""
    if ASCII_SLUG.fullmatch(value):
        return value
    return quote(value, safe="")


# Validation, for forms and the model fields. ----------------------------------------------


def validate_slug(value: str) -> None:
    if not is_slug(value):
        raise ValidationError(
            _(
                "Use letters and digits (in any language), hyphens and underscores only, "
                "e.g. “são-paulo” or “日本”."
            ),
            code="invalid",
        )


class SlugFormField(forms.CharField):
    default_validators = [validate_slug]
    allow_unicode = True  # the admin's prepopulated slug keeps letters of any script


def accept_any_script(field: models.SlugField) -> None:
    """The field checks slugs with validate_slug instead of Django's unicode slug validator,
    which SlugField's __init__ puts in its list (and which refuses combining marks)."""
    field.default_validators = [validate_slug]
    field.validators[:] = [
        validate_slug if v is validators.validate_unicode_slug else v for v in field.validators
    ]


class SlugField(models.SlugField):
    """A slug in any script, checked by is_slug (Django's unicode slug validator refuses the
    combining marks of Hindi, Thai, Arabic...). Left blank, the model makes one on save."""

    def __init__(self, *args, **kwargs):
        kwargs["allow_unicode"] = True
        super().__init__(*args, **kwargs)
        accept_any_script(self)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("allow_unicode", None)
        return name, path, args, kwargs

    def formfield(self, **kwargs):
        return models.CharField.formfield(self, **{"form_class": SlugFormField, **kwargs})


# URLs. ------------------------------------------------------------------------------------


class SlugConverter:
    """<slug:...> for slugs in any script (Django's own is ASCII only). Anything else in
    the segment is no match (a 404), and reversing a non-slug is a NoReverseMatch."""

    regex = "[^/]+"

    def to_python(self, value: str) -> str:
        if not is_slug(value):
            raise ValueError(value)
        return value

    def to_url(self, value: str) -> str:
        if not isinstance(value, str) or not is_slug(value):
            raise ValueError(value)
        return value


def tag_slugify(tag, name: str, i: int | None = None) -> str:
    """taggit's TagBase.slugify, made ours (see NewsroomConfig.ready): a readable slug, never
    empty, with “-2”, “-3”... where taggit asks for another (its own gives “_1”)."""
    max_length = tag._meta.get_field("slug").max_length
    if i is None:
        return slugify(name, max_length=max_length, fallback="tag")
    base = slugify(name, max_length=max_length - SUFFIX_ROOM, fallback="tag")
    return f"{base}-{i + 1}"


# <uslug:...> in the URLconfs: registered here, once, when they import this module.
register_converter(SlugConverter, "uslug")
