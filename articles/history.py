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
from django.utils.translation import gettext as _
from reversion.models import Version
from taggit.models import Tag

from articles.models import Article, Byline, BylineRole, Correction, Photo, Section
from articles.teasers import plain_text
from authors.models import Author

REFUSED_COMMENT = "Refused edit"

# (field in the revision data, label) for what an editor compares: every field a person
# changes, the story's state, and what hangs off it (bylines, tags, corrections).
COMPARED = [
    ("headline", "Headline"),
    ("slug", "Slug"),
    ("dek", "Dek"),
    ("story_type", "Type"),
    ("section_id", "Section"),
    ("body", "Body"),
    ("teaser", "Hand-written teaser"),
    ("lead_photo_id", "Lead photo"),
    ("status", "Status"),
    ("publish_at", "Publish time"),
    ("bylines", "Bylines"),
    ("tags", "Tags"),
    ("corrections", "Corrections and updates"),
]
RELATED = {"bylines", "tags", "corrections"}
# Rich text is compared as the words a reader reads, not its HTML.
RICH_TEXT = {"body", "teaser"}


@dataclass
class Change:
    label: str
    before: str
    after: str
    diff: str  # HTML with <del> and <ins>


def versions_of(article: Article) -> list[Version]:
    return list(
        Version.objects.get_for_object(article)
        .select_related("revision__user", "revision__refused_edit")
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


def is_refused(version: Version) -> bool:
    """A save that lost a conflict, kept for reference (keep_refused_edit): never a state
    the story was in, so never a restore point. Marked by a RefusedEdit row; refused edits
    kept before that mark existed are known by their comment."""
    return hasattr(version.revision, "refused_edit") or version.revision.comment.startswith(
        REFUSED_COMMENT
    )


def _correction_line(kind, at, text) -> str:
    label = dict(Correction.Kind.choices).get(kind, kind)
    when = timezone.localtime(at).strftime("%Y-%m-%d %H:%M %Z") if at else ""
    return f"{label} ({when}): {plain_text(text)}"


def _related_values(version: Version) -> dict[str, str]:
    """Bylines, tags and corrections as the revision recorded them."""
    models = {
        ContentType.objects.get_for_model(model).pk: name
        for model, name in ((Byline, "bylines"), (Tag, "tags"), (Correction, "corrections"))
    }
    rows = {"bylines": [], "tags": [], "corrections": []}
    for related in version.revision.version_set.filter(content_type__in=models):
        rows[models[related.content_type_id]].append(related.field_dict)
    bylines = sorted(rows["bylines"], key=lambda row: (row["position"], row["id"]))
    names = dict(
        Author.objects.filter(pk__in=[r["author_id"] for r in bylines]).values_list("pk", "name")
    )
    roles = {role.pk: role for role in BylineRole.objects.all()}
    corrections = sorted(rows["corrections"], key=lambda row: (row["published_at"], row["id"]))
    return {
        "bylines": ", ".join(
            _byline_label(names.get(r["author_id"], "?"), roles.get(r.get("role_id")))
            for r in bylines
        ),
        "tags": ", ".join(sorted(r["name"] for r in rows["tags"])),
        "corrections": "\n".join(
            _correction_line(r["kind"], r["published_at"], r["text"]) for r in corrections
        ),
    }


def _byline_label(name: str, role) -> str:
    """A name, with its role when it is not the default (revisions made before roles
    existed have none: the default)."""
    return name if role is None or role.is_default else f"{name} ({role.name})"


def bylines_of(version: Version) -> str:
    return _related_values(version)["bylines"]


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
    if field == "story_type":
        return str(dict(Article.StoryType.choices).get(value, value))
    if field in RICH_TEXT:
        return plain_text(value)
    # Whitespace is not a change: a trailing space or a doubled one compares equal.
    return " ".join(str(value).split())


def _values(version: Version | None, article: Article | None = None) -> dict[str, str]:
    own = [field for field, _ in COMPARED if field not in RELATED]
    if version is not None:
        data = version.field_dict
        values = {field: _display(field, data.get(field)) for field in own}
        values.update(_related_values(version))
        values["_html"] = {field: data.get(field) or "" for field in RICH_TEXT}
        return values
    values = {field: _display(field, getattr(article, field, None)) for field in own}
    values["bylines"] = ", ".join(
        _byline_label(b.author.name, b.role) for b in article.bylines.all()
    )
    values["tags"] = ", ".join(sorted(article.tags.names()))
    values["corrections"] = "\n".join(
        _correction_line(c.kind, c.published_at, c.text)
        for c in article.corrections.order_by("published_at", "id")
    )
    values["_html"] = {field: getattr(article, field) or "" for field in RICH_TEXT}
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
    return mark_safe(" ".join(out))  # noqa: S308  (every piece is escaped above)


def _lines_diff(before: str, after: str) -> str:
    """Lists (corrections): each line a word diff, unchanged lines kept short."""
    a, b = before.splitlines(), after.splitlines()
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.extend(escape(line) for line in a[i1:i2])
        elif op == "replace" and i2 - i1 == j2 - j1:
            out.extend(_word_diff(x, y) for x, y in zip(a[i1:i2], b[j1:j2], strict=True))
        else:
            out.extend(f"<del>{escape(line)}</del>" for line in a[i1:i2])
            out.extend(f"<ins>{escape(line)}</ins>" for line in b[j1:j2])
    return mark_safe("<br>".join(out))  # noqa: S308  (every piece is escaped above)


def _items_diff(before: str, after: str) -> str:
    """Names in order (bylines, tags): whole names kept, dropped or added."""
    a, b = before.split(", ") if before else [], after.split(", ") if after else []
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.extend(escape(name) for name in a[i1:i2])
        else:
            out.extend(f"<del>{escape(name)}</del>" for name in a[i1:i2])
            out.extend(f"<ins>{escape(name)}</ins>" for name in b[j1:j2])
    return mark_safe(", ".join(out))  # noqa: S308  (every piece is escaped above)


def _same_markup(before: str, after: str) -> bool:
    return " ".join(before.split()).replace("> <", "><") == " ".join(after.split()).replace(
        "> <", "><"
    )


def _changes(before: dict, after: dict) -> list[Change]:
    changes = []
    for field, label in COMPARED:
        old, new = before[field], after[field]
        if old != new:
            diff = {"corrections": _lines_diff, "bylines": _items_diff, "tags": _items_diff}.get(
                field, _word_diff
            )(old, new)
            changes.append(Change(label, old, new, diff))
        elif field in RICH_TEXT and not _same_markup(before["_html"][field], after["_html"][field]):
            # Same words, other formatting (a paragraph made a heading, a link added).
            changes.append(
                Change(
                    label,
                    old,
                    new,
                    mark_safe(escape(_("Formatting only; the words are the same."))),
                )  # noqa: S308
            )
    return changes


def compare(older: Version, newer: Version) -> list[Change]:
    """Every field that differs between two revisions, with a word-level diff."""
    return _changes(_values(older), _values(newer))


# What restoring a revision brings back (articles.workflow.restore_revision).
RESTORED = {"headline", "slug", "dek", "section_id", "body", "teaser", "lead_photo_id"}


def compare_with_story(version: Version, article: Article) -> list[Change]:
    """What restoring ``version`` would change in the story as it is now."""
    labels = {label for field, label in COMPARED if field in RESTORED}
    changes = _changes(_values(None, article), _values(version))
    return [change for change in changes if change.label in labels]


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
    from articles.models import RefusedEdit

    current = Article.objects.filter(pk=article.pk).values_list("version", flat=True).first()
    with reversion.create_revision(manage_manually=True):
        reversion.add_to_revision(article)
        reversion.set_user(by)
        reversion.set_comment(f"{REFUSED_COMMENT} (someone saved first), kept for reference")
        # Marked, so it is never offered as a restore point (workflow.restore_revision).
        reversion.add_meta(RefusedEdit, refused_at_version=current or article.version)
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
