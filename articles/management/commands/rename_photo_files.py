"""Give photos stored before private names their new names (issue 13): masters leave
photos/YYYY/MM/<uploaded name> for masters/<random>, renditions leave renditions/<id>/ for
renditions/<token>/. Safe to run again at any time: photos already moved are skipped, so
`make run` and `make serve` run it after every migrate."""

from django.core.management.base import BaseCommand

from articles.media import give_private_names
from articles.models import Photo


class Command(BaseCommand):
    help = "Move photo files made before private names to unguessable ones (idempotent)."

    def handle(self, *args, **options):
        # A photo already moved is skipped after a look at its names: no file is touched.
        candidates = Photo.objects.order_by("pk")
        moved = 0
        for photo in candidates.iterator():
            if give_private_names(photo=photo):
                moved += 1
                self.stdout.write(f"  photo {photo.pk}: moved to private names")
        if moved or options["verbosity"] > 1:
            self.stdout.write(self.style.SUCCESS(f"{moved} photo(s) moved to private names."))
