"""The read-only content API at /api/v1/ (django-ninja), with its OpenAPI 3 schema at
/api/v1/schema/.

Public content only: stories come from `Article.objects.public()` (the one visibility rule),
tags only when a public story carries them, photos only when `Photo.objects.public()` says a
reader may see them (the rule the media files are served by), and only through renditions:
masters are never given out. Lists use cursor pagination (stable while
stories are published), ETag/304 come from ConditionalGetMiddleware, CORS is open for GET
(django-cors-headers), and each client address has a request budget (API_RATE).
"""

from datetime import UTC, date, datetime
from typing import Annotated

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from ninja import Field, NinjaAPI, Path, Query, Schema
from ninja.errors import ValidationError as RequestInvalid
from ninja.pagination import CursorPagination, paginate
from ninja.throttling import AnonRateThrottle
from pydantic import AfterValidator, ValidationError, field_validator
from taggit.models import Tag

from articles.bylines import phrase as byline_phrase
from articles.imaging import renditions
from articles.markup import media_url, rendition_url, usable_figures
from articles.models import Article, LiveUpdate, Photo, Section
from authors.models import Author
from newsroom.links import link
from newsroom.security import client_ip
from newsroom.slugs import is_slug


class ClientThrottle(AnonRateThrottle):
    """One budget per client address as newsroom.security.client_ip defines it (django-ninja's
    own would take the whole X-Forwarded-For header, which the client writes as it likes)."""

    def get_ident(self, request):
        return client_ip(request)


# Counted in the shared cache (API_RATE, e.g. "600/m").
THROTTLE = ClientThrottle(settings.NEWSROOM_API_RATE)

ERROR = {
    "type": "object",
    "properties": {"detail": {"description": "What went wrong"}},
    "required": ["detail"],
}
ERRORS = {
    "404": "No such public item",
    "422": "A parameter is not valid (the detail says which)",
    "429": "Too many requests from this client; wait as Retry-After says",
}


class ContentAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        """The schema with the error answers every operation can give, so clients (and the
        schemathesis run in the tests) know them."""
        schema = super().get_openapi_schema(**kwargs)
        for path, operations in schema["paths"].items():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for code, description in ERRORS.items():
                    if code == "404" and "{" not in path:
                        continue
                    responses.setdefault(
                        code,
                        {
                            "description": description,
                            "content": {"application/json": {"schema": ERROR}},
                        },
                    )
        return schema


api = ContentAPI(
    title=f"{settings.NEWSROOM_SITE_NAME} content API",
    version="1",
    description=(
        "Read-only access to everything public: stories, authors, sections, tags and "
        "photos. Lists are newest first and paginated with an opaque `cursor`; follow "
        "`next`. Every response carries an ETag: send it back in If-None-Match for a 304."
    ),
    urls_namespace="api",
    openapi_url="/schema/",
    docs_url=None,
    throttle=[THROTTLE],
)

PAGE_SIZE = 20


def _slug(value: str) -> str:
    if not is_slug(value):
        raise ValueError("not a slug: letters, digits and marks of any script, - and _")
    return value


# Slugs are letters, digits and marks in any script, hyphens and underscores, as the site makes
# them (newsroom/slugs.py is_slug); anything else (a null byte, say, which PostgreSQL refuses
# in a query) is a documented 422. Not a schema "pattern": pydantic checks one with Rust's
# regex and schemathesis with Python's, and their "\w" and is_slug disagree on characters
# such as U+10858 (a number that is not a digit), which made a real section's address a 422.
Slug = Annotated[str, AfterValidator(_slug)]
SlugPath = Path(..., description="A slug: letters, digits and marks of any script, - and _")


# Schemas: each reads a model instance; resolvers add what the model does not hold. ---------


def absolute(context, path: str) -> str:
    return context["request"].build_absolute_uri(path)


def usable(photo: Photo | None) -> Photo | None:
    return photo if photo is not None and photo.is_usable else None


class Rendition(Schema):
    kind: str = Field(description="story and card 3:2, square 1:1, full uncropped")
    format: str = Field(description="avif, webp or jpg (AVIF where the site makes it)")
    width: int
    height: int
    url: str


class PhotoOut(Schema):
    id: int
    caption: str
    alt_text: str
    credit: str = Field(description="Who made it, e.g. “VCG/Getty Images”")
    credit_line: str = Field(description="As printed under the photo: “Photo: VCG/Getty Images”")
    source: str
    licence: str
    usage_notes: str
    rights_expire_on: date | None = Field(description="Last day the photo may be shown")
    width: int | None
    height: int | None
    url: str | None = Field(
        description="The largest uncropped rendition (JPEG); the uploaded original is never public"
    )
    renditions: list[Rendition]

    @staticmethod
    def resolve_licence(photo):
        return str(photo.licence_label)

    @staticmethod
    def resolve_url(photo, context):
        url = rendition_url(photo, "full")
        return absolute(context, url) if url else None

    @staticmethod
    def resolve_renditions(photo, context):
        return [
            {
                "kind": kind,
                "format": extension,
                "width": width,
                "height": height,
                "url": absolute(context, media_url(name)),
            }
            for kind, extension, name, width, height in renditions(photo.renditions or {})
        ]


class SectionOut(Schema):
    slug: str
    name: str
    description: str
    url: str

    @staticmethod
    def resolve_url(section, context):
        return absolute(context, section.get_absolute_url())


class TagOut(Schema):
    slug: str
    name: str
    url: str

    @staticmethod
    def resolve_url(tag, context):
        return absolute(context, link("articles:tag", slug=tag.slug))


class HandleOut(Schema):
    kind: str
    value: str
    url: str


class AuthorSummary(Schema):
    slug: str
    name: str
    job_title: str
    url: str

    @staticmethod
    def resolve_url(author, context):
        return absolute(context, author.get_absolute_url())


class AuthorOut(AuthorSummary):
    bio_html: str
    headshot: PhotoOut | None
    handles: list[HandleOut]

    @staticmethod
    def resolve_bio_html(author):
        return author.bio

    @staticmethod
    def resolve_headshot(author):
        return usable(author.headshot)

    @staticmethod
    def resolve_handles(author):
        return list(author.handles.all())


class RoleOut(Schema):
    slug: str = Field(description="The role's key: written, translated, edited...")
    name: str = Field(description="As the newsroom names it: Written by, Translated by")
    schema_property: str = Field(
        description="Its schema.org property: author, contributor, translator or editor"
    )


class BylineOut(Schema):
    author: AuthorSummary
    role: RoleOut


class SponsorOut(Schema):
    name: str
    url: str


class CorrectionOut(Schema):
    kind: str
    text: str
    published_at: datetime


class LiveUpdateOut(Schema):
    id: int
    headline: str
    body_html: str
    author: AuthorSummary
    published_at: datetime
    key_event: bool
    photo: PhotoOut | None
    url: str

    @staticmethod
    def resolve_photo(update):
        return usable(update.photo)

    @staticmethod
    def resolve_url(update, context):
        return absolute(context, update.get_absolute_url())


class LiveCoverageOut(Schema):
    """A Live story's coverage: open until ended_at; its public updates, newest first."""

    ended_at: datetime | None
    updates: list[LiveUpdateOut]


class StorySummary(Schema):
    id: int
    headline: str
    slug: str
    dek: str
    url: str
    type: Article.StoryType = Field(description="What kind of story: news, opinion, sponsored...")
    type_label: str = Field(description="The type as pages label it: Opinion, Sponsored")
    sponsor: SponsorOut | None = Field(description="Who presents a Sponsored story")
    section: SectionOut
    authors: list[AuthorSummary] = Field(description="Everyone on the byline, in its order")
    bylines: list[BylineOut] = Field(description="Everyone on the byline with their role")
    byline: str = Field(description="The byline as printed: By A and B. Translated by C")
    tags: list[TagOut]
    teaser_html: str
    lead_photo: PhotoOut | None
    published_at: datetime
    first_published_at: datetime | None
    updated_at: datetime

    @staticmethod
    def resolve_url(story, context):
        return absolute(context, story.get_absolute_url())

    @staticmethod
    def resolve_authors(story):
        return [byline.author for byline in story.bylines.all()]

    @staticmethod
    def resolve_type(story):
        return story.story_type

    @staticmethod
    def resolve_type_label(story):
        return story.get_story_type_display()

    @staticmethod
    def resolve_sponsor(story):
        if not (story.is_sponsored and story.sponsor_name):
            return None
        return {"name": story.sponsor_name, "url": story.sponsor_link}

    @staticmethod
    def resolve_bylines(story):
        return list(story.bylines.all())

    @staticmethod
    def resolve_byline(story):
        return byline_phrase(story.bylines.all())

    @staticmethod
    def resolve_tags(story):
        return list(story.tags.all())

    @staticmethod
    def resolve_lead_photo(story):
        return usable(story.lead_photo)

    @staticmethod
    def resolve_published_at(story):
        return story.publish_at


class StoryOut(StorySummary):
    body_html: str
    corrections: list[CorrectionOut]
    live: LiveCoverageOut | None

    @staticmethod
    def resolve_live(story):
        if not story.is_live:
            return None
        updates = list(LiveUpdate.objects.public().filter(story=story).for_page().newest_first())
        for update in updates:
            update.story = story
        return {"ended_at": story.coverage_ended_at, "updates": updates}

    @staticmethod
    def resolve_body_html(story):
        return str(usable_figures(story.body_html))

    @staticmethod
    def resolve_corrections(story):
        return list(story.corrections.all())


class StoryFilters(Schema):
    section: Slug | None = Field(None, description="A section's slug")
    author: Slug | None = Field(None, description="An author's slug")
    tag: Slug | None = Field(None, description="A tag's slug")
    type: Article.StoryType | None = Field(None, description="Only stories of this type")
    updated_since: datetime | None = Field(
        None, description="Only stories changed at or after this time (ISO 8601)"
    )

    @field_validator("updated_since")
    @classmethod
    def in_utc(cls, since: datetime | None) -> datetime | None:
        """The time in UTC, as the database compares it (PostgreSQL refuses offsets past
        ±15:59 that ISO 8601 allows); one that falls outside the calendar there is refused."""
        if since is None:
            return None
        try:
            if timezone.is_naive(since):
                since = timezone.make_aware(since)
            return since.astimezone(UTC)
        except (OverflowError, ValueError):
            raise ValueError(
                "updated_since must fall between 0001-01-01T00:00:00Z and "
                "9999-12-31T23:59:59Z once its offset is applied"
            ) from None


class StoryCursor(CursorPagination.Cursor):
    """A cursor is input from outside like any parameter: its position must be a publish
    time the API could have written (with its offset, inside the calendar once in UTC), or
    it is a 422, never a query the database refuses with a 500."""

    @field_validator("p")
    @classmethod
    def a_publish_time(cls, position: str | None) -> str | None:
        if position is None:
            return None
        try:
            at = datetime.fromisoformat(position)
            if timezone.is_naive(at):
                raise ValueError
            # As the API writes it (publish_at is read back in UTC): positions compare equal.
            return str(at.astimezone(UTC))
        except (OverflowError, ValueError):
            raise ValueError("not a position this API gave out") from None

    @classmethod
    def from_encoded_param(cls, encoded_param, context=None):
        try:
            return super().from_encoded_param(encoded_param, context)
        except ValidationError:
            raise RequestInvalid([{"cursor": "Invalid Cursor"}]) from None


class StoryPagination(CursorPagination):
    Cursor = StoryCursor


def public_tags():
    return Tag.objects.filter(
        Exists(Article.objects.public().filter(tags__id=OuterRef("pk")))
    ).order_by("name")


# Endpoints ------------------------------------------------------------------------------------


# What /api/v1/ lists: one address per collection.
COLLECTIONS = {
    "stories": "list_stories",
    "authors": "list_authors",
    "sections": "list_sections",
    "tags": "list_tags",
}


@api.get("/", include_in_schema=False)
def index(request):
    """Where to start: the collections, the OpenAPI schema and the human-readable docs."""
    return {
        "title": api.title,
        "version": api.version,
        "docs": absolute({"request": request}, reverse("api:docs")),
        "schema": absolute({"request": request}, reverse("api:openapi-json")),
        "endpoints": {
            name: absolute({"request": request}, reverse(f"api:{view}"))
            for name, view in COLLECTIONS.items()
        },
    }


@api.get("/docs/", include_in_schema=False, url_name="docs")
def docs(request):
    """The docs as a plain page made from the schema: no script, so nothing the site's
    Content-Security-Policy has to allow, and nothing fetched from a CDN."""
    schema = api.get_openapi_schema()
    operations = [
        {
            "method": method.upper(),
            "path": path,
            **operation,
            "parameters": [_parameter(p) for p in operation.get("parameters", [])],
        }
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]
    return render(
        request,
        "api/docs.html",
        {
            "info": schema["info"],
            "operations": operations,
            "schema_url": reverse("api:openapi-json"),
        },
    )


def _parameter(parameter: dict) -> dict:
    """A parameter as the docs print it: its type in words (`string or null`, `date-time`)."""
    spec = parameter.get("schema", {})
    kinds = [
        option.get("format") or option.get("type", "any")
        for option in spec.get("anyOf", [spec])
        if option.get("type") != "null"
    ]
    return {
        "name": parameter["name"],
        "in": parameter["in"],
        "type": " or ".join(kinds),
        "required": parameter.get("required", False),
        "description": parameter.get("description") or spec.get("description", ""),
    }


@api.get("/stories/", response=list[StorySummary], tags=["stories"])
@paginate(StoryPagination, ordering=("-publish_at", "-id"), page_size=PAGE_SIZE, max_page_size=100)
def list_stories(request, filters: Query[StoryFilters]):
    """Public stories, newest first; filter by section, author, tag, type or last change."""
    stories = Article.objects.public().for_listing(author_boxes=False).prefetch_related("tags")
    if filters.section:
        stories = stories.filter(section__slug=filters.section)
    if filters.author:
        stories = stories.filter(bylines__author__slug=filters.author)
    if filters.tag:
        stories = stories.filter(tags__slug=filters.tag)
    if filters.type:
        stories = stories.of_type(filters.type)
    if filters.updated_since:
        stories = stories.filter(updated_at__gte=filters.updated_since)
    return stories


@api.get("/stories/{story_id}/", response=StoryOut, tags=["stories"])
def get_story(request, story_id: int):
    """One public story, with its body and corrections."""
    return get_object_or_404(Article.objects.public().for_story_page(), pk=story_id)


@api.get("/authors/", response=list[AuthorSummary], tags=["authors"])
def list_authors(request):
    """Every author with at least one public story."""
    return Author.objects.public().order_by("name")


@api.get("/authors/{slug}/", response=AuthorOut, tags=["authors"])
def get_author(request, slug: Slug = SlugPath):
    authors = Author.objects.public().select_related("headshot").prefetch_related("handles")
    return get_object_or_404(authors, slug=slug)


@api.get("/sections/", response=list[SectionOut], tags=["sections"])
def list_sections(request):
    return Section.objects.all()


@api.get("/sections/{slug}/", response=SectionOut, tags=["sections"])
def get_section(request, slug: Slug = SlugPath):
    return get_object_or_404(Section, slug=slug)


@api.get("/tags/", response=list[TagOut], tags=["tags"])
def list_tags(request):
    """Tags that at least one public story carries."""
    return public_tags()


@api.get("/photos/{photo_id}/", response=PhotoOut, tags=["photos"])
def get_photo(request, photo_id: int):
    """A photo a reader can see: shown by a public page, rights allowing."""
    return get_object_or_404(Photo.objects.public(), pk=photo_id)
