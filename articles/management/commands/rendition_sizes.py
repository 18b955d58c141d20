"""How many bytes the renditions take in each format, and what AVIF saves against WebP.

Two measures over the library's photos (the demo's, after `seed_demo`):
- the stored renditions, summed per format, as readers download them;
- each master encoded at 1200 pixels wide with our WebP and AVIF settings, with the
  picture's PSNR against the uncompressed pixels, so the saving is read beside the quality
  it costs (a smaller file at a much lower PSNR would be no saving).
"""

import io
import math

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from PIL import Image, ImageChops, ImageStat, features

from articles import imaging
from articles.management.commands.refresh_renditions import lacks_a_format
from articles.models import Photo


def psnr(original: Image.Image, encoded: bytes) -> float:
    with Image.open(io.BytesIO(encoded)) as decoded:
        difference = ImageChops.difference(original, decoded.convert("RGB"))
    mse = sum(ImageStat.Stat(difference).sum2) / (3 * original.width * original.height)
    return math.inf if mse == 0 else 10 * math.log10(255**2 / mse)


def encode(image: Image.Image, spec) -> bytes:
    pillow_format, options = spec
    buffer = io.BytesIO()
    image.save(buffer, pillow_format, **options)
    return buffer.getvalue()


class Command(BaseCommand):
    help = "Bytes of renditions per format, and AVIF against WebP at our settings."

    def add_arguments(self, parser):
        parser.add_argument("--width", type=int, default=1200, help="width of the test encode")

    def handle(self, *args, **options):
        if not features.check("avif"):
            self.stderr.write("This Pillow cannot write AVIF: nothing to compare.")
            return
        photos = list(Photo.objects.order_by("pk"))
        if not photos:
            self.stderr.write("No photos: run `manage.py seed_demo` first.")
            return
        stored: dict[str, int] = {}
        # Only photos with renditions in every format, so the totals compare like with like.
        complete = [p for p in photos if not lacks_a_format(p)]
        for photo in complete:
            for _kind, extension, name, _w, _h in imaging.renditions(photo.renditions or {}):
                if default_storage.exists(name):
                    stored[extension] = stored.get(extension, 0) + default_storage.size(name)
        self.stdout.write(f"Stored renditions of the {len(complete)} photos that have all formats:")
        for extension, size in sorted(stored.items(), key=lambda item: item[1]):
            self.stdout.write(f"  {extension:5} {size / 1024:10.1f} KB")
        if stored.get("webp") and stored.get("avif"):
            saved = 1 - stored["avif"] / stored["webp"]
            self.stdout.write(f"  AVIF is {saved:.0%} smaller than WebP in all.")

        totals = {"webp": [0, 0.0], "avif": [0, 0.0]}
        specs = {"webp": imaging.FORMATS["webp"], "avif": imaging.AVIF}
        for photo in photos:
            with photo.image.open("rb") as file, Image.open(file) as master:
                picture = master.convert("RGB")
            height = max(1, round(options["width"] * picture.height / picture.width))
            picture = picture.resize((options["width"], height), Image.Resampling.LANCZOS)
            for extension, spec in specs.items():
                data = encode(picture, spec)
                totals[extension][0] += len(data)
                totals[extension][1] += min(psnr(picture, data), 99.0)
        self.stdout.write(f"Each master at {options['width']} px wide, our settings:")
        for extension, (size, quality) in totals.items():
            self.stdout.write(
                f"  {extension:5} {size / 1024:10.1f} KB, mean PSNR {quality / len(photos):.1f} dB"
            )
        saved = 1 - totals["avif"][0] / totals["webp"][0]
        self.stdout.write(self.style.SUCCESS(f"AVIF saves {saved:.0%} of WebP's bytes."))
