"""export_content / import_content: a lossless round trip, and all-or-nothing on bad input."""

import json
import zipfile
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.utils import timezone
from reversion.models import Version

from articles import archive, workflow
from articles.models import Article, OldURL, Photo
from authors.models import Author, Handle
from tests.factories import ArticleFactory, AuthorFactory, PhotoFactory, SectionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def newsroom(django_user_model, roles):
    """A bit of everything: photos with files, an author with a headshot and handles,
    stories in several states with bylines, tags, corrections, old URLs, revisions and the
    activity log."""
    editor = django_user_model.objects.create_user("edna", email="e@example.com", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editor"))
    headshot = PhotoFactory(credit="Newsroom")
    jane = AuthorFactory(name="Jane Roe", slug="jane-roe", headshot=headshot, user=editor)
    Handle.objects.create(author=jane, kind="email", value="jane@example.com")
    Handle.objects.create(author=jane, kind="mastodon", value="@jane@newsroom.social")
    chips = SectionFactory(slug="chips", name="Chips")
    lead = PhotoFactory(uploaded_by=editor)
    story = ArticleFactory(
        headline="Fab opens in Dresden",
        slug="fab-opens-in-dresden",
        section=chips,
        lead_photo=lead,
        authors=[jane, AuthorFactory(slug="sam")],
        tags=["chips", "fabs"],
    )
    workflow.add_correction(article=story, by=editor, kind="correction", text="Fixed a date.")
    previous = Article.objects.get(pk=story.pk)
    story.slug = "fab-opens-in-saxony"
    story.save()
    workflow.remember_old_urls(story, previous)
    workflow.touch(article=story, by=editor, comment="Renamed")
    draft = ArticleFactory(
        headline="Draft about wafers", status=Article.Status.DRAFT, authors=[jane]
    )
    workflow.schedule(article=draft, by=editor, at=timezone.now() + timedelta(days=1))
    trashed = ArticleFactory(headline="Gone story")
    workflow.trash(article=trashed, by=editor)
    return story


def snapshot() -> dict:
    """Every exported record as data (times to the microsecond, users and content types by
    natural key) and every file."""
    records = {m._meta.label: archive.serialize(m) for m in archive.content_models()}
    files = {}
    for name in archive.media_names():
        with default_storage.open(name, "rb") as file:
            files[name] = file.read()
    return {"records": records, "files": files}


def wipe(settings):
    for model in reversed(archive.content_models()):
        model._default_manager.all().delete()
    for path in sorted(Path(settings.MEDIA_ROOT).rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()


def test_export_then_import_into_an_empty_database_loses_nothing(
    newsroom, tmp_path, settings, django_user_model
):
    # A time whose microseconds Django's JSON encoder would drop (it keeps milliseconds).
    moment = datetime(2026, 1, 2, 3, 4, 5, 123, tzinfo=UTC)
    Article.objects.filter(pk=newsroom.pk).update(updated_at=moment)
    before = snapshot()
    assert before["files"] and all(before["records"].values())
    out = StringIO()
    call_command("export_content", str(tmp_path / "newsroom.zip"), stdout=out)
    assert "Exported" in out.getvalue() and "stories: 3" in out.getvalue()
    wipe(settings)
    django_user_model.objects.filter(username="edna").delete()
    assert not Article.objects.exists() and not default_storage.exists(
        newsroom.lead_photo.image.name
    )

    out = StringIO()
    call_command("import_content", str(tmp_path / "newsroom.zip"), stdout=out)
    assert "Imported" in out.getvalue() and "inactive and without passwords: edna" in out.getvalue()
    after = snapshot()
    for label, records in before["records"].items():
        for old, new in zip(records, after["records"][label], strict=True):
            assert new == old, label
    assert after["files"] == before["files"]
    edna = django_user_model.objects.get(username="edna")
    assert not edna.is_active and not edna.has_usable_password()
    assert edna.groups.filter(name="Editor").exists()
    # The content works, not only matches: pages, old URLs, revisions, new rows.
    story = Article.objects.get(pk=newsroom.pk)
    assert story.get_absolute_url() == "/chips/fab-opens-in-saxony/"
    assert OldURL.objects.filter(article=story).exists()
    assert Version.objects.get_for_object(story).exists()
    assert story.updated_at == moment
    assert ArticleFactory(headline="After the import").pk > story.pk  # sequences moved on


def test_imported_stories_are_served_and_found(newsroom, tmp_path, settings, client):
    call_command("export_content", str(tmp_path / "a.zip"), verbosity=0)
    wipe(settings)
    call_command("import_content", str(tmp_path / "a.zip"), verbosity=0)
    page = client.get("/chips/fab-opens-in-saxony/")
    assert page.status_code == 200 and "Fixed a date." in page.text
    assert client.get("/chips/fab-opens-in-dresden/").status_code == 301
    photo = Photo.objects.get(pk=newsroom.lead_photo_id)
    assert default_storage.exists(photo.image.name)
    found = client.get("/search/?q=dresden").text
    assert "1 result for" in found and "fab-opens-in-saxony" in found


def test_import_refuses_a_database_that_holds_content_unless_told_to_replace(newsroom, tmp_path):
    call_command("export_content", str(tmp_path / "a.zip"), verbosity=0)
    ArticleFactory(headline="Written after the export")
    with pytest.raises(CommandError, match="already holds content.*--replace"):
        call_command("import_content", str(tmp_path / "a.zip"), verbosity=0)
    assert Article.objects.filter(headline="Written after the export").exists()
    call_command("import_content", str(tmp_path / "a.zip"), "--replace", verbosity=0)
    assert not Article.objects.filter(headline="Written after the export").exists()
    assert Article.objects.count() == 3


def test_export_will_not_overwrite_an_archive_by_accident(newsroom, tmp_path):
    target = tmp_path / "a.zip"
    target.write_text("precious")
    with pytest.raises(CommandError, match="exists"):
        call_command("export_content", str(target), verbosity=0)
    assert target.read_text() == "precious"


def damaged(tmp_path, source: Path, *, drop=None, change=None) -> Path:
    """A copy of the archive with one member dropped or rewritten."""
    target = tmp_path / "damaged.zip"
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as copy:
        for item in original.infolist():
            if item.filename == drop:
                continue
            data = original.read(item.filename)
            if change and item.filename in change:
                data = change[item.filename](data)
            copy.writestr(item, data)
    return target


@pytest.mark.parametrize(
    "damage", ["truncated", "not a zip", "bad file", "bad content", "manifest"]
)
def test_a_damaged_archive_is_a_clear_error_and_nothing_is_imported(
    newsroom, tmp_path, settings, damage
):
    good = tmp_path / "good.zip"
    call_command("export_content", str(good), verbosity=0)
    photo_name = Photo.objects.get(pk=newsroom.lead_photo_id).image.name
    wipe(settings)
    if damage == "truncated":
        bad = tmp_path / "truncated.zip"
        bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    elif damage == "not a zip":
        bad = tmp_path / "notes.txt"
        bad.write_text("hello")
    elif damage == "bad file":
        bad = damaged(tmp_path, good, change={f"media/{photo_name}": lambda d: d[:-10]})
    elif damage == "manifest":
        bad = damaged(tmp_path, good, drop="manifest.json")
    else:

        def break_a_reference(data):
            rows = json.loads(data)
            byline = next(r for r in rows if r["model"] == "articles.byline")
            byline["fields"]["author"] = 987654  # points at no author
            return json.dumps(rows).encode()

        bad = damaged(tmp_path, good, change={"content.json": break_a_reference})
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_content", str(bad), verbosity=0)
    assert not Article.objects.exists() and not Author.objects.exists()
    assert not any(Path(settings.MEDIA_ROOT).rglob("*.*"))  # no file left behind
