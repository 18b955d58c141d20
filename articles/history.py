"""Reading a story's history: revisions, field-by-field comparisons, conflicts, the schedule."""

import difflib
from dataclasses import dataclass
from datetime import timedelta
from itertools import groupby

import reversion
from django.contrib.contenttypes.models import ContentType
from django.http import Http404
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from reversion.models import Version

from articles.models import Article, Byline, BylineRole, Photo, Section
from authors.models import Author

# (field in the revision data, label) for what an editor compares.
COMPARED = [
    ("headline", "Headline"),
    ("slug", "Slug"),
    ("dek", "Dek"),
    ("section_id", "Section"),
    ("body", "Body"),
    ("teaser", "Hand-written teaser"),
    ("lead_photo_id", "Lead photo"),
    ("status", "Status"),
    ("publish_at", "Publish time"),
    ("bylines", "Bylines"),
]


@dataclass
class Change:
    label: str
    before: str
    after: str
    diff: str  # HTML with <del> and <ins>


def versions_of(article: Article) -> list[Version]:
    return list(
        Version.objects.get_for_object(article)
        .select_related("revision__user")
        .order_by("-revision__date_created", "-pk")
    )


def version_of(article: Article, version_id) -> Version:
    try:
        return (
            Version.objects.get_for_object(article)
            .select_related("revision")
            .get(pk=int(version_id))
        )
    except (TypeError, ValueError, Version.DoesNotExist):
        raise Http404("No such revision of this story.") from None


def bylines_of(version: Version) -> str:
    byline_type = ContentType.objects.get_for_model(Byline)
    rows = sorted(
        (v.field_dict for v in version.revision.version_set.filter(content_type=byline_type)),
        key=lambda row: (row["position"], row["id"]),
    )
    names = dict(
        Author.objects.filter(pk__in=[r["author_id"] for r in rows]).values_list("pk", "name")
    )
    roles = {role.pk: role for role in BylineRole.objects.all()}
    return ", ".join(
        _byline_label(names.get(r["author_id"], "?"), roles.get(r.get("role_id"))) for r in rows
    )


def _byline_label(name: str, role) -> str:
    """A name, with its role when it is not the default (revisions made before roles
    existed have none: the default)."""
    return name if role is None or role.is_default else f"{name} ({role.name})"


def _display(field: str, value) -> str:
    if value in (None, ""):
        return ""
    if field == "section_id":
        return Section.objects.filter(pk=value).values_list("name", flat=True).first() or str(value)
    if field == "lead_photo_id":
        photo = Photo.objects.filter(pk=value).first()
        return f"{photo} ({photo.credit_line})" if photo else str(value)
    if field == "publish_at":
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M %Z")
    if field == "status":
        return Article.Status(value).label
    return str(value)


def _values(version: Version | None, article: Article | None = None) -> dict[str, str]:
    if version is not None:
        data = version.field_dict
        values = {field: _display(field, data.get(field)) for field, _ in COMPARED[:-1]}
        values["bylines"] = bylines_of(version)
        return values
    values = {field: _display(field, getattr(article, field)) for field, _ in COMPARED[:-1]}
    values["bylines"] = ", ".join(
        _byline_label(b.author.name, b.role) for b in article.bylines.all()
    )
    return values


def _word_diff(before: str, after: str) -> str:
    a, b = before.split(), after.split()
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op in ("delete", "replace"):
            out.append(f"<del>{escape(' '.join(a[i1:i2]))}</del>")
        if op in ("insert", "replace"):
            out.append(f"<ins>{escape(' '.join(b[j1:j2]))}</ins>")
        if op == "equal":
            words = a[i1:i2]
            # Long unchanged stretches are shortened to their ends.
            text = " ".join(words if len(words) <= 24 else [*words[:10], "…", *words[-10:]])
            out.append(escape(text))
    return mark_safe(" ".join(out))


def _changes(before: dict[str, str], after: dict[str, str]) -> list[Change]:
    return [
        Change(label, before[field], after[field], _word_diff(before[field], after[field]))
        for field, label in COMPARED
        if before[field] != after[field]
    ]


def compare(older: Version, newer: Version) -> list[Change]:
    """Every field that differs between two revisions, with a word-level diff."""
    return _changes(_values(older), _values(newer))


def changes_since(article_id: int, version: int) -> dict:
    """What others changed since the editor loaded ``version``: for the conflict message."""
    article = Article.objects.get(pk=article_id)
    versions = versions_of(article)
    base = next(
        (v for v in reversed(versions) if v.field_dict.get("version") == version),
        None,
    )
    latest = versions[0] if versions else None
    return {
        "by": latest.revision.user if latest else None,
        "at": latest.revision.date_created if latest else article.updated_at,
        "changes": _changes(_values(base), _values(None, article)) if base else [],
    }


def ensure_initial_revision(article_id) -> None:
    """Record a story's current state if it has no revision yet (stories made by code).

    Called before an edit, outside any revision block, so history always holds the state
    the edit started from.
    """
    if Version.objects.get_for_object_reference(Article, article_id).exists():
        return
    article = Article.objects.filter(pk=article_id).first()
    if article is None:
        return
    with reversion.create_revision(manage_manually=True):
        reversion.add_to_revision(article)
        reversion.set_comment("State before the first recorded edit")


def keep_refused_edit(*, article: Article, by) -> None:
    """Store an edit that lost a conflict as a revision, without saving it to the story."""
    with reversion.create_revision(manage_manually=True):
        reversion.add_to_revision(article)
        reversion.set_user(by)
        reversion.set_comment("Refused edit (someone saved first), kept for reference")
    from articles.workflow import Action, log

    log(article=article, by=by, action=Action.CONFLICT)


def schedule_by_day(stories, *, days: int = 7):
    """Scheduled stories in the next ``days`` days, grouped by local date."""
    now = timezone.now()
    upcoming = (
        stories.scheduled(at=now)
        .filter(publish_at__lt=now + timedelta(days=days))
        .select_related("section")
        .prefetch_related("bylines__author", "bylines__role")
        .order_by("publish_at")
    )
    return [
        (day, list(stories))
        for day, stories in groupby(upcoming, key=lambda a: timezone.localdate(a.publish_at))
    ]
