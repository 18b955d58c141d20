"""Two people, one story: when a save is refused because someone else saved first, a merge
view instead of a dead end.

Each field is compared three ways: the common base (the version the editor opened), theirs
(the story as saved now) and yours (what the refused form held). A field only they changed
takes their version, one only you changed keeps yours, and where both changed the editor
chooses (take theirs, keep yours, or edit the field); the form then saves against the
current version without retyping anything. Text is compared as readable words: the body's
rendered text, never its HTML.
"""

from dataclasses import dataclass, field

from reversion.models import Version

from articles.history import _word_diff
from articles.models import Article, Photo, Section
from articles.teasers import plain_text
from newsroom.sanitize import clean_body, clean_short_text

# Form fields compared, in the order the form shows them (tags are compared by name).
MERGED = ["headline", "slug", "dek", "story_type", "section", "body", "teaser", "lead_photo"]


@dataclass
class FieldMerge:
    name: str
    label: str
    base: str
    theirs: str
    yours: str
    theirs_diff: str
    yours_diff: str
    outcome: str  # "both", "theirs" (taken automatically) or "yours"
    theirs_raw: object = None
    yours_raw: object = None


@dataclass
class Merge:
    by: object
    at: object
    current_version: int
    rows: list[FieldMerge] = field(default_factory=list)
    # Parts of the story they changed that this view does not merge (bylines, corrections).
    also_changed: list[str] = field(default_factory=list)

    @property
    def by_name(self) -> str:
        if self.by is None:
            return ""
        return self.by.get_full_name() or self.by.get_username()

    @property
    def conflicts(self) -> list[FieldMerge]:
        return [row for row in self.rows if row.outcome == "both"]

    def raw_values(self) -> dict:
        """What the page's script puts in a field on "take theirs" / "keep yours"."""
        return {row.name: {"theirs": row.theirs_raw, "yours": row.yours_raw} for row in self.rows}


def _raw(value):
    """A value as the form sends it: a related object by its id, text as text."""
    if hasattr(value, "pk"):
        return value.pk
    return "" if value is None else value


def _readable(name: str, raw) -> str:
    if name == "tags":
        return ", ".join(raw["names"] if isinstance(raw, dict) else raw or [])
    if raw in (None, ""):
        return ""
    if name == "section":
        return Section.objects.filter(pk=raw).values_list("name", flat=True).first() or str(raw)
    if name == "lead_photo":
        photo = Photo.objects.filter(pk=raw).first()
        return f"{photo.caption} ({photo.credit_line})" if photo else str(raw)
    if name == "story_type":
        return str(Article.StoryType(raw).label) if raw in Article.StoryType.values else raw
    if name in ("body", "teaser"):
        return plain_text(raw)
    return str(raw)


def _same(name: str, a, b) -> bool:
    """Equal as the story would store them: the editor may write the same body with other
    markup (attribute order, empty paragraphs), which is no change."""
    if name == "tags":
        return _readable(name, a) == _readable(name, b)
    if name == "body":
        return clean_body(str(a or "")) == clean_body(str(b or ""))
    if name == "teaser":
        return clean_short_text(str(a or "")) == clean_short_text(str(b or ""))
    return str(a) == str(b)


def _base_values(article_id: int, version: int) -> dict | None:
    """The fields of the story as it was at ``version``, from its revisions (None: unknown),
    with its tags' names and its bylines and corrections as comparable tuples."""
    from articles.models import Byline, Correction, Tag

    for stored in Version.objects.get_for_object_reference(Article, article_id).order_by("pk"):
        data = stored.field_dict
        if data.get("version") == version:
            values = {name: data.get(f"{name}_id", data.get(name)) for name in MERGED}
            followed = stored.revision.version_set.all()
            values["tags"] = sorted(v.field_dict["name"] for v in followed.get_for_model(Tag))
            values["bylines"] = _bylines(v.field_dict for v in followed.get_for_model(Byline))
            values["corrections"] = _corrections(
                v.field_dict for v in followed.get_for_model(Correction)
            )
            return values
    return None


def _bylines(rows) -> list:
    return sorted((r["position"], r["author_id"], r["role_id"]) for r in rows)


def _corrections(rows) -> list:
    return sorted((str(r.get("kind")), str(r.get("text"))) for r in rows)


def _tags(tags) -> dict:
    """Tags as the merge view's script puts them back: chosen ones by id, new ones by name."""
    chosen = [[t.pk, t.name] for t in tags if not isinstance(t, str)]
    new = [t for t in tags if isinstance(t, str)]
    names = sorted({name for _, name in chosen} | set(new))
    return {"ids": sorted(chosen), "new": ", ".join(new), "names": names}


def three_way(*, article: Article, loaded: int, yours: dict, labels: dict) -> Merge:
    """Compare base (``loaded``), theirs (``article`` as saved now) and yours (cleaned form
    data), field by field, for the fields the form has."""
    from articles.history import versions_of

    names = [name for name in MERGED if name in yours]
    base = _base_values(article.pk, loaded)
    latest = versions_of(article)
    saved = next((v for v in latest if not hasattr(v.revision, "refused_edit")), None)
    merge = Merge(
        by=saved.revision.user if saved else None,
        at=saved.revision.date_created if saved else article.updated_at,
        current_version=article.version,
    )
    for name in names:
        _compare(merge, name, labels, base, _raw(getattr(article, name)), _raw(yours[name]))
    if "tags" in yours:
        theirs_tags, yours_tags = _tags(list(article.tags.all())), _tags(yours["tags"] or [])
        base_tags = None if base is None else base["tags"]
        _compare(merge, "tags", labels, base, theirs_tags, yours_tags, base_raw=base_tags)
    if base is not None:
        bylines = article.bylines.values("position", "author_id", "role_id")
        if _bylines(bylines) != base["bylines"]:
            merge.also_changed.append("bylines")
        if _corrections(article.corrections.values("kind", "text")) != base["corrections"]:
            merge.also_changed.append("corrections")
    return merge


def _compare(merge, name, labels, base, theirs_raw, yours_raw, base_raw=None):
    """Add the row of one field to ``merge`` unless neither side changed it."""
    if name != "tags":
        base_raw = None if base is None else _raw(base.get(name))
    theirs, mine = _readable(name, theirs_raw), _readable(name, yours_raw)
    before = theirs if base is None else _readable(name, base_raw)
    they_changed = base is None or _same(name, theirs_raw, base_raw) is False
    you_changed = base is None or _same(name, yours_raw, base_raw) is False
    if not they_changed and not you_changed:
        return
    if they_changed and you_changed:
        if theirs == mine:
            return  # both made the same change
        outcome = "both"
    else:
        outcome = "theirs" if they_changed else "yours"
    merge.rows.append(
        FieldMerge(
            name=name,
            label=str(labels.get(name, name)).capitalize(),
            base=before,
            theirs=theirs,
            yours=mine,
            theirs_diff=_word_diff(before, theirs),
            yours_diff=_word_diff(before, mine),
            outcome=outcome,
            theirs_raw=theirs_raw,
            yours_raw=yours_raw,
        )
    )
