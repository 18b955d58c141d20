"""python manage.py import_content ARCHIVE.zip: load what export_content wrote, all or nothing."""

from django.core.management.base import BaseCommand, CommandError

from articles.archive import ArchiveError, import_archive
from newsroom.database import require_migrated


class Command(BaseCommand):
    help = (
        "Load a content archive made by export_content. Checks every file first; on any "
        "error nothing is changed. Into an empty database, or with --replace."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="The zip file export_content wrote")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete the content already in the database and load the archive instead.",
        )

    def handle(self, *, archive, replace, verbosity, **options):
        require_migrated()
        say = self.stdout.write if verbosity else (lambda message: None)
        try:
            summary = import_archive(archive, replace=replace, progress=lambda m: say(f"  {m}"))
        except ArchiveError as error:
            # One line whatever the cause (a database error spans several), exit code 2.
            message = " ".join(str(error).split())
            raise CommandError(f"{message} Nothing was imported.", returncode=2) from None
        total = sum(summary.counts.values())
        self.stdout.write(
            self.style.SUCCESS(f"Imported {total} records and {summary.files} files.")
        )
        if summary.people_created:
            people = ", ".join(
                f"{name} ({', '.join(groups)})"
                if (groups := summary.groups_elsewhere[name])
                else name
                for name in summary.people_created
            )
            self.stdout.write(
                self.style.WARNING(
                    f"Made {len(summary.people_created)} accounts the content names, inactive, "
                    f"without passwords, staff status or groups: {people} (in brackets, the "
                    "groups each had where the archive was made; none is granted here). Give "
                    "them a password and their groups in the admin to let them sign in."
                )
            )
