"""Content archives: everything a newsroom has written, in one zip file, and back.

`export_content` writes sections, photos (with their files and renditions), authors and their
handles, stories with bylines, corrections, old URLs, tags, every revision and the activity
log. `import_content` loads such an archive into a database, all or nothing.

Format (version 1), a zip holding:
- manifest.json: format version, when and what was exported (counts), and every media file
  with its size and SHA-256, checked before anything is written;
- people.json: the staff accounts the content points at (username, name, email), so the
  content can point at them again; no passwords ever leave the database;
- content.json: Django's JSON serialization, primary keys kept (revisions and the activity
  log name objects by key), users and content types by natural key;
- media/<name>: every photo file under its storage name.
"""

import datetime
import hashlib
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import serializers
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

FORMAT_VERSION = 1

# In the order they load: everything a model points at comes before it.
MODELS = [
    "articles.Section",
    "articles.Photo",
    "authors.Author",
    "authors.Handle",
    "articles.Article",
    "articles.Byline",
    "articles.Correction",
    "articles.OldURL",
    "taggit.Tag",
    "taggit.TaggedItem",
    "reversion.Revision",
    "reversion.Version",
    "articles.Activity",
]
# Computed from the story on save; rebuilt after loading (its text form is not portable).
SKIP_FIELDS = {"articles.Article": {"search_vector"}}
PERSON_FIELDS = ("username", "first_name", "last_name", "email", "is_staff", "is_active")

Progress = Callable[[str], None]


class PreciseJSONEncoder(DjangoJSONEncoder):
    """Times to the microsecond: Django's own encoder cuts them to milliseconds, which
    would make an export lossy."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


def serialize(model) -> list[dict]:
    """Every row of a content model as Django's JSON serialization, users and content types
    by natural key."""
    data = serializers.serialize(
        "json",
        model._default_manager.order_by("pk"),
        fields=_fields(model),
        use_natural_foreign_keys=True,
        cls=PreciseJSONEncoder,
    )
    return json.loads(data)


class ArchiveError(Exception):
    """The archive cannot be read or loaded; nothing has been changed."""


@dataclass
class Summary:
    counts: dict[str, int] = field(default_factory=dict)
    files: int = 0
    people_created: list[str] = field(default_factory=list)


def content_models():
    return [apps.get_model(label) for label in MODELS]


def _fields(model) -> list[str] | None:
    skip = SKIP_FIELDS.get(model._meta.label, set())
    if not skip:
        return None
    return [f.name for f in model._meta.local_fields if f.name not in skip and not f.primary_key]


def media_names() -> list[str]:
    """Every stored file the content uses: photo masters and their renditions."""
    from articles.imaging import rendition_names
    from articles.models import Photo

    names = set()
    for image, renditions in Photo.objects.values_list("image", "renditions"):
        if image:
            names.add(image)
        names |= rendition_names(renditions or {})
    return sorted(names)


def _people() -> list[dict]:
    """The accounts the content points at: whoever uploaded, wrote, edited or trashed."""
    user_model = get_user_model()
    ids = set()
    for model in content_models():
        for f in model._meta.concrete_fields:
            if f.is_relation and f.related_model is user_model:
                ids |= set(
                    model.objects.exclude(**{f.attname: None}).values_list(f.attname, flat=True)
                )
    people = []
    for user in user_model.objects.filter(pk__in=ids).prefetch_related("groups").order_by("pk"):
        person = {name: getattr(user, name) for name in PERSON_FIELDS}
        person["groups"] = sorted(g.name for g in user.groups.all())
        people.append(person)
    return people


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def export_archive(path, *, progress: Progress = lambda message: None, storage=default_storage):
    """Write the whole newsroom to a zip at ``path``; returns a Summary."""
    summary = Summary()
    blocks = []
    for model in content_models():
        rows = serialize(model)
        blocks.extend(rows)
        summary.counts[model._meta.label] = len(rows)
        progress(f"{model._meta.verbose_name_plural}: {len(rows)}")
    names = media_names()
    files = []
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for number, name in enumerate(names, 1):
            if not storage.exists(name):
                progress(f"missing file, not in the archive: {name}")
                continue
            with storage.open(name, "rb") as source:
                data = source.read()
            # Images are compressed already; storing them saves time for nothing lost.
            archive.writestr(f"media/{name}", data, compress_type=zipfile.ZIP_STORED)
            files.append({"name": name, "size": len(data), "sha256": _sha256(data)})
            if number % 50 == 0 or number == len(names):
                progress(f"files: {number}/{len(names)}")
        summary.files = len(files)
        manifest = {
            "format": "newsroom-content",
            "version": FORMAT_VERSION,
            "exported_at": timezone.now().isoformat(),
            "counts": summary.counts,
            "files": files,
        }
        archive.writestr("people.json", json.dumps(_people(), indent=1))
        archive.writestr("content.json", json.dumps(blocks, indent=1))
        archive.writestr("manifest.json", json.dumps(manifest, indent=1))
    return summary


def _read_archive(path) -> tuple[zipfile.ZipFile, dict]:
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise ArchiveError(f"No such file: {path}") from None
    except (zipfile.BadZipFile, OSError) as error:
        raise ArchiveError(f"{path} is not a content archive (not a zip file: {error}).") from None
    try:
        manifest = json.loads(archive.read("manifest.json"))
    except (KeyError, ValueError, zipfile.BadZipFile) as error:
        archive.close()
        raise ArchiveError(f"{path} has no readable manifest.json ({error}).") from None
    if manifest.get("format") != "newsroom-content" or manifest.get("version") != FORMAT_VERSION:
        archive.close()
        raise ArchiveError(
            f"{path} is not a Newsroom content archive of version {FORMAT_VERSION} "
            f"(it says {manifest.get('format')!r} version {manifest.get('version')!r})."
        )
    return archive, manifest


def _check_files(archive, manifest, progress: Progress) -> None:
    """Every listed file is there, whole: checked before anything is written."""
    files = manifest["files"]
    for number, entry in enumerate(files, 1):
        try:
            data = archive.read(f"media/{entry['name']}")
        except (KeyError, zipfile.BadZipFile, OSError) as error:
            raise ArchiveError(f"The archive is damaged: {entry['name']} ({error}).") from None
        if len(data) != entry["size"] or _sha256(data) != entry["sha256"]:
            raise ArchiveError(f"The archive is damaged: {entry['name']} does not match.")
        if number % 50 == 0 or number == len(files):
            progress(f"checked files: {number}/{len(files)}")


def existing_content() -> dict[str, int]:
    return {
        model._meta.label: count
        for model in content_models()
        if (count := model._default_manager.count())
    }


def _ensure_people(people: list[dict], summary: Summary) -> None:
    """Accounts are matched by username; missing ones are made inactive, with no password."""
    user_model = get_user_model()
    for person in people:
        if user_model.objects.filter(username=person["username"]).exists():
            continue
        user = user_model(**{name: person[name] for name in PERSON_FIELDS})
        user.is_active = False
        user.set_unusable_password()
        user.save()
        user.groups.set(Group.objects.filter(name__in=person.get("groups", [])))
        summary.people_created.append(user.username)


def _write_files(archive, manifest, storage, progress: Progress) -> list[str]:
    """Put every file in place under its exact name; returns the names newly written."""
    written = []
    files = manifest["files"]
    try:
        for number, entry in enumerate(files, 1):
            name = entry["name"]
            if storage.exists(name):
                with storage.open(name, "rb") as current:
                    if _sha256(current.read()) == entry["sha256"]:
                        continue
                raise ArchiveError(f"A different file is already stored as {name}.")
            saved = storage.save(name, ContentFile(archive.read(f"media/{name}")))
            written.append(saved)
            if saved != name:
                raise ArchiveError(f"Storage would not keep the name {name} (it gave {saved}).")
            if number % 50 == 0 or number == len(files):
                progress(f"files: {number}/{len(files)}")
    except BaseException:
        for name in written:
            storage.delete(name)
        raise
    return written


def _reset_sequences() -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), content_models())
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def import_archive(
    path,
    *,
    replace: bool = False,
    progress: Progress = lambda message: None,
    storage=default_storage,
) -> Summary:
    """Load an archive: all of it, or (on any error) nothing, files included."""
    from articles.models import Article
    from articles.search import update_search_vectors

    archive, manifest = _read_archive(path)
    with archive:
        present = existing_content()
        if present and not replace:
            listed = ", ".join(f"{count} {label}" for label, count in present.items())
            raise ArchiveError(
                f"The database already holds content ({listed}). Import into an empty "
                "database, or pass --replace to delete it and load the archive instead."
            )
        _check_files(archive, manifest, progress)
        try:
            people = json.loads(archive.read("people.json"))
            content = archive.read("content.json").decode()
        except (KeyError, ValueError, zipfile.BadZipFile) as error:
            raise ArchiveError(f"The archive is damaged ({error}).") from None
        summary = Summary()
        written = _write_files(archive, manifest, storage, progress)
        try:
            with transaction.atomic():
                if present:
                    for model in reversed(content_models()):
                        model._default_manager.all().delete()
                    progress("deleted the content that was there")
                _ensure_people(people, summary)
                for obj in serializers.deserialize("json", content):
                    obj.save(force_insert=True)
                    label = obj.object._meta.label
                    summary.counts[label] = summary.counts.get(label, 0) + 1
                for label, count in summary.counts.items():
                    progress(f"{apps.get_model(label)._meta.verbose_name_plural}: {count}")
                # Foreign keys are checked at commit; check them now, while an error can
                # still be reported as a damaged archive.
                connection.check_constraints()
                _reset_sequences()
                update_search_vectors(Article.objects.all())
                expected = manifest.get("counts", {})
                if {k: v for k, v in expected.items() if v} != summary.counts:
                    raise ArchiveError(
                        f"The archive's content does not match its manifest "
                        f"(manifest {expected}, content {summary.counts})."
                    )
        except BaseException as error:
            for name in written:  # the rows rolled back: the files go too
                storage.delete(name)
            if isinstance(error, serializers.base.DeserializationError | IntegrityError):
                raise ArchiveError(f"The archive's content cannot be loaded: {error}") from None
            raise
        summary.files = len(manifest["files"])
    return summary
