"""python manage.py export_content ARCHIVE.zip: the whole newsroom in one file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.archive import export_archive
from newsroom.database import require_migrated


class Command(BaseCommand):
    help = (
        "Write every story, author, photo (with its files), section, tag, revision and the "
        "activity log to a zip archive that import_content loads back."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="Where to write the archive, e.g. newsroom.zip")
        parser.add_argument("--force", action="store_true", help="Overwrite an existing file.")

    def handle(self, *, archive, force, verbosity, **options):
        require_migrated()
        path = Path(archive)
        if path.exists() and not force:
            raise CommandError(f"{path} exists; pass --force to overwrite it.")
        if not path.parent.is_dir():
            raise CommandError(f"No such folder: {path.parent}")
        partial = path.with_name(path.name + ".partial")
        say = self.stdout.write if verbosity else (lambda message: None)
        try:
            summary = export_archive(partial, progress=lambda m: say(f"  {m}"))
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        partial.replace(path)  # a reader never sees a half-written archive
        total = sum(summary.counts.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Exported {total} records and {summary.files} files to {path} "
                f"({path.stat().st_size / 1_048_576:.1f} MB)."
            )
        )
