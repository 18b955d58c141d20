"""python manage.py import_wordpress EXPORT.xml [--media-dir DIR] [--dry-run]"""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from articles.wordpress import KEPT, SYSTEM_USER, WordPressError, import_file
from newsroom.database import require_migrated


class Command(BaseCommand):
    help = (
        "Import a WordPress export (WXR 1.0 to 1.2): authors, categories as sections, tags, "
        "posts as stories, attachments as photos (files from --media-dir), old permalinks as "
        "301s. Run it again to update: nothing is duplicated. All or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("export", help="The .xml file from WordPress: Tools → Export")
        parser.add_argument(
            "--media-dir",
            help="A copy of wp-content/uploads; attachments whose files are not there are "
            "listed as missing",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Do everything, then keep nothing: a report"
        )
        parser.add_argument(
            "--user",
            help="Username the import's revisions and activity entries are by "
            f"(default: a system user '{SYSTEM_USER}' that cannot sign in)",
        )

    def handle(self, *, export, media_dir, dry_run, user, verbosity, **options):
        require_migrated()

        def progress(iterable, **kwargs):
            return tqdm(iterable, file=self.stderr._out, disable=verbosity == 0, **kwargs)

        try:
            report = import_file(
                export, media_dir=media_dir, dry_run=dry_run, progress=progress, user=user
            )
        except WordPressError as error:
            message = " ".join(str(error).split())  # one line, whatever the cause
            raise CommandError(f"{message} Nothing was imported.", returncode=2) from None
        self.summary(report, dry_run)

    def summary(self, report, dry_run):
        out = self.stdout
        out.write(self.style.MIGRATE_HEADING("Dry run: nothing was kept." if dry_run else "Done."))
        names = {
            "author": "authors",
            "category": "sections",
            "attachment": "photos",
            "post": "stories",
        }
        for kind, name in names.items():
            out.write(
                f"  {name:<9} {report.created[kind]:>5} created, "
                f"{report.updated[kind]:>5} updated, {report.unchanged[kind]:>5} unchanged, "
                f"{report.kept[kind]:>5} {KEPT}"
            )
        if report.skipped:
            skipped = ", ".join(f"{count} {kind}" for kind, count in sorted(report.skipped.items()))
            out.write(f"  skipped   {skipped} (each item's line below says why)")
        left_out = {kind: count for kind, count in report.left_out.items() if count}
        if left_out:
            listed = ", ".join(f"{count} {kind}" for kind, count in sorted(left_out.items()))
            out.write(f"  left out  {listed}")
        if report.left_out["comment"]:
            out.write(
                f"            the {report.left_out['comment']} comments were left out: "
                "Newsroom has no comments yet"
            )
        if report.missing_media:
            out.write(
                self.style.WARNING(
                    f"  missing media: {len(report.missing_media)} files not found "
                    "under --media-dir:"
                )
            )
            for url in report.missing_media:
                out.write(f"    {url}")
        if report.warnings:
            out.write(self.style.WARNING(f"  warnings: {len(report.warnings)}"))
            for warning in report.warnings:
                out.write(f"    {warning}")
        out.write(f"  every item of the file ({len(report.items)}):")
        for line in report.items:
            out.write(f"    {line}")
