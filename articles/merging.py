"""Two people, one story: when a save is refused because someone else saved first, a merge
view instead of a dead end.

Each field is compared three ways: the common base (the version the editor opened), theirs
(the story as saved now) and yours (what the refused form held). A field only they changed
takes their version, one only you changed keeps yours, and where both changed the editor
chooses (take theirs, keep yours, or edit the field); the form then saves against the
current version without retyping anything. Text is compared as readable words: the body's
rendered text, never its HTML. Bylines are compared as the names in order, each with its role,
and the form's Bylines box is rewritten to hold the side chosen (byline_form_data).
"""

from dataclasses import dataclass, field

from reversion.models import Version

from articles.history import _items_diff, _word_diff
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
    # Parts of the story they changed that this view does not merge (corrections).
    also_changed: list[str] = field(default_factory=list)
    # The Bylines box after the merge: its form data, and the row index of each author.
    byline_data: dict = field(default_factory=dict)
    byline_forms: dict = field(default_factory=dict)

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
        values = {row.name: {"theirs": row.theirs_raw, "yours": row.yours_raw} for row in self.rows}
        if "bylines" in values:
            row = next(row for row in self.rows if row.name == "bylines")
            values["bylines"]["forms"] = self.byline_forms
            values["bylines"]["shown"] = "theirs" if row.outcome == "theirs" else "yours"
        return values


def _raw(value):
    """A value as the form sends it: a related object by its id, text as text."""
    if hasattr(value, "pk"):
        return value.pk
    return "" if value is None else value


def _readable(name: str, raw) -> str:
    if name == "bylines":
        return ", ".join(f"{name} ({role})" for _, _, name, role in raw)
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
    if name == "bylines":
        return [tuple(pair[:2]) for pair in a] == [tuple(pair[:2]) for pair in b]
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
            values["bylines"] = _byline_rows(v.field_dict for v in followed.get_for_model(Byline))
            values["corrections"] = _corrections(
                v.field_dict for v in followed.get_for_model(Correction)
            )
            return values
    return None


def _byline_rows(rows) -> list[dict]:
    """Byline rows (id, author, role, position) in the order the byline reads."""
    keys = ("id", "author_id", "role_id", "position")
    rows = [{key: row.get(key) for key in keys} for row in rows]
    return sorted(rows, key=lambda row: (row["position"] or 0, row["id"] or 0))


def _in_order(rows) -> list[tuple[int, int]]:
    return [(row["author_id"], row["role_id"]) for row in rows]


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def posted_bylines(data, *, opened: list[dict], prefix: str = "bylines") -> list[tuple[int, int]]:
    """Your bylines, (author, role) in order: the bylines the story had when you opened it
    (``opened``) with the form's Bylines box applied as the admin's formset applies it. A row
    with an id changes or deletes that byline, a row without adds one, and bylines the box
    does not mention stay."""
    from articles.models import BylineRole

    default_role = None
    rows = {row["id"]: dict(row) for row in opened}
    added = []
    for index in range(_int(data.get(f"{prefix}-TOTAL_FORMS")) or 0):
        key = f"{prefix}-{index}-"
        pk, author = _int(data.get(f"{key}id")), _int(data.get(f"{key}author"))
        if data.get(f"{key}DELETE") not in (None, "", "off", "false"):
            rows.pop(pk, None)
            continue
        if author is None:
            continue  # an empty row the formset ignores
        role = _int(data.get(f"{key}role"))
        if role is None:
            role = default_role = default_role or BylineRole.default_pk()
        row = {"id": pk, "author_id": author, "role_id": role}
        row["position"] = _int(data.get(f"{key}position")) or 0
        if pk in rows:
            rows[pk] = row
        else:
            added.append({**row, "id": None, "order": index})
    for row in rows.values():
        row["position"] = row["position"] or 0
    # Saved, new bylines come after the others at the same position (their ids are higher).
    rows = [*rows.values(), *added]
    rows.sort(key=lambda row: (row["position"], row["id"] is None, row["id"] or row["order"]))
    return _in_order(rows)


def _named(pairs) -> list[list]:
    """(author, role) pairs with the names a person reads: [author, role, name, role name]."""
    from articles.models import BylineRole
    from authors.models import Author

    authors = dict(Author.objects.filter(pk__in=[a for a, _ in pairs]).values_list("pk", "name"))
    roles = dict(BylineRole.objects.filter(pk__in=[r for _, r in pairs]).values_list("pk", "name"))
    return [[a, r, authors.get(a, "?"), roles.get(r, "?")] for a, r in pairs]


def byline_form_data(*, article: Article, chosen: list, prefix: str = "bylines"):
    """The Bylines box's form data that saves exactly ``chosen`` ((author, role) in order) over
    the story's bylines as they are now: each current byline kept (with its chosen role and
    place) or ticked Delete, and a new row for each chosen author it lacks. Returns the data
    and each author's row index (the page's script shows one side or the other by them)."""
    roles = dict(chosen)  # an author twice (the formset would refuse it) counts once
    place = {author: index for index, author in enumerate(roles)}
    current = list(article.bylines.order_by("position", "pk"))
    data, forms = {}, {}
    have = {byline.author_id for byline in current}
    new = [author for author in roles if author not in have]
    for index, byline in enumerate(current):
        key = f"{prefix}-{index}-"
        author = byline.author_id
        data.update({f"{key}id": byline.pk, f"{key}article": article.pk, f"{key}author": author})
        if author in place:
            data.update({f"{key}role": roles[author], f"{key}position": place[author]})
        else:
            data.update({f"{key}role": byline.role_id, f"{key}position": byline.position})
            data[f"{key}DELETE"] = "on"
        forms[author] = index
    for index, author in enumerate(new, start=len(current)):
        key = f"{prefix}-{index}-"
        data.update({f"{key}id": "", f"{key}article": article.pk, f"{key}author": author})
        data.update({f"{key}role": roles[author], f"{key}position": place[author]})
        forms[author] = index
    data[f"{prefix}-TOTAL_FORMS"] = len(current) + len(new)
    data[f"{prefix}-INITIAL_FORMS"] = len(current)
    return {key: str(value) for key, value in data.items()}, forms


def _corrections(rows) -> list:
    return sorted((str(r.get("kind")), str(r.get("text"))) for r in rows)


def _tags(tags) -> dict:
    """Tags as the merge view's script puts them back: chosen ones by id, new ones by name."""
    chosen = [[t.pk, t.name] for t in tags if not isinstance(t, str)]
    new = [t for t in tags if isinstance(t, str)]
    names = sorted({name for _, name in chosen} | set(new))
    return {"ids": sorted(chosen), "new": ", ".join(new), "names": names}


def three_way(*, article: Article, loaded: int, yours: dict, labels: dict, posted=None) -> Merge:
    """Compare base (``loaded``), theirs (``article`` as saved now) and yours (cleaned form
    data), field by field, for the fields the form has; and the bylines, when the form
    ``posted`` its Bylines box."""
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
    if posted is not None and "bylines-TOTAL_FORMS" in posted:
        _merge_bylines(merge, article, base, posted, labels)
    corrections = _corrections(article.corrections.values("kind", "text"))
    if base is not None and corrections != base["corrections"]:
        merge.also_changed.append("corrections")
    return merge


def _merge_bylines(merge, article, base, posted, labels):
    """The bylines' row (names in order, each with its role), and the Bylines box's data
    holding the side the form takes: theirs where only they changed them, yours otherwise."""
    now = _byline_rows(article.bylines.values())
    opened = now if base is None else base["bylines"]
    theirs, yours = _in_order(now), posted_bylines(posted, opened=opened)
    label = {tuple(pair[:2]): pair for pair in _named([*theirs, *yours, *_in_order(opened)])}
    base_raw = None if base is None else [label[pair] for pair in _in_order(opened)]
    theirs_raw, yours_raw = [label[pair] for pair in theirs], [label[pair] for pair in yours]
    _compare(merge, "bylines", labels, base, theirs_raw, yours_raw, base_raw=base_raw)
    taken = next((row.outcome for row in merge.rows if row.name == "bylines"), None)
    chosen = theirs if taken == "theirs" else yours
    merge.byline_data, merge.byline_forms = byline_form_data(article=article, chosen=chosen)


def _compare(merge, name, labels, base, theirs_raw, yours_raw, base_raw=None):
    """Add the row of one field to ``merge`` unless neither side changed it."""
    if name not in ("tags", "bylines"):
        base_raw = None if base is None else _raw(base.get(name))
    theirs, mine = _readable(name, theirs_raw), _readable(name, yours_raw)
    before = theirs if base is None else _readable(name, base_raw)
    they_changed = base is None or _same(name, theirs_raw, base_raw) is False
    you_changed = base is None or _same(name, yours_raw, base_raw) is False
    if not they_changed and not you_changed:
        return
    # Bylines: whole names with their roles kept, dropped or added, as in the story's history.
    diff = _items_diff if name == "bylines" else _word_diff
    if they_changed and you_changed:
        if theirs == mine and _same(name, theirs_raw, yours_raw):
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
            theirs_diff=diff(before, theirs),
            yours_diff=diff(before, mine),
            outcome=outcome,
            theirs_raw=theirs_raw,
            yours_raw=yours_raw,
        )
    )
