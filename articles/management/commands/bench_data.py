"""A realistic dataset for `make bench`: 10,000 public stories, 300 authors, 2,000 photos with
renditions, 60 tags, 12 sections. Built once (in bulk), reused afterwards."""

import io
import os
import random
import time
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone
from PIL import Image, ImageDraw
from taggit.models import Tag, TaggedItem

from articles.demo import content
from articles.figures import render_body
from articles.imaging import refresh_renditions
from articles.models import Article, Byline, Photo, Section
from articles.search import update_search_vectors
from articles.teasers import count_words, make_teaser, plain_text
from authors.models import Author, Handle

SIZES = {"sections": 12, "authors": 300, "photos": 2000, "tags": 60, "stories": 10_000}
# A smaller dataset for a quick look (0.1: a tenth of everything but the sections and tags);
# the published results are at 1.
_SCALE = float(os.environ.get("BENCH_SCALE", "1"))
if _SCALE != 1:
    SIZES = {
        name: size if name in ("sections", "tags") else max(1, round(size * _SCALE))
        for name, size in SIZES.items()
    }
PREFIX = "bench-"


def _picture(rng: random.Random) -> bytes:
    image = Image.new("RGB", (900, 600), tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y, r = rng.randrange(900), rng.randrange(600), rng.randrange(20, 160)
        draw.ellipse([x - r, y - r, x + r, y + r], fill=tuple(rng.randrange(256) for _ in range(3)))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


class Command(BaseCommand):
    help = "Build (or reuse) the benchmark dataset."

    def progress(self, what: str, done: int, total: int, started: float) -> None:
        rate = done / max(time.monotonic() - started, 0.001)
        self.stdout.write(f"\r  {what:<9} {done:>6}/{total}  ({rate:,.0f}/s)", ending="")
        self.stdout.flush()
        if done == total:
            self.stdout.write("")

    def handle(self, *args, **options):
        # Data made before sizes were stored gets them now.
        Photo.objects.filter(source="Bench Agency", width__isnull=True).update(
            width=900, height=600
        )
        existing = Article.objects.filter(slug__startswith=PREFIX).count()
        if existing >= SIZES["stories"]:
            self.stdout.write(f"Benchmark data present ({existing:,} stories); reusing it.")
            return
        rng = random.Random(7)
        sections = self.sections()
        tags = [
            Tag.objects.get_or_create(name=f"bench topic {k}", slug=f"{PREFIX}topic-{k}")[0]
            for k in range(SIZES["tags"])
        ]
        authors = self.authors(rng)
        photos = self.photos(rng)
        self.stories(rng, sections, authors, photos, tags)
        if connection.vendor == "postgresql":
            self.stdout.write("  analysing tables for the query planner...")
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")

    def sections(self):
        return [
            Section.objects.get_or_create(
                slug=f"{PREFIX}section-{k}",
                defaults={"name": f"Bench section {k}", "order": 100 + k},
            )[0]
            for k in range(SIZES["sections"])
        ]

    def authors(self, rng):
        have = list(Author.objects.filter(slug__startswith=PREFIX))
        if len(have) >= SIZES["authors"]:
            return have
        with transaction.atomic():
            made = Author.objects.bulk_create(
                Author(
                    name=f"Bench Author {k}",
                    slug=f"{PREFIX}author-{k}",
                    job_title="Reporter",
                    bio=f"<p>Bench Author {k} writes about chips.</p>",
                )
                for k in range(len(have), SIZES["authors"])
            )
            Handle.objects.bulk_create(
                Handle(author=a, kind="x", value=f"bench{a.pk}", position=0) for a in made
            )
        return have + made

    def photos(self, rng):
        have = list(Photo.objects.filter(source="Bench Agency"))
        started = time.monotonic()
        for k in range(len(have), SIZES["photos"]):
            photo = Photo(
                caption=f"Bench photo {k}",
                alt_text="Circles of colour",
                credit="Bench Agency",
                source="Bench Agency",
            )
            photo.image.save(f"bench-{k}.jpg", ContentFile(_picture(rng)), save=False)
            # Stored, as an upload through the admin stores them: a photo whose size is
            # missing is opened and measured every time a page loads it.
            photo.width, photo.height = 900, 600
            photo.save()
            refresh_renditions(photo)
            have.append(photo)
            if k % 20 == 0 or k == SIZES["photos"] - 1:
                self.progress("photos", k + 1, SIZES["photos"], started)
        return have

    def stories(self, rng, sections, authors, photos, tags):
        now = timezone.now()
        started = time.monotonic()
        done = Article.objects.filter(slug__startswith=PREFIX).count()
        batch = 500
        for first in range(done, SIZES["stories"], batch):
            articles = []
            for k in range(first, min(first + batch, SIZES["stories"])):
                parts = content.story_parts(rng)
                body = content.body(rng, parts)
                text = plain_text(body)
                teaser = make_teaser(body, "", 55)
                at = now - timedelta(minutes=7 * k + 5)
                articles.append(
                    Article(
                        headline=content.headline(rng, parts),
                        slug=f"{PREFIX}story-{k}",
                        dek=content.dek(rng),
                        section=rng.choice(sections),
                        lead_photo=rng.choice(photos),
                        body=body,
                        body_html=render_body(body),
                        body_text=text,
                        teaser_html=teaser.html,
                        teaser_truncated=teaser.truncated,
                        word_count=count_words(text),
                        status=Article.Status.PUBLISHED,
                        publish_at=at,
                        first_published_at=at,
                    )
                )
            with transaction.atomic():
                made = Article.objects.bulk_create(articles)
                Byline.objects.bulk_create(
                    Byline(article=a, author=author, position=p)
                    for a in made
                    for p, author in enumerate(rng.sample(authors, rng.choice([1, 1, 1, 2, 3])))
                )
                TaggedItem.objects.bulk_create(
                    TaggedItem(content_object=a, tag=tag)
                    for a in made
                    for tag in rng.sample(tags, 3)
                )
                update_search_vectors(Article.objects.filter(pk__in=[a.pk for a in made]))
            self.progress("stories", first + len(made), SIZES["stories"], started)
