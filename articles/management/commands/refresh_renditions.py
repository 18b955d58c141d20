"""Make the renditions photos lack: AVIF for photos stored before it was made, or skipped
when it took too long at upload. Safe to run again: a photo with every format is skipped,
and existing files are reused."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand
from django.db import transaction

from articles import imaging
from articles.models import Photo
from events.content import photo_changed


def lacks_a_format(photo) -> bool:
    wanted = set(imaging.rendition_formats())
    manifest = photo.renditions or {}
    return any(set(manifest.get(kind, {})) != wanted for kind in imaging.RENDITIONS)


class Command(BaseCommand):
    help = "Make the renditions photos lack (e.g. AVIF after an upgrade). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="remake every photo's files")

    def handle(self, *args, **options):
        photos = Photo.objects.order_by("pk")
        todo = [p for p in photos.iterator() if options["all"] or lacks_a_format(p)]
        done = failed = 0
        for number, photo in enumerate(todo, 1):
            try:
                with transaction.atomic():
                    before = photo.renditions
                    imaging.refresh_renditions(photo)
                    if photo.renditions != before:  # pages that show it name other files
                        photo_changed(photo)
            except ValidationError as error:
                failed += 1
                self.stderr.write(f"  photo {photo.pk}: {' '.join(error.messages)}")
                continue
            done += 1
            missing = " (still without AVIF: too slow)" if lacks_a_format(photo) else ""
            self.stdout.write(f"  [{number}/{len(todo)}] photo {photo.pk}{missing}")
        style = self.style.SUCCESS if not failed else self.style.WARNING
        self.stdout.write(style(f"{done} photo(s) refreshed, {failed} failed."))
