"""Demo content for a fresh install: sections, authors, photos and stories in every state.

Idempotent: everything is keyed on its slug (photos on their file name); a second run
creates nothing new and changes nothing that exists.
"""

import random
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from articles.demo import content
from articles.demo.pictures import draw_jpeg
from articles.imaging import refresh_renditions
from articles.models import Article, Byline, BylineRole, Correction, LiveUpdate, Photo, Section
from articles.search import update_search_vector
from authors.models import Author, Handle
from events.stories import story_loaded
from newsroom.database import require_migrated
from newsroom.slugs import slugify

STORY_COUNT = 64

# Some published stories are of a type other than News, so the demo shows every label: the
# first (newest) is a Live story with updates. index: (type, sponsor name, sponsor link).
TYPED = {
    0: (Article.StoryType.LIVE, "", ""),
    1: (Article.StoryType.OPINION, "", ""),
    4: (Article.StoryType.ANALYSIS, "", ""),
    6: (Article.StoryType.SPONSORED, "Seagull Lines", "https://seagull-lines.example/"),
    9: (Article.StoryType.REVIEW, "", ""),
    12: (Article.StoryType.EXPLAINER, "", ""),
}
# Stories whose second byline is in a role other than Written by (a second author added if
# the story has one only): index: role key (seeded by migration 0017).
ROLED = {1: "additional-reporting", 4: "translated", 5: "reporting", 8: "photographs"}
# The Live story's updates: (minutes before now, headline, text, key event).
LIVE_UPDATES = [
    (95, "", "Doors open to the press. Engineers in clean-room suits line the corridor.", False),
    (70, "", "The first wafers leave the lithography bay, a week ahead of plan.", False),
    (40, "Ribbon cut: the fab is open", "The minister cuts the ribbon to applause.", True),
    (10, "", "Questions from reporters turn to water use; the company promises figures.", False),
]


def lower_first(title: str) -> str:
    """“Senior reporter” → “senior reporter”, but “AI correspondent” stays as it is."""
    return title if title[1:2].isupper() else title[:1].lower() + title[1:]


# (scene, credit kind, credit, source, caption, alt text)
PHOTO_SCENES = [
    (
        "chip",
        "photo",
        "Mara Lindqvist/Newsroom",
        "Newsroom",
        "A test chip on a circuit board at a lab in Eindhoven.",
        "A square processor with gold traces around it",
    ),
    (
        "skyline",
        "photo",
        "Pixelwire Agency",
        "Pixelwire Agency",
        "Offices in the city's technology district at dusk.",
        "Office towers with lit windows against an evening sky",
    ),
    (
        "chart",
        "graphic",
        "Samuel Osei/Newsroom",
        "Newsroom",
        "Quarterly shipments, in millions of units.",
        "Bar chart of shipments rising, with the latest quarter highlighted",
    ),
    (
        "map",
        "map",
        "Samuel Osei/Newsroom",
        "Newsroom",
        "Plants announced since January.",
        "Map with red dots marking factory sites",
    ),
    (
        "illustration",
        "illustration",
        "Ruth Abernathy/Newsroom",
        "Newsroom",
        "An illustration for our series on the chip supply chain.",
        "Colourful overlapping circles and triangles",
    ),
    (
        "screenshot",
        "screenshot",
        "Newsroom",
        "Newsroom",
        "The new design tools, as shown to developers.",
        "An application window with a sidebar and rows of settings",
    ),
]


class Command(BaseCommand):
    help = "Load demo content (sections, authors, photos, stories). Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already holds stories (used by `make run`).",
        )

    def handle(self, *args, if_empty=False, **options):
        require_migrated()
        if if_empty and Article.objects.exists():
            self.stdout.write("Stories already present; demo content not loaded.")
            return
        self.now = timezone.now()
        self.rng = random.Random(2026)
        with transaction.atomic():
            sections = self.sections()
            self.photos_made = self.photos_found = 0  # story photos and headshots alike
            photos = self.photos()
            authors = self.authors()
            self.report("photos", self.photos_made, self.photos_made + self.photos_found)
            self.stories(sections, authors, photos)
        self.stdout.write(self.style.SUCCESS("Demo content ready."))

    def report(self, what: str, created: int, total: int) -> None:
        self.stdout.write(f"  {what:<10} {created:>3} created, {total - created:>3} already there")

    def sections(self):
        sections, created = [], 0
        for order, (name, slug, description) in enumerate(content.SECTIONS):
            section, new = Section.objects.get_or_create(
                slug=slug, defaults={"name": name, "description": description, "order": order}
            )
            sections.append(section)
            created += new
        self.report("sections", created, len(sections))
        return sections

    def photo(self, name: str, scene: str, seed: int, **fields) -> tuple[Photo, bool]:
        # Stable, so a second run finds the photo, yet unguessable like every master name.
        digest = salted_hmac("seed_demo.photo", name).hexdigest()[:20]
        path = f"masters/demo-{digest}.jpg"
        existing = Photo.objects.filter(image=path).first()
        if existing and default_storage.exists(path):
            self.photos_found += 1
            return existing, False
        if not default_storage.exists(path):
            saved = default_storage.save(path, ContentFile(draw_jpeg(scene, seed)))
            assert saved == path, f"storage renamed {path} to {saved}"
        if existing:
            self.photos_found += 1
            return existing, False
        photo = Photo(image=path, **fields)
        photo.full_clean()
        photo.save()
        refresh_renditions(photo)
        self.photos_made += 1
        return photo, True

    def photos(self):
        photos = []
        for index in range(24):
            scene, kind, credit, source, caption, alt = PHOTO_SCENES[index % len(PHOTO_SCENES)]
            photo, _ = self.photo(
                f"story-{index + 1:02d}",
                scene,
                seed=index,
                caption=caption,
                alt_text=alt,
                credit=credit,
                credit_kind=kind,
                source=source,
            )
            photos.append(photo)
        return photos

    def authors(self):
        authors, created = [], 0
        for index, (name, slug, title, bio, handles) in enumerate(content.AUTHORS):
            author = Author.objects.filter(slug=slug).first()
            if author is not None and author.headshot_id:
                self.photos_found += 1
            if author is None:
                headshot, _ = self.photo(
                    f"headshot-{slug}",
                    "portrait",
                    seed=100 + index,
                    caption=f"{name}, {lower_first(title)}.",
                    alt_text=f"Portrait of {name}",
                    credit="Ruth Abernathy/Newsroom",
                    credit_kind=Photo.CreditKind.PHOTO,
                    source="Newsroom",
                )
                author = Author(name=name, slug=slug, job_title=title, bio=bio, headshot=headshot)
                author.full_clean()
                author.save()
                for position, (kind, value) in enumerate(handles):
                    handle = Handle(author=author, kind=kind, value=value, position=position)
                    handle.full_clean()
                    handle.save()
                created += 1
            authors.append(author)
        self.report("authors", created, len(authors))
        return authors

    def plan(self, index: int):
        """Status and publish time for the index-th demo story: every state appears."""
        Status = Article.Status
        if index < 48:
            return Status.PUBLISHED, self.now - timedelta(hours=3 + index * 11)
        if index < 53:
            return Status.PUBLISHED, self.now + timedelta(hours=6 + (index - 48) * 14)
        if index < 57:
            return Status.DRAFT, None
        if index < 60:
            return Status.IN_REVIEW, None
        return Status.UNPUBLISHED, self.now - timedelta(days=10 + index)

    def stories(self, sections, authors, photos):
        created = 0
        rng = self.rng
        used = set(Article.objects.values_list("slug", flat=True))
        for index in range(STORY_COUNT):
            parts = content.story_parts(rng)
            headline = content.headline(rng, parts)
            dek = content.dek(rng)
            body = content.body(rng, parts)
            section = sections[index % len(sections)]
            photo = photos[index % len(photos)] if index % 7 != 3 else None
            byline = rng.sample(authors, 1 if rng.random() < 0.7 else rng.randint(2, 3))
            tags = rng.sample(content.TAGS, rng.randint(1, 4))
            teaser = (
                f"<p>{parts['company']} is making a big bet. Here is what it means for you.</p>"
                if index % 9 == 4
                else ""
            )
            slug = f"{slugify(headline, max_length=180)}-{index + 1}"
            if slug in used:
                continue
            status, publish_at = self.plan(index)
            story_type, sponsor_name, sponsor_url = TYPED.get(
                index, (Article.StoryType.NEWS, "", "")
            )
            if index in ROLED and len(byline) == 1:
                byline.append(authors[(authors.index(byline[0]) + 1) % len(authors)])
            roles = [None] * len(byline)
            if index in ROLED:
                roles[1] = BylineRole.objects.get(slug=ROLED[index])
            article = Article(
                headline=headline,
                slug=slug,
                dek=dek,
                section=section,
                lead_photo=photo,
                body=body,
                teaser=teaser,
                status=status,
                publish_at=publish_at,
                # The first scheduled story is under embargo instead (set by no account).
                embargoed=index == 48,
                embargo_set_at=self.now if index == 48 else None,
                story_type=story_type,
                sponsor_name=sponsor_name,
                sponsor_url=sponsor_url,
            )
            article.full_clean()
            article.save()
            Byline.objects.bulk_create(
                Byline(article=article, author=author, position=position)
                if role is None
                else Byline(article=article, author=author, position=position, role=role)
                for position, (author, role) in enumerate(zip(byline, roles, strict=True))
            )
            if story_type == Article.StoryType.LIVE:
                for minutes, update_headline, text, key_event in LIVE_UPDATES:
                    update = LiveUpdate(
                        story=article,
                        headline=update_headline,
                        body=f"<p>{text}</p>",
                        author=byline[0],
                        published_at=self.now - timedelta(minutes=minutes),
                        key_event=key_event,
                    )
                    update.full_clean()
                    update.save()
                update_search_vector(article)  # found by its updates' words too
            article.tags.set(tags)
            if index in (2, 7):
                Correction.objects.create(
                    article=article,
                    kind=Correction.Kind.CORRECTION if index == 2 else Correction.Kind.UPDATE,
                    text=(
                        "An earlier version of this story misstated the size of the plant."
                        if index == 2
                        else "The company responded to our questions after publication."
                    ),
                    published_at=publish_at + timedelta(hours=2),
                )
            if article.is_public:
                # Published as receivers know it, as import_content's load is; the scheduled
                # ones go live by the clock.
                story_loaded(article)
            created += 1
        self.report("stories", created, STORY_COUNT)
