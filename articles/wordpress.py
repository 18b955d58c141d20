"""Importing WordPress exports (WXR 1.0 to 1.2): authors, categories as sections, tags,
posts as stories, attachments as photos, old permalinks as 301s.

The whole file is read and checked before anything is written; the import then runs in one
transaction, and photo files written for it are removed if it fails, so a bad file changes
nothing. Every item is keyed on the exporting site and its WordPress id (WordPressItem): a
second run updates what the first made and never makes copies.
"""

import hashlib
import html
import itertools
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import ParseError

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import DatabaseError, transaction
from django.utils.text import slugify
from taggit.models import Tag

from articles import imaging, workflow
from articles.markup import media_url
from articles.models import Article, Byline, BylineRole, OldURL, Photo, Section, WordPressItem
from articles.models.sections import validate_section_slug
from articles.teasers import plain_text
from authors.models import Author, Handle
from events import content as content_events
from newsroom import slugs

# Slugs are made whole (newsroom.slugs) and cut to their field by Importer.free, which keeps
# names that differ only past the field's length distinct.
UNCUT = 1000

STATUSES = {
    "publish": Article.Status.PUBLISHED,
    "future": Article.Status.PUBLISHED,  # scheduled: published with a time ahead
    "draft": Article.Status.DRAFT,
    "pending": Article.Status.IN_REVIEW,
    "private": Article.Status.UNPUBLISHED,  # never public here either
}
# Item types that are not stories here, and why.
LEFT_OUT = {
    "page": "pages are not imported (make them by hand or as sections)",
    "nav_menu_item": "menus are not imported",
    "revision": "WordPress's revisions are not imported",
    "wp_navigation": "menus are not imported",
}
BLOCK_TAGS = re.compile(r"<(p|div|h[1-6]|ul|ol|li|blockquote|pre|table|figure|hr|!-- wp:)\b", re.I)


IMAGE_FILE = re.compile(r"\.(jpe?g|png|gif|webp|avif)$", re.I)
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# WordPress's own limits (wp_posts.ID is BIGINT(20) UNSIGNED; user_login 60, user_email 100):
# anything longer was never in a WordPress database, whatever ours would accept.
WP_ID_DIGITS, WP_LOGIN_LENGTH, WP_EMAIL_LENGTH = 20, 60, 100


class WordPressError(Exception):
    """The file cannot be imported; nothing was changed."""


class OutsideMediaDir(Exception):
    """An attachment's path leads out of --media-dir ('..', '//', an absolute path, or a link
    to a file elsewhere): the attachment is skipped, its file never opened."""


@dataclass
class Report:
    """What the import did with everything in the file: counts by kind, and one line for
    each <item> (created, updated, unchanged, kept Newsroom's edit, skipped and why, left
    out and why)."""

    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    kept: Counter = field(default_factory=Counter)  # changed in Newsroom: left as it is
    skipped: Counter = field(default_factory=Counter)
    left_out: Counter = field(default_factory=Counter)
    items: list[str] = field(default_factory=list)
    missing_media: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def item(self, label: str, outcome: str) -> None:
        self.items.append(f"{label}: {outcome}")


KEPT = "kept Newsroom's edit"
MATCHED = "matched"  # WordPressItem.source of a section that was here before the import
# The fields an import sets, whose state after it is the fingerprint a re-run compares.
FINGERPRINTED = {
    "post": ["headline", "slug", "section_id", "body", "teaser", "status", "publish_at"]
    + ["deleted_at", "lead_photo_id"],
    "category": ["name", "slug", "description"],
    "author": ["name", "slug"],
}


def digest(value) -> str:
    return hashlib.sha256(json.dumps(value, default=str, sort_keys=True).encode()).hexdigest()


# Kept in a story's fingerprint only when not their default, so stories imported before
# types and sponsors existed keep the fingerprint they had (and are not taken for edited).
FINGERPRINTED_IF_SET = {"story_type": "news", "sponsor_name": "", "sponsor_url": ""}


def fingerprint(kind: str, obj) -> str:
    state = {name: getattr(obj, name) for name in FINGERPRINTED.get(kind, [])}
    if kind == "post":
        state |= {
            name: getattr(obj, name)
            for name, default in FINGERPRINTED_IF_SET.items()
            if getattr(obj, name) != default
        }
        state["bylines"] = current(obj, "bylines")
        state["tags"] = sorted(obj.tags.values_list("pk", flat=True))
    return digest(state)


# Reading the file ---------------------------------------------------------------------------


@dataclass
class Export:
    site: str
    title: str
    ns: dict
    channel: object
    site_url: str = ""

    def text(self, element, path: str) -> str:
        found = element.find(path, self.ns)
        return (found.text or "").strip() if found is not None else ""

    def items(self, post_type: str | None = None):
        for item in self.channel.findall("item"):
            if post_type is None or self.text(item, "wp:post_type") == post_type:
                yield item

    def meta(self, item) -> dict[str, str]:
        return {
            self.text(m, "wp:meta_key"): self.text(m, "wp:meta_value")
            for m in item.findall("wp:postmeta", self.ns)
        }


# The namespaces the importer reads, by what their URI is rather than by the prefix a file
# gives them. Missing ones get a URI no element has: those elements then read as empty.
WXR = re.compile(r"https?://wordpress\.org/export/1\.[012]/")
NAMESPACES = {
    "wp": WXR,
    "excerpt": re.compile(r"https?://wordpress\.org/export/1\.[012]/excerpt/"),
    "content": re.compile(r"https?://purl\.org/rss/1\.0/modules/content/?"),
    "dc": re.compile(r"https?://purl\.org/dc/elements/1\.1/?"),
}


def namespaces(declared: list[str]) -> dict[str, str]:
    return {
        prefix: next((uri for uri in declared if pattern.fullmatch(uri)), f"urn:absent:{prefix}")
        for prefix, pattern in NAMESPACES.items()
    }


def read_export(path) -> Export:
    """Parse and check the whole file first: a broken or truncated file is refused here.

    Every WXR from 1.0 to 1.2 is read, whatever prefixes it declares and whichever
    namespaces it leaves out (no excerpt namespace means no excerpts, not an error).
    """
    declared = []
    try:
        events = ElementTree.iterparse(str(path), events=("start-ns", "end"))
        root = None
        for event, value in events:
            if event == "start-ns":
                declared.append(value[1])
            else:
                root = value
    except FileNotFoundError:
        raise WordPressError(f"No such file: {path}") from None
    except IsADirectoryError:
        raise WordPressError(f"{path} is a folder, not an export file.") from None
    except ParseError as error:
        line, column = error.position
        raise WordPressError(
            f"{path} is not well-formed XML (line {line}, column {column}): it may be "
            "truncated or damaged. Export it again from WordPress."
        ) from None
    except DefusedXmlException as error:
        raise WordPressError(f"{path} uses forbidden XML features ({error}).") from None
    ns = namespaces(declared)
    if ns["wp"].startswith("urn:absent:"):
        raise WordPressError(
            f"{path} is not a WordPress export (WXR 1.0 to 1.2): it declares no "
            "http://wordpress.org/export/1.x/ namespace."
        )
    channel = root.find("channel") if root is not None else None
    if channel is None:
        raise WordPressError(f"{path} has no <channel>: not a WordPress export.")
    export = Export(site="", title="", ns=ns, channel=channel)
    export.site = (
        export.text(channel, "wp:base_blog_url")
        or export.text(channel, "wp:base_site_url")
        or export.text(channel, "link")
    )
    export.title = export.text(channel, "title") or "WordPress"
    export.site_url = export.text(channel, "wp:base_site_url") or export.site
    site_length = WordPressItem._meta.get_field("site").max_length
    if len(export.site) > site_length:
        raise WordPressError(
            f"{path} holds something the database refuses: its site address is longer than "
            f"{site_length} characters."
        )
    if not export.site:
        raise WordPressError(
            f"{path} does not say which site it came from (no wp:base_blog_url, "
            "wp:base_site_url or link)."
        )
    return export


def gmt(value: str) -> datetime | None:
    if not value or value.startswith("0000"):
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None


# Turning WordPress markup into ours ---------------------------------------------------------

_SHORTCODE = re.compile(
    r"\[(?P<name>[a-zA-Z_][\w-]*)(?P<attrs>[^\]]*)\](?:(?P<inner>.*?)\[/(?P=name)\])?", re.S
)
_ATTR = re.compile(r'(\w+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\'|(\S+))')
_IMG = re.compile(r"<img\b[^>]*>", re.I)
_SIZED = re.compile(r"-\d+x\d+(\.\w+)$")
_SRC = re.compile(r'\bsrc\s*=\s*["\']([^"\']+)["\']', re.I)
_ALT = re.compile(r'\balt\s*=\s*["\']([^"\']*)["\']', re.I)


def attributes(raw: str) -> dict[str, str]:
    return {m[0].lower(): m[1] or m[2] or m[3] for m in _ATTR.findall(raw)}


_FIGURE = re.compile(r"<figure\b[^>]*>(?P<inner>(?:(?!</?figure\b).)*)</figure>", re.S | re.I)


def unwrap_figures(content: str) -> str:
    """Block-editor figures without a picture (pull quotes, tables, embeds) keep their
    words: a figure here is its picture, and one without is dropped whole by the body's
    sanitizer, caption and quote with it."""

    def unwrap(match: re.Match) -> str:
        inner = match.group("inner")
        if re.search(r"<img\b", inner, re.I):
            return match.group(0)
        return re.sub(r"<(/?)figcaption\b[^>]*>", r"<\1p>", inner, flags=re.I)

    return _FIGURE.sub(unwrap, content)


def autop(text: str) -> str:
    """WordPress keeps classic posts without <p>: blank lines are paragraphs (wpautop)."""
    if BLOCK_TAGS.search(text):
        return text
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text) if b.strip()]
    return "".join(f"<p>{b.replace(chr(10), '<br>')}</p>" for b in blocks)


class Markup:
    """Shortcodes to HTML for one import: captions and galleries become figures (library
    photos where the attachment was imported), unknown ones keep their text."""

    def __init__(self, photos: dict, by_url: dict, report: Report, children: dict[str, list]):
        self.photos, self.by_url, self.report, self.children = photos, by_url, report, children
        self.post_id = ""

    def photo_at(self, src: str) -> Photo | None:
        """The imported photo behind an image URL, also when WordPress linked a resized copy
        (name-640x480.jpg)."""
        path = urlsplit(src).path
        return self.by_url.get(path) or self.by_url.get(_SIZED.sub(r"\1", path))

    def figure(self, img: str, caption: str, attachment_id: str | None) -> str:
        found = _SRC.search(img)
        photo = self.photos.get(attachment_id or "") or (
            self.photo_at(found.group(1)) if found else None
        )
        alt = _ALT.search(img)
        # The library's alt text, not what the body's <img> says (often the file's name).
        alt_text = photo.alt_text if photo is not None else (alt.group(1) if alt else "")
        alt_text = html.escape(alt_text, quote=True)
        # A library photo's own URL: the page then adds its credit and sizes.
        src = (
            media_url(photo.image.name) if photo is not None else (found.group(1) if found else "")
        )
        if not src:
            return f"<p>{caption}</p>" if caption else ""
        caption_html = f"<figcaption>{caption}</figcaption>" if caption else ""
        src = html.escape(src, quote=True)
        return f'<figure><img src="{src}" alt="{alt_text}">{caption_html}</figure>'

    def replace(self, match: re.Match, where: str) -> str:
        name = match.group("name").lower()
        attrs = attributes(match.group("attrs"))
        inner = match.group("inner") or ""
        if name in {"caption", "wp_caption"}:
            img = _IMG.search(inner)
            caption = attrs.get("caption") or _IMG.sub("", re.sub(r"</?a\b[^>]*>", "", inner))
            attachment = (attrs.get("id") or "").removeprefix("attachment_")
            return self.figure(img.group(0) if img else "", caption.strip(), attachment)
        if name == "gallery":
            ids = [i.strip() for i in attrs.get("ids", "").split(",") if i.strip()]
            ids = ids or self.children.get(self.post_id, [])  # WordPress's default: its own
            figures = [
                self.figure(f'<img alt="{html.escape(p.alt_text)}">', html.escape(p.caption), i)
                for i in ids
                if (p := self.photos.get(i))
            ]
            if len(figures) < len(ids) or not ids:
                self.report.warnings.append(
                    f"{where}: a [gallery] lists photos that were not imported "
                    f"({len(ids) - len(figures)} of {len(ids) or 'all its attachments'})."
                )
            return "".join(figures)
        if name in {"embed", "video", "audio"}:
            url = inner.strip() or attrs.get("src") or attrs.get("mp4") or attrs.get("mp3") or ""
            if url:
                safe = html.escape(url, quote=True)
                return f'<p><a href="{safe}">{safe}</a></p>'
            return ""
        self.report.warnings.append(
            f"{where}: unknown shortcode [{name}] removed; the text inside it was kept."
        )
        return self.convert(inner, where)

    def convert(self, content: str, where: str) -> str:
        previous = None
        while previous != content:  # nested shortcodes, innermost last
            previous = content
            content = _SHORTCODE.sub(lambda m: self.replace(m, where), content)
        return autop(unwrap_figures(content))


# The import ---------------------------------------------------------------------------------


class Importer:
    def __init__(self, export: Export, *, media_dir: Path | None, user, progress=None):
        self.export, self.media_dir, self.user = export, media_dir, user
        self.report = Report()
        self.written_files: list[str] = []
        # What this import made or found, by WordPress's keys.
        self.section_ids: dict[str, int] = {}  # category term id -> section id
        self.used_categories: set[str] = set()  # nicenames and names posts are filed under
        self.photos: dict[str, Photo] = {}  # attachment id -> photo
        self.photos_by_path: dict[str, Photo] = {}  # attachment URL path -> photo
        self.progress = progress or (lambda iterable, **kwargs: iterable)
        self.records = {
            (item.kind, item.wp_id): item for item in WordPressItem.objects.filter(site=export.site)
        }
        self.known = {key: item.object_id for key, item in self.records.items()}

    # Keys -----------------------------------------------------------------------------------

    def existing(self, model, kind: str, wp_id: str):
        object_id = self.known.get((kind, wp_id))
        return model.objects.filter(pk=object_id).first() if object_id else None

    def remember(
        self, kind: str, wp_id: str, obj, created: bool, *, source: str = "", counted=True
    ) -> None:
        """Keep the key, what the file said (source) and what the import left (fingerprint,
        read back as saved): the next run tells Newsroom's edits from its own by them."""
        saved = type(obj).objects.get(pk=obj.pk)
        self.records[(kind, wp_id)], _ = WordPressItem.objects.update_or_create(
            site=self.export.site,
            kind=kind,
            wp_id=wp_id,
            defaults={
                "object_id": obj.pk,
                "source": source,
                "fingerprint": fingerprint(kind, saved) if source != MATCHED else "",
            },
        )
        self.known[(kind, wp_id)] = obj.pk
        if counted:
            (self.report.created if created else self.report.updated)[kind] += 1

    def untouched(self, kind: str, obj, record: WordPressItem) -> bool:
        """Nobody changed it in Newsroom since the last import. Records older than
        fingerprints fall back on the story's updated time."""
        if record.fingerprint:
            return fingerprint(kind, obj) == record.fingerprint
        updated_at = getattr(obj, "updated_at", None)
        return updated_at is None or updated_at <= record.imported_at

    def save(self, model, kind: str, wp_id: str, values: dict, *, unique_slug: str, **related):
        """Create, update, leave unchanged, or keep Newsroom's edit: returns the object and
        the outcome. ``related`` (bylines, tags) is set after the object is saved."""
        record = self.records.get((kind, wp_id))
        obj = model.objects.filter(pk=record.object_id).first() if record else None
        source = digest({**values, **related})
        created = obj is None
        changed = None
        if not created:
            if record.source == MATCHED:
                return obj, "unchanged (a section that was here before)"
            if not self.untouched(kind, obj, record):
                self.report.kept[kind] += 1
                return obj, KEPT
            if record.source == source:
                self.report.unchanged[kind] += 1
                return obj, "unchanged"
            changed = [name for name, value in values.items() if getattr(obj, name) != value]
            changed += [name for name, value in related.items() if value != current(obj, name)]
        else:
            obj = model()
            values["slug"] = self.free_slug(model, unique_slug, wp_id)
        for name, value in values.items():
            setattr(obj, name, value)

        def then(saved):
            if "bylines" in related:
                set_byline(saved, related["bylines"])
            if "tags" in related:
                saved.tags.set(list(Tag.objects.filter(pk__in=related["tags"])))

        if model is Article:
            workflow.save_imported(article=obj, by=self.user, changed=changed, then=then)
        else:
            obj.save()
            then(obj)
            if not created and content_events.tracks(obj):
                content_events.changed(obj)  # a new one is on no public page yet
        self.remember(kind, wp_id, obj, created, source=source)
        return obj, "created" if created else "updated (" + ", ".join(changed) + ")"

    def free_slug(self, model, wanted: str, wp_id: str) -> str:
        wanted = wanted or f"wp-{wp_id}"
        slug = self.free(model, "slug", wanted, f"-wp{wp_id}")
        if slug != wanted[: len(slug)]:
            self.report.warnings.append(
                f"{model._meta.verbose_name} “{wanted}” was taken here; imported as “{slug}”."
            )
        return slug

    @staticmethod
    def free(model, field: str, wanted: str, suffix: str, *, exclude=None) -> str:
        """`wanted` cut to the field's length or, if another row holds that, with the suffix
        (then the suffix and a number), cut so that the suffix survives: names that differ
        only past the length stay distinct instead of colliding."""
        length = model._meta.get_field(field).max_length
        others = model.objects.exclude(pk=exclude) if exclude else model.objects.all()
        for number in itertools.count(1):
            tail = {1: "", 2: suffix}.get(number, f"{suffix}-{number - 1}")
            tail = tail[-(length // 2) :] if tail else ""
            value = wanted[: length - len(tail)] + tail
            if not others.filter(**{field: value}).exists():
                return value
        raise AssertionError("unreachable")

    # Items ----------------------------------------------------------------------------------

    def run(self) -> Report:
        self.import_authors()
        self.import_sections()
        self.import_attachments()
        children, self.children_items = {}, {}
        for item in self.export.items("attachment"):
            parent = self.export.text(item, "wp:post_parent")
            children.setdefault(parent, []).append(self.export.text(item, "wp:post_id"))
            self.children_items.setdefault(parent, []).append(item)
        self.markup = Markup(self.photos, self.photos_by_path, self.report, children)
        # The old site's hosts: its own, and wherever its attachments were served from
        # (WordPress.com serves uploads from <site>.files.wordpress.com).
        self.old_hosts = {
            urlsplit(self.export.site).hostname,
            urlsplit(self.export.site_url).hostname,
        }
        self.old_hosts |= {
            urlsplit(self.export.text(item, "wp:attachment_url")).hostname
            for item in self.export.items("attachment")
        }
        self.import_posts()
        for nicename, (wp_id, name, _) in self.categories.items():
            if wp_id in self.section_ids:
                continue
            if {nicename, name.lower()} & self.used_categories:
                self.report.warnings.append(
                    f"Category “{name}” ({nicename}): never a story's first category, so no "
                    "section was made; the stories in it carry it as a tag."
                )
            else:
                self.report.left_out["category with no posts"] += 1
                self.report.warnings.append(
                    f"Category “{name}” ({nicename}): no post is in it, so no section was made."
                )
        return self.report

    def import_authors(self):
        export = self.export
        self.logins_by_email: dict[str, str] = {}
        for element in export.channel.findall("wp:author", export.ns):
            login = wp_login(export.text(element, "wp:author_login"))
            if not login:
                continue
            name = export.text(element, "wp:author_display_name") or login
            email = export.text(element, "wp:author_email")
            if email:
                self.logins_by_email.setdefault(email.lower(), login)
            try:
                self.author(login=login, name=name, email=email)
            except ValidationError as error:
                self.report.warnings.append(f"Author skipped: {error.messages[0]}.")

    def author(self, *, login: str, name: str = "", email: str = "") -> int:
        """The author a login (or, for a person the file knows only by e-mail, that
        address) stands for: found again by its key, or made here. Files without an author
        list (WordPress.com, partial exports) name people only on their posts."""
        if (object_id := self.known.get(("author", login))) is not None:
            return object_id
        longest = WP_EMAIL_LENGTH if EMAIL.fullmatch(login) else WP_LOGIN_LENGTH
        if len(login) > longest:
            # Refused here, whatever the database would let through (SQLite keeps any length).
            raise ValidationError(
                f"the author “{login[:30]}…” is longer than any WordPress login ({longest})"
            )
        name = html.unescape(name or login.split("@")[0]).strip() or login
        # WordPress's own author address is /author/<login>/: the same slug here.
        login_slug = login.split("@")[0] if EMAIL.fullmatch(login) else login
        slug = slugs.slugify(login_slug, name, max_length=UNCUT, fallback="author")
        author, _ = self.save(Author, "author", login, {"name": name[:120]}, unique_slug=slug)
        if email and not author.handles.filter(kind="email").exists():
            try:
                handle = Handle(author=author, kind="email", value=email)
                handle.full_clean(exclude=["author"])
                handle.save()
            except ValidationError:
                self.report.warnings.append(f"Author {login}: email {email!r} is not valid.")
        return author.pk

    def byline(self, item, where: str) -> list:
        """The story's bylines in order: Co-Authors Plus terms when the item has them (its
        dc:creator is one of them), else dc:creator, by login or by e-mail. A person's role
        comes from the post's custom field byline_role_<login> (a role's key or name, e.g.
        translated or "Translated by"); without one they wrote the story."""
        people = []  # (login as the file names it, author id)
        for term in item.findall("category"):
            if term.get("domain") != "author":
                continue
            login = (term.get("nicename") or "").removeprefix("cap-")
            name = (term.text or "").strip()
            login = wp_login(login or slugify(name))
            if login:
                people.append((login, self.person(login, name)))
        creator = self.export.text(item, "dc:creator")
        if not people and wp_login(creator):
            people.append((wp_login(creator), self.person(creator, "")))
        meta = self.export.meta(item)
        entries, seen = [], set()
        for login, author_id in people:
            if author_id in seen:
                continue
            seen.add(author_id)
            wanted = meta.get(f"byline_role_{login}", "").strip()
            role = self.byline_role(wanted) if wanted else None
            if wanted and role is None:
                self.report.warnings.append(
                    f"{where}: no byline role “{wanted[:40]}” for {login[:40]}; "
                    "imported as Written by."
                )
            entries.append(byline_entry(author_id, role))
        return entries

    def byline_role(self, wanted: str) -> BylineRole | None:
        wanted = wanted.lower()
        return next(
            (
                role
                for role in BylineRole.objects.all()
                if wanted in (role.slug, role.name.lower(), role.phrase.lower())
            ),
            None,
        )

    def person(self, login: str, name: str) -> int:
        login = wp_login(login)
        if EMAIL.fullmatch(login):
            listed = self.logins_by_email.get(login.lower())
            if listed:
                return self.author(login=listed)
            return self.author(login=login.lower(), name=name, email=login)
        return self.author(login=login, name=name)

    def import_sections(self):
        """Read the channel's categories. A section is made only when a story goes in it,
        so categories no post uses leave no empty sections."""
        export = self.export
        self.categories: dict[str, tuple[str, str, str]] = {}  # nicename -> id, name, text
        self.category_names: dict[str, str] = {}  # lower-case name -> nicename
        for element in export.channel.findall("wp:category", export.ns):
            nicename = export.text(element, "wp:category_nicename")
            name = html.unescape(export.text(element, "wp:cat_name")) or nicename
            if not nicename:
                continue
            wp_id = export.text(element, "wp:term_id") or nicename
            description = html.unescape(export.text(element, "wp:category_description"))
            self.categories[nicename] = (wp_id, name, description)
            self.category_names.setdefault(name.lower(), nicename)

    def section_for(self, nicename: str, name: str) -> int | None:
        """The section of a post's category: the channel's category of that nicename, else
        of that name (a post's nicename may differ from the channel's); a section already
        here of that slug, else of that name; else a new one."""
        name = html.unescape(name).strip() or nicename
        declared = self.categories.get(nicename) or self.categories.get(
            self.category_names.get(name.lower(), "")
        )
        if declared:
            wp_id, name, description = declared
            nicename = next(n for n, c in self.categories.items() if c is declared)
        else:
            wp_id, description = nicename or slugify(name), ""
        if not wp_id:
            return None
        if wp_id in self.section_ids:
            return self.section_ids[wp_id]
        slug = slugs.slugify(unquote(nicename or ""), name, max_length=UNCUT, fallback="section")
        mine = self.known.get(("category", wp_id))
        if mine is None:
            found = (
                Section.objects.filter(slug=slug).first()
                or Section.objects.filter(name__iexact=name).first()
            )
            if found is not None:
                self.remember("category", wp_id, found, False, source=MATCHED, counted=False)
                self.section_ids[wp_id] = found.pk
                return found.pk
        try:
            validate_section_slug(slug)
        except ValidationError:
            slug = f"{slug}-section"
        free_name = self.free(Section, "name", name, f" ({nicename})", exclude=mine)
        if free_name != name[: len(free_name)]:
            self.report.warnings.append(f"Section “{name}” imported as “{free_name}”.")
        section, _ = self.save(
            Section,
            "category",
            wp_id,
            {"name": free_name, "description": description},
            unique_slug=slug,
        )
        self.section_ids[wp_id] = section.pk
        return section.pk

    def tag_for(self, nicename: str, name: str) -> Tag | None:
        """A post's tag, found by nicename (slug), then by name, else made."""
        name = html.unescape(name).strip()[:100] or nicename
        if not name:
            return None
        tag = (Tag.objects.filter(slug=nicename).first() if nicename else None) or (
            Tag.objects.filter(name__iexact=name).first()
        )
        if tag is None:
            wanted = slugs.slugify(unquote(nicename or ""), name, max_length=UNCUT, fallback="tag")
            slug = self.free(Tag, "slug", wanted, "-wp")
            tag = Tag.objects.create(name=self.free(Tag, "name", name, " (wp)"), slug=slug)
        return tag

    def media_file(self, url: str) -> Path | None:
        """The attachment's file under --media-dir: the URL's path below /uploads/, or its
        last parts. Every candidate is resolved (links followed) first; one that leaves the
        folder raises OutsideMediaDir, so a hostile path is never opened."""
        if self.media_dir is None:
            return None
        root = self.media_dir.resolve()
        path = urlsplit(url).path
        candidates = []
        if "/uploads/" in path:
            candidates.append(path.split("/uploads/", 1)[1])
        parts = [p for p in path.split("/") if p]
        candidates += ["/".join(parts[-3:]), parts[-1] if parts else ""]
        for relative in filter(None, candidates):
            try:
                found = (root / relative).resolve()
            except (OSError, RuntimeError, ValueError) as error:  # a link loop, a NUL
                raise OutsideMediaDir(f"{relative} cannot be resolved ({error})") from None
            if not found.is_relative_to(root):
                raise OutsideMediaDir(f"{relative} leads to {found}")
            if found.is_file():
                return found
        return None

    def keep_photo(self, wp_id: str, url: str, photo: Photo) -> None:
        self.photos[wp_id] = self.photos_by_path[urlsplit(url).path] = photo

    def import_attachments(self) -> None:
        export = self.export
        for item in self.progress(list(export.items("attachment")), desc="photos", unit="photo"):
            wp_id = export.text(item, "wp:post_id")
            url = export.text(item, "wp:attachment_url")
            existing = self.existing(Photo, "attachment", wp_id)
            label = f"attachment {wp_id} {url}"
            if existing is not None:
                self.keep_photo(wp_id, url, existing)
                self.report.unchanged["attachment"] += 1
                self.report.item(label, "unchanged (photos are imported once)")
                continue
            if not IMAGE_FILE.search(urlsplit(url).path):
                self.report.skipped["attachment (not a photo)"] += 1
                self.report.item(label, "skipped: not a photo")
                continue
            try:
                source = self.media_file(url)
            except OutsideMediaDir as error:
                self.report.skipped["attachment (outside --media-dir)"] += 1
                self.report.warnings.append(f"{url}: outside --media-dir ({error}); skipped.")
                self.report.item(label, "skipped: its file lies outside --media-dir")
                continue
            if source is None:
                self.report.missing_media.append(url)
                self.report.skipped["attachment (file missing)"] += 1
                self.report.item(label, "skipped: its file is not under --media-dir")
                continue
            meta = export.meta(item)
            image_meta = meta.get("_wp_attachment_metadata", "")
            caption = html.unescape(export.text(item, "excerpt:encoded"))
            credit = (
                php_string(image_meta, "credit")
                or php_string(image_meta, "copyright")
                or credit_in(caption)
                or credit_in(php_string(image_meta, "caption"))
                or export.title
            )
            if credit == export.title:
                self.report.warnings.append(
                    f"Photo {source.name}: no credit in WordPress; credited to “{credit}”."
                )
            title = title_text(export.text(item, "title"))
            alt = meta.get("_wp_attachment_image_alt") or title or source.stem
            try:
                photo = self.new_photo(source, caption=caption, alt=alt, credit=credit)
            except ValidationError as error:
                self.report.warnings.append(f"Photo {source.name} skipped: {error.messages[0]}")
                self.report.skipped["attachment"] += 1
                self.report.item(label, f"skipped: {error.messages[0]}")
                continue
            self.remember("attachment", wp_id, photo, True)
            self.keep_photo(wp_id, url, photo)
            self.report.item(label, "created")

    def new_photo(self, source: Path, *, caption: str, alt: str, credit: str) -> Photo:
        """A library photo from a file under --media-dir, checked and cleaned as an upload
        is (ValidationError when it is no usable image)."""
        with source.open("rb") as handle:
            upload = File(handle, name=source.name)
            inspected = imaging.inspect_upload(upload)
            master = imaging.clean_master(upload, inspected)
        photo = Photo(
            caption=caption,
            alt_text=alt[:300],
            credit=credit[:200],
            source=self.export.title[:120],
        )
        photo.image.save(source.name, master, save=False)
        self.written_files.append(photo.image.name)
        photo.save()
        imaging.refresh_renditions(photo)
        self.written_files += sorted(imaging.rendition_names(photo.renditions))
        return photo

    # Pictures in bodies ---------------------------------------------------------------------

    def from_old_site(self, src: str) -> bool:
        parts = urlsplit(html.unescape(src))
        hosts = {h.removeprefix("www.") for h in self.old_hosts if h}
        if parts.hostname:
            return parts.hostname.removeprefix("www.") in hosts
        return parts.path.startswith("/wp-content/")

    def localize_images(self, body: str, where: str) -> str:
        """Every picture in the body that the old site served becomes a library photo (the
        attachment's, or its file from --media-dir imported), or a visible placeholder with
        its caption, listed in the report. Never a link to the old site: it goes away at
        cut-over, and the site's own CSP blocks it anyway."""

        def figure(match: re.Match) -> str:
            inner = match.group("inner")
            img = _IMG.search(inner)
            src = _SRC.search(img.group(0)) if img else None
            if src is None or not self.from_old_site(src.group(1)):
                return match.group(0)
            caption = re.search(r"<figcaption\b[^>]*>(.*?)</figcaption>", inner, re.S | re.I)
            return self.local_image(
                img.group(0), caption.group(1).strip() if caption else "", where
            )

        def bare(match: re.Match) -> str:
            src = _SRC.search(match.group(0))
            if src is None or not self.from_old_site(src.group(1)):
                return match.group(0)
            return self.local_image(_IMG.search(match.group(0)).group(0), "", where)

        body = _FIGURE.sub(figure, body)
        return re.sub(r"(?:<a\b[^>]*>\s*)?<img\b[^>]*>(?:\s*</a>)?", bare, body, flags=re.I)

    def local_image(self, img: str, caption: str, where: str) -> str:
        src = html.unescape(_SRC.search(img).group(1))
        alt = _ALT.search(img)
        alt = html.unescape(alt.group(1)) if alt else ""
        photo = self.markup.photo_at(src)
        # A picture no attachment stands for: keyed on its path, so a re-run finds it again.
        key = f"body:{urlsplit(src).path}"[:200]
        if photo is None:
            photo = self.existing(Photo, "attachment", key)
        if photo is None and self.media_dir is not None:
            try:
                source = self.media_file(src)
            except OutsideMediaDir:
                source = None
            if source is not None:
                try:
                    photo = self.new_photo(
                        source,
                        caption=plain_text(caption),
                        alt=alt or plain_text(caption) or source.stem,
                        credit=credit_in(caption) or self.export.title,
                    )
                except ValidationError:
                    photo = None
                else:
                    self.remember("attachment", key, photo, True)
        if photo is not None:
            caption_html = f"<figcaption>{caption}</figcaption>" if caption else ""
            safe = html.escape(media_url(photo.image.name), quote=True)
            alt_html = html.escape(photo.alt_text, quote=True)
            return f'<figure><img src="{safe}" alt="{alt_html}">{caption_html}</figure>'
        self.report.missing_media.append(src)
        self.report.warnings.append(
            f"{where}: the picture {src} from the old site was not imported (no file under "
            "--media-dir); a placeholder with its caption stands in its place."
        )
        words = caption or html.escape(alt) or "no caption"
        return f"<p>[Picture not imported: {words}]</p>"

    def import_posts(self):
        export = self.export
        items = list(export.items())
        for item in self.progress(items, desc="stories", unit="item"):
            post_type = export.text(item, "wp:post_type")
            comments = len(item.findall("wp:comment", export.ns))
            self.report.left_out["comment"] += comments
            if post_type == "attachment":
                continue
            wp_id = export.text(item, "wp:post_id")
            wp_status = export.text(item, "wp:status")
            title = title_text(export.text(item, "title"))
            label = f"{post_type or 'item'} {wp_id or '(no id)'} “{title[:40]}”"
            if post_type in LEFT_OUT:
                self.report.left_out[post_type] += 1
                self.report.item(label, f"left out: {LEFT_OUT[post_type]}")
                continue
            if post_type != "post":
                self.report.skipped[post_type or "unknown"] += 1
                self.report.item(label, "skipped: only posts become stories")
                continue
            if not wp_id:
                self.report.skipped["post (no wp:post_id)"] += 1
                self.report.item(label, "skipped: it has no wp:post_id")
                continue
            if not (wp_id.isdigit() and len(wp_id) <= WP_ID_DIGITS):
                self.report.skipped["post (bad data)"] += 1
                self.report.item(label, "skipped: its wp:post_id is not a WordPress id")
                continue
            if wp_status not in STATUSES:
                self.report.skipped[f"post ({wp_status or 'no status'})"] += 1
                self.report.item(label, f"skipped: its status is {wp_status or 'missing'}")
                continue
            # A bad item goes alone, the rest is imported: its rows roll back to the
            # savepoint, and what this run remembers goes back with them.
            memory = [dict(kept) for kept in (self.section_ids, self.known, self.records)] + [
                dict(self.photos_by_path)
            ]
            try:
                with transaction.atomic():
                    outcome = self.import_post(item, wp_id, wp_status)
            except (DatabaseError, ValidationError, ValueError) as error:
                self.section_ids, self.known, self.records, by_path = memory
                self.photos_by_path.clear()
                self.photos_by_path.update(by_path)  # the markup reads the same dict
                detail = " ".join(str(error).split())[:200]
                self.report.skipped["post (bad data)"] += 1
                self.report.item(label, f"skipped: {detail}")
                continue
            if comments:
                outcome += f"; {comments} comments left out"
            self.report.item(label, outcome)
        self.report.warnings = list(dict.fromkeys(self.report.warnings))
        self.report.missing_media = list(dict.fromkeys(self.report.missing_media))

    def import_post(self, item, wp_id, wp_status):
        export = self.export
        title = title_text(export.text(item, "title")) or f"Untitled ({wp_id})"
        where = f"Post {wp_id} “{title[:40]}”"
        terms = [
            (term.get("domain"), term.get("nicename") or "", term.text or "")
            for term in item.findall("category")
        ]
        # A story has one section: its first category. The others become tags, so no
        # story loses the words it was filed under.
        section_id, also = None, []
        for domain, nicename, name in terms:
            if domain != "category":
                continue
            self.used_categories |= {nicename, html.unescape(name).strip().lower()}
            if section_id is None and (found := self.section_for(nicename, name)):
                section_id = found
            elif nicename != "uncategorized":
                also.append(("post_tag", nicename, name))
        if section_id is None:
            section_id = self.fallback_section().pk
        # "post_tag" since WXR 1.1, "tag" in 1.0.
        tags = [
            tag
            for domain, nicename, name in terms + also
            if domain in ("post_tag", "tag") and (tag := self.tag_for(nicename, name))
        ]
        when = gmt(export.text(item, "wp:post_date_gmt"))
        status = STATUSES[wp_status]
        if status == Article.Status.PUBLISHED and when is None:
            when = gmt(export.text(item, "wp:post_date"))
            self.report.warnings.append(f"{where}: no GMT date; its local date was used.")
        if wp_status == "private":
            self.report.warnings.append(f"{where}: private in WordPress, unpublished here.")
        if export.text(item, "wp:post_password"):
            # WordPress never shows it without the password: kept, never public here.
            status, when = Article.Status.UNPUBLISHED, None
            self.report.warnings.append(
                f"{where}: password-protected in WordPress, imported unpublished; "
                "publish it by hand if it may be read by everyone."
            )
        self.markup.post_id = wp_id
        body = self.markup.convert(export.text(item, "content:encoded"), where)
        body = self.localize_images(body, where)
        thumbnail = export.meta(item).get("_thumbnail_id")
        lead = self.photos.get(thumbnail) if thumbnail else None
        byline = self.byline(item, where)
        story_type = self.story_type(terms)
        sponsor = {
            "sponsor_name": export.meta(item).get("sponsor_name", "")[:120],
            "sponsor_url": export.meta(item).get("sponsor_url", "")[:500],
        }
        if story_type == Article.StoryType.SPONSORED and status == Article.Status.PUBLISHED:
            missing = workflow.sponsor_problems(Article(story_type=story_type, **sponsor)).values()
            if missing:
                status, when = Article.Status.UNPUBLISHED, None
                self.report.warnings.append(
                    f"{where}: filed under Sponsored without a sponsor's name and link "
                    "(custom fields sponsor_name, sponsor_url); imported unpublished."
                )
        values = {
            "headline": title[:200],
            "section_id": section_id,
            "body": body,
            "teaser": html.unescape(export.text(item, "excerpt:encoded")),
            "status": status,
            "publish_at": when if status == Article.Status.PUBLISHED else None,
            "lead_photo_id": lead.pk if lead else None,
            "story_type": story_type,
            **sponsor,
        }
        slug = story_slug(export.text(item, "wp:post_name"), title, wp_id)
        if export.text(item, "wp:is_sticky") == "1":
            self.report.warnings.append(
                f"{where}: sticky in WordPress; Newsroom pins no stories (the home page leads "
                "with the newest), so check the front page."
            )
        story, outcome = self.save(
            Article,
            "post",
            wp_id,
            values,
            unique_slug=slug,
            bylines=byline,
            tags=sorted({tag.pk for tag in tags}),
        )
        self.keep_permalinks(story, item, wp_id)
        return outcome

    @staticmethod
    def story_type(terms) -> str:
        """A post filed under a category named for a story type (Opinion, Analysis, Review,
        Explainer, Sponsored, Live: its name or slug) is of that type; else News."""
        types = {value: value for value in Article.StoryType.values}
        types |= {label.lower(): value for value, label in Article.StoryType.choices}
        for domain, nicename, name in terms:
            if domain != "category":
                continue
            for key in (nicename.lower(), html.unescape(name).strip().lower()):
                if key in types:
                    return types[key]
        return Article.StoryType.NEWS

    def fallback_section(self) -> Section:
        section, created = Section.objects.get_or_create(
            slug="uncategorized", defaults={"name": "Uncategorized"}
        )
        if created:
            self.report.created["category"] += 1
        return section

    def keep_permalinks(self, story: Article, item, wp_id: str) -> None:
        """Every address WordPress answered for the story redirects to it: its permalink
        (with its query, for the default ?p= structure), /?p=ID, which WordPress answers
        whatever the structure, and its attachments' pages."""
        base = urlsplit(self.export.site).path.rstrip("/")
        addresses = [old_address(self.export.text(item, "link")), f"{base}/?p={wp_id}"]
        for attachment in self.children_items.get(wp_id, []):
            attachment_id = self.export.text(attachment, "wp:post_id")
            addresses += [
                old_address(self.export.text(attachment, "link")),
                f"{base}/?attachment_id={attachment_id}",
            ]
        for path in filter(None, dict.fromkeys(addresses)):
            if path in ("/", OldURL.path_of(story.get_absolute_url())) or len(path) > 400:
                continue
            OldURL.objects.filter(path=path).exclude(article=story).delete()
            OldURL.objects.update_or_create(path=path, defaults={"article": story})


def title_text(raw: str) -> str:
    """A WordPress title as words: it may hold markup ("Title <em>With</em> Markup") and
    entities; a headline here is plain text, so the tags go and the words stay."""
    return plain_text(raw)


def old_address(link: str) -> str:
    """The path (and query, for ?p= style links) of an address on the old site."""
    parts = urlsplit(link)
    path = unquote(parts.path)  # as Django's request.path reads it: /2026/01/порт/
    return path + (f"?{parts.query}" if parts.query else "") if path else ""


def story_slug(post_name: str, title: str, wp_id: str) -> str:
    """A readable slug (newsroom.slugs) from WordPress's post_name, which keeps non-ASCII
    letters percent-encoded, else from the title; a .html left from an old permalink
    structure is not part of it (its old address still redirects)."""
    post_name = re.sub(r"\.html?$", "", unquote(post_name).strip(), flags=re.I)
    return slugs.slugify(post_name, title, f"post {wp_id}", max_length=UNCUT)


def credit_in(caption: str) -> str:
    """A credit written into a caption: "... Photo: Ana Reed", "(Photo by Ana Reed)",
    "Credit: ...", "© ..."."""
    text = re.sub(r"<[^>]+>", " ", html.unescape(caption))
    found = re.search(
        r"(?:\b(?:photo|photograph|picture|image|credit)s?(?:\s+by)?\s*[:\-–]?\s+|©\s*)"
        r"([^()\[\]\n.;]{2,100}?)\s*[)\].;]*\s*$",
        text,
        re.I,
    )
    return found.group(1).strip() if found else ""


def wp_login(value: str) -> str:
    """A login as WordPress's importer reads it (sanitize_user, strict): a stray '>' or tag
    around dc:creator does not make another person."""
    value = re.sub(r"<[^>]*>", "", html.unescape(value))
    return " ".join(re.sub(r"[^A-Za-z0-9 _.@-]", "", value).split())


def byline_entry(author_id: int, role) -> int | list:
    """A byline as imports compare them: the author's id, with the role's key beside it
    when it is not Written by (so bylines imported before roles compare as they did)."""
    return author_id if role is None or role.is_default else [author_id, role.slug]


def current(story: Article, name: str) -> list:
    if name == "bylines":
        return [byline_entry(b.author_id, b.role) for b in story.bylines.select_related("role")]
    return sorted(story.tags.values_list("pk", flat=True))


def set_byline(story: Article, entries: list) -> None:
    if current(story, "bylines") != entries:
        story.bylines.all().delete()
        roles = {role.slug: role for role in BylineRole.objects.all()}
        bylines = []
        for position, entry in enumerate(entries):
            author_id, role = entry if isinstance(entry, list) else (entry, None)
            byline = Byline(article=story, author_id=author_id, position=position)
            if role is not None:
                byline.role = roles[role]
            bylines.append(byline)
        Byline.objects.bulk_create(bylines)


def php_string(serialized: str, key: str) -> str:
    """A string value out of PHP's serialize() format, as WordPress stores image metadata."""
    match = re.search(rf's:\d+:"{re.escape(key)}";s:\d+:"(.*?)";', serialized)
    return html.unescape(match.group(1)).strip() if match else ""


SYSTEM_USER = "wordpress-import"


def importing_user(username: str | None):
    """Who the import's revisions and log entries are by: --user, or a system user made for
    it that cannot sign in."""
    users = get_user_model().objects
    if username:
        user = users.filter(username=username).first()
        if user is None:
            raise WordPressError(f"--user {username}: there is no such user.")
        return user
    user, created = users.get_or_create(
        username=SYSTEM_USER, defaults={"first_name": "WordPress import", "is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def import_file(path, *, media_dir=None, dry_run=False, progress=None, user=None) -> Report:
    """Read, check and import one export; all of it or (on an error, or a dry run) none.
    Items that are bad on their own are skipped and reported; the rest is imported."""
    export = read_export(path)
    media = Path(media_dir) if media_dir else None
    if media is not None and not media.is_dir():
        raise WordPressError(f"--media-dir {media} is not a folder.")
    importer = Importer(export, media_dir=media, user=None, progress=progress)
    try:
        with transaction.atomic():
            importer.user = importing_user(user)
            report = importer.run()
            if dry_run:
                transaction.set_rollback(True)
    except DatabaseError as error:
        # A value the database will not hold (a length no field has, say): the file's fault,
        # refused in one line like any other; the rows rolled back.
        dry_run = True
        detail = " ".join(str(error).split())
        raise WordPressError(f"{path} holds something the database refuses: {detail}") from None
    except BaseException:
        dry_run = True  # the rows rolled back: the files go too
        raise
    finally:
        if dry_run:
            for name in importer.written_files:
                default_storage.delete(name)
    return report
