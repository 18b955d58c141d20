"""Content archives: everything a newsroom has written, in one zip file, and back.

`export_content` writes sections, photos (with their files and renditions), authors and their
handles, stories with bylines, corrections, old URLs, tags, every revision and the activity
log. `import_content` loads such an archive into a database, all or nothing.

Format (version 1), a zip holding:
- manifest.json: format version, when and what was exported (counts), and every media file
  with its size and SHA-256, checked before anything is written;
- people.json: the staff accounts the content points at (username, name, email, and for the
  record whether they were staff and active and in which groups), so the content can point at
  them again; no passwords ever leave the database;
- content.json: Django's JSON serialization, primary keys kept (revisions and the activity
  log name objects by key), users and content types by natural key;
- media/<name>: every photo file under its storage name.

An archive is input from outside: the import loads exactly what the export writes and
refuses the whole archive, before writing anything, if it holds anything else: a model not in
MODELS, a field the export does not write, a revision or tag of another kind of object, an
account with more than a name, a file no photo uses, a member larger than its limit.
Accounts are matched by username; missing ones are made as names only (inactive, no
password, not staff, no groups): what they were where the archive was made is reported, and
never granted.
"""

import datetime
import hashlib
import json
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import reversion
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, transaction
from django.utils import timezone
from taggit.managers import TaggableManager

from events.stories import story_loaded, story_removed
from newsroom import slugs

FORMAT_VERSION = 1

# In the order they load: everything a model points at comes before it.
MODELS = [
    "articles.Section",
    "articles.Photo",
    "authors.Author",
    "authors.Handle",
    "articles.Article",
    "articles.BylineRole",
    "articles.Byline",
    "articles.Correction",
    "articles.LiveUpdate",
    "articles.OldURL",
    "taggit.Tag",
    "taggit.TaggedItem",
    "reversion.Revision",
    "reversion.Version",
    "articles.Activity",
]
# Rows a migration seeds (the byline roles): not content that makes a database "not empty",
# and replaced by the archive's own when it carries them.
SEEDED = {"articles.BylineRole"}
# Computed from the story on save; rebuilt after loading (its text form is not portable).
SKIP_FIELDS = {"articles.Article": {"search_vector"}}
PERSON_FIELDS = ("username", "first_name", "last_name", "email", "is_staff", "is_active")
# What an account made by the import gets from the archive: its name, nothing that grants.
PERSON_NAME_FIELDS = ("username", "first_name", "last_name", "email")
JSON_MEMBERS = ("manifest.json", "people.json", "content.json")

# Reading members: a declared size over the limit, or a member that inflates more than
# MAX_RATIO times (past RATIO_FLOOR), is refused before a byte is read; reading stops at the
# limit whatever the header says. JSON files are read whole (ARCHIVE_MAX_JSON_MB); a media
# file may be twice the photo upload limit (a master is re-encoded on upload).
# Measured content.json ratios: 18 (the demo), 38 (20 revisions a story), 116 (500 revisions
# of one story in a row, a made-up worst case; deflate's distance codes keep repeated text
# near this). A run of one byte, the usual bomb, inflates 1030 times.
MAX_RATIO = 200
RATIO_FLOOR = 1024 * 1024
CHUNK = 1024 * 1024

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
        fields=export_fields(model),
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
    # The groups each created account had where the archive was made (reported, not granted).
    groups_elsewhere: dict[str, list[str]] = field(default_factory=dict)


def content_models():
    return [apps.get_model(label) for label in MODELS]


def export_fields(model) -> list[str]:
    """The fields of a content model an archive holds: what the serializer writes, less the
    computed ones. The export writes these and the import allows only these."""
    skip = SKIP_FIELDS.get(model._meta.label, set())
    local = [f.name for f in model._meta.local_fields if f.serialize and f.name not in skip]
    many = [
        f.name
        for f in model._meta.local_many_to_many
        if f.serialize and f.remote_field.through._meta.auto_created and f.name not in skip
    ]
    return local + many


def _generic_targets() -> dict[str, set[str]]:
    """The models a row may name by content type: tags go on taggable content models,
    versions are of the content models registered with django-reversion."""
    content = content_models()
    tagged = {
        m._meta.label_lower
        for m in content
        if any(isinstance(f, TaggableManager) for f in m._meta.get_fields())
    }
    versioned = {m._meta.label_lower for m in content if reversion.is_registered(m)}
    return {"taggit.taggeditem": tagged, "reversion.version": versioned}


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


# Reading an archive: bounded, and only what the export writes ------------------------------


def _limits() -> dict[str, int]:
    json_limit = settings.NEWSROOM_ARCHIVE_MAX_JSON_MB * 1024 * 1024
    return {"json": json_limit, "media": 2 * settings.NEWSROOM_PHOTO_MAX_MB * 1024 * 1024}


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def _chunks(archive: zipfile.ZipFile, name: str, limit: int) -> Iterator[bytes]:
    """A member's bytes in bounded chunks. Its declared size and compression ratio are checked
    before reading, and reading stops at the limit, whatever the header claimed."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise ArchiveError(f"The archive is damaged: it has no {name}.") from None
    if info.file_size > limit:
        raise ArchiveError(
            f"{name} is {_megabytes(info.file_size)}, more than the {_megabytes(limit)} "
            "an archive member may hold."
        )
    if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        raise ArchiveError(
            f"{name} would inflate {info.file_size // max(info.compress_size, 1)} times "
            f"(more than {MAX_RATIO}): a zip bomb, not an export."
        )
    read = 0
    try:
        with archive.open(info) as member:
            while chunk := member.read(CHUNK):
                read += len(chunk)
                if read > min(limit, info.file_size):
                    raise ArchiveError(f"{name} holds more than its header says.")
                yield chunk
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError) as error:
        # RuntimeError: an encrypted member; the others: damaged or truncated data.
        raise ArchiveError(f"The archive is damaged: {name} ({error}).") from None


def _read_json(archive: zipfile.ZipFile, name: str):
    data = b"".join(_chunks(archive, name, _limits()["json"]))
    try:
        return json.loads(data)
    except ValueError as error:
        raise ArchiveError(f"The archive is damaged: {name} is not JSON ({error}).") from None


def _read_archive(path) -> tuple[zipfile.ZipFile, dict]:
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise ArchiveError(f"No such file: {path}") from None
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise ArchiveError(f"{path} is not a content archive (not a zip file: {error}).") from None
    try:
        manifest = _read_json(archive, "manifest.json")
    except ArchiveError as error:
        archive.close()
        raise ArchiveError(f"{path} has no readable manifest.json ({error})") from None
    said = manifest if isinstance(manifest, dict) else {}
    if said.get("format") != "newsroom-content" or said.get("version") != FORMAT_VERSION:
        archive.close()
        raise ArchiveError(
            f"{path} is not a Newsroom content archive of version {FORMAT_VERSION} "
            f"(it says {said.get('format')!r} version {said.get('version')!r})."
        )
    return archive, manifest


def _check_people(people) -> set[str]:
    """people.json holds names and the record of what each account was, nothing more; returns
    the usernames."""
    user_model = get_user_model()
    allowed = {*PERSON_FIELDS, "groups"}
    if not isinstance(people, list):
        raise ArchiveError("people.json is not a list of people.")
    usernames = set()
    for number, person in enumerate(people, 1):
        where = f"people.json, person {number}"
        if not isinstance(person, dict):
            raise ArchiveError(f"{where} is not a person.")
        extra = sorted(set(person) - allowed)
        if extra:
            raise ArchiveError(
                f"{where} ({person.get('username')!r}) has {', '.join(extra)}: an archive may "
                f"not carry that (only {', '.join(sorted(allowed))})."
            )
        if set(person) != allowed:
            missing = ", ".join(sorted(allowed - set(person)))
            raise ArchiveError(f"{where} lacks {missing}.")
        names = [person[name] for name in PERSON_NAME_FIELDS]
        flags = [person[name] for name in ("is_staff", "is_active")]
        groups = person["groups"]
        if not (
            all(isinstance(name, str) for name in names)
            and all(isinstance(flag, bool) for flag in flags)
            and isinstance(groups, list)
            and all(isinstance(group, str) for group in groups)
        ):
            raise ArchiveError(f"{where} is not a person as export writes them.")
        user = user_model(**{name: person[name] for name in PERSON_NAME_FIELDS})
        try:
            user.clean_fields(exclude=["password", "last_login", "date_joined"])
        except (ValidationError, TypeError, ValueError) as error:
            detail = error.messages[0] if isinstance(error, ValidationError) else error
            raise ArchiveError(f"{where} ({person.get('username')!r}): {detail}") from None
        if person["username"] in usernames:
            raise ArchiveError(f"{where}: {person['username']!r} is listed twice.")
        usernames.add(person["username"])
    return usernames


def _check_content(rows, usernames: set[str]) -> set[str]:
    """Every row is a content model's, with only the fields export writes; accounts are the
    people listed, content types the allowed ones; returns the media files the photos use."""
    if not isinstance(rows, list):
        raise ArchiveError("content.json is not a list of records.")
    allowed = {m._meta.label_lower: (m, set(export_fields(m))) for m in content_models()}
    targets = _generic_targets()
    user_model = get_user_model()
    files = set()
    for number, row in enumerate(rows, 1):
        where = f"content.json, record {number}"
        if not isinstance(row, dict) or set(row) != {"model", "pk", "fields"}:
            raise ArchiveError(f"{where} is not a record as export writes them.")
        label, fields = row["model"], row["fields"]
        if not isinstance(label, str) or label not in allowed:
            raise ArchiveError(
                f"{where} is of the model {label!r}: an archive may not hold that "
                f"(only {', '.join(sorted(allowed))})."
            )
        model, names = allowed[label]
        if not isinstance(fields, dict):
            raise ArchiveError(f"{where} ({label}) has no fields.")
        extra = sorted(set(fields) - names)
        if extra:
            raise ArchiveError(
                f"{where} ({label}) sets {', '.join(extra)}: an archive may not set that."
            )
        for name, value in fields.items():
            f = model._meta.get_field(name)
            names_a_person = f.is_relation and f.related_model is user_model
            if names_a_person and value is not None and not _listed(value, usernames):
                raise ArchiveError(
                    f"{where} ({label}) names the account {value!r}, which people.json "
                    "does not list."
                )
        if label in targets:
            _check_target(where, label, fields, targets[label])
        if label == "reversion.version":
            _check_version(where, row)
        if label == "articles.photo":
            files |= _photo_files(where, fields)
    return files


def _listed(natural_key, usernames: set[str]) -> bool:
    """An account named by natural key ([username]) that people.json lists."""
    return (
        isinstance(natural_key, list)
        and len(natural_key) == 1
        and isinstance(natural_key[0], str)
        and natural_key[0] in usernames
    )


def _check_target(where: str, label: str, fields: dict, allowed: set[str]) -> None:
    content_type = fields.get("content_type")
    if isinstance(content_type, list) and all(isinstance(part, str) for part in content_type):
        named = ".".join(content_type)
    else:
        named = repr(content_type)
    if named not in allowed:
        raise ArchiveError(
            f"{where} ({label}) is of the model {named}: an archive may not hold that "
            f"(only of {', '.join(sorted(allowed))})."
        )


def _check_version(where: str, row: dict) -> None:
    """A story's revision holds that story, in the fields django-reversion keeps for it:
    reverting it must never save anything else."""
    fields = row["fields"]
    if fields.get("format") != "json" or fields.get("db") != DEFAULT_DB_ALIAS:
        raise ArchiveError(f"{where} (reversion.version) may not use another format or database.")
    model = apps.get_model(".".join(fields["content_type"]))
    kept = set(reversion.revisions._get_options(model).fields)
    try:
        (data,) = json.loads(fields.get("serialized_data") or "")
        ok = (
            isinstance(data, dict)
            and set(data) == {"model", "pk", "fields"}
            and data["model"] == model._meta.label_lower
            and str(data["pk"]) == str(fields.get("object_id"))
            and isinstance(data["fields"], dict)
            and set(data["fields"]) <= kept
        )
    except (ValueError, TypeError):
        ok = False
    if not ok:
        raise ArchiveError(
            f"{where} (reversion.version) may not hold anything but the "
            f"{model._meta.label_lower} it is a version of, in the fields kept for it."
        )


def _photo_files(where: str, fields: dict) -> set[str]:
    from articles.imaging import rendition_names

    try:
        names = rendition_names(fields.get("renditions") or {})
    except (AttributeError, TypeError, ValueError):
        raise ArchiveError(
            f"{where} (articles.photo) has renditions export never writes."
        ) from None
    names |= {fields["image"]} if fields.get("image") else set()
    for name in names:
        _check_name(where, name)
    return names


def _check_name(where: str, name) -> None:
    """A stored file's name stays under the storage: relative, no '..', nothing odd."""
    path = PurePosixPath(name) if isinstance(name, str) else None
    if (
        path is None
        or not name
        or path.is_absolute()
        or ".." in path.parts
        or "\\" in name
        or "\x00" in name
        or str(path) != name
    ):
        raise ArchiveError(f"{where} names the file {name!r}, which is not a plain relative name.")


def _check_manifest_files(archive, manifest, photo_files: set[str]) -> None:
    """The manifest lists the photos' files, each once; the zip holds those and the JSON."""
    files = manifest.get("files")
    counts = manifest.get("counts")
    if not isinstance(files, list) or not isinstance(counts, dict):
        raise ArchiveError("The manifest does not list the files and counts.")
    listed = set()
    for number, entry in enumerate(files, 1):
        where = f"manifest.json, file {number}"
        if not (
            isinstance(entry, dict)
            and set(entry) == {"name", "size", "sha256"}
            and isinstance(entry["size"], int)
            and isinstance(entry["sha256"], str)
        ):
            raise ArchiveError(f"{where} is not an entry as export writes them.")
        _check_name(where, entry["name"])
        if entry["name"] not in photo_files:
            raise ArchiveError(f"{where} ({entry['name']}) is a file no photo uses.")
        if entry["name"] in listed:
            raise ArchiveError(f"{where} ({entry['name']}) is listed twice.")
        listed.add(entry["name"])
    expected = {*JSON_MEMBERS, *(f"media/{name}" for name in listed)}
    extra = sorted(set(archive.namelist()) - expected)
    if extra:
        shown = ", ".join(extra[:3]) + (" ..." if len(extra) > 3 else "")
        raise ArchiveError(f"The archive holds files its manifest does not list: {shown}.")


def _check_files(archive, manifest, progress: Progress) -> None:
    """Every listed file is there, whole: checked before anything is written."""
    files = manifest["files"]
    limit = _limits()["media"]
    for number, entry in enumerate(files, 1):
        digest, size = hashlib.sha256(), 0
        for chunk in _chunks(archive, f"media/{entry['name']}", limit):
            digest.update(chunk)
            size += len(chunk)
        if size != entry["size"] or digest.hexdigest() != entry["sha256"]:
            raise ArchiveError(f"The archive is damaged: {entry['name']} does not match.")
        if number % 50 == 0 or number == len(files):
            progress(f"checked files: {number}/{len(files)}")


def existing_content() -> dict[str, int]:
    return {
        model._meta.label: count
        for model in content_models()
        if model._meta.label not in SEEDED and (count := model._default_manager.count())
    }


def _ensure_people(people: list[dict], summary: Summary) -> None:
    """Accounts are matched by username and never changed; a missing one is made as a name the
    content can point at: inactive, no password, not staff, no groups or permissions. What it
    was where the archive was made is reported for an admin to decide, never granted."""
    user_model = get_user_model()
    for person in people:
        if user_model.objects.filter(username=person["username"]).exists():
            continue
        user = user_model(**{name: person[name] for name in PERSON_NAME_FIELDS})
        user.is_active = user.is_staff = user.is_superuser = False
        user.set_unusable_password()
        user.save()
        summary.people_created.append(user.username)
        summary.groups_elsewhere[user.username] = sorted(person["groups"])


def _stored_sha256(storage, name: str) -> str:
    digest = hashlib.sha256()
    with storage.open(name, "rb") as current:
        while chunk := current.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _write_files(archive, manifest, storage, progress: Progress) -> list[str]:
    """Put every file in place under its exact name; returns the names newly written."""
    written = []
    files = manifest["files"]
    limit = _limits()["media"]
    try:
        for number, entry in enumerate(files, 1):
            name = entry["name"]
            if storage.exists(name):
                if _stored_sha256(storage, name) == entry["sha256"]:
                    continue
                raise ArchiveError(f"A different file is already stored as {name}.")
            data = b"".join(_chunks(archive, f"media/{name}", limit))
            saved = storage.save(name, ContentFile(data))
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
    """Load an archive: all of it, or (on any error) nothing, files included. Everything is
    read and checked against what the export writes before anything is written."""
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
        people = _read_json(archive, "people.json")
        rows = _read_json(archive, "content.json")
        photo_files = _check_content(rows, _check_people(people))
        _check_manifest_files(archive, manifest, photo_files)
        _check_files(archive, manifest, progress)
        summary = Summary()
        written = _write_files(archive, manifest, storage, progress)
        try:
            with transaction.atomic():
                if present:
                    for article in Article.objects.public():
                        story_removed(article)  # before: the event carries what it showed
                    for model in reversed(content_models()):
                        if model._meta.label not in SEEDED:
                            model._default_manager.all().delete()
                    progress("deleted the content that was there")
                carried = {row["model"] for row in rows}
                for label in SEEDED:
                    if label.lower() in carried:
                        apps.get_model(label)._default_manager.all().delete()
                _ensure_people(people, summary)
                for obj in serializers.deserialize("python", rows):
                    # A raw load skips save(): sanitize and derive as save() does, so no
                    # HTML or rendered field is ever taken from the archive as it came.
                    if hasattr(obj.object, "prepare_to_save"):
                        obj.object.prepare_to_save()
                    if hasattr(obj.object, "slug"):
                        slugs.repair(obj.object)  # archives made before slugs were checked
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
                for article in Article.objects.public():
                    story_loaded(article)
                expected = manifest["counts"]
                if {k: v for k, v in expected.items() if v} != summary.counts:
                    raise ArchiveError(
                        f"The archive's content does not match its manifest "
                        f"(manifest {expected}, content {summary.counts})."
                    )
        except BaseException as error:
            for name in written:  # the rows rolled back: the files go too
                storage.delete(name)
            if isinstance(
                error,
                serializers.base.DeserializationError
                | DatabaseError
                | ValidationError
                | SuspiciousOperation,
            ):
                raise ArchiveError(f"The archive's content cannot be loaded: {error}") from None
            raise
        summary.files = len(manifest["files"])
    return summary
