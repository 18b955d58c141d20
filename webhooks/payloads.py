"""What a webhook says: {"type", "timestamp", "data"}, data in the content API's schemas.

The body is made at each attempt from what is public at that moment, through the same
visibility rules as the API (Article.objects.public() and its kin). A story readers cannot see
(unpublished, trashed, embargoed, scheduled, deleted) is sent as {"id", "url": null}, its
headline, slug and body never: a retry or a replay after an unpublish carries nothing the
unpublish took down.
"""

import json
from urllib.parse import urljoin

from django.conf import settings
from django.utils import timezone
from ninja.responses import NinjaJSONEncoder

from articles import api
from articles.models import Article, BylineRole, Photo, Section
from authors.models import Author

TEST_KIND = "webhook.test"


class SiteRequest:
    """What the API's schemas read from a request to make absolute links: the site's address
    (SITE_URL), as a worker has no request of its own."""

    def build_absolute_uri(self, location: str) -> str:
        return urljoin(settings.NEWSROOM_SITE_URL + "/", location)


def _dump(schema, instance) -> dict:
    return schema.model_validate(instance, context={"request": SiteRequest()}).model_dump()


def story_data(story_id: int | None) -> dict:
    story = Article.objects.public().for_story_page().filter(pk=story_id).first()
    if story is None:
        return {"id": story_id, "url": None}
    return _dump(api.StoryOut, story)


def _public_story_ids(ids) -> list[int]:
    ids = [i for i in ids or [] if isinstance(i, int)]
    return sorted(Article.objects.public().filter(pk__in=ids).values_list("pk", flat=True))


def _object_data(kind: str, payload: dict) -> dict:
    """photo.*, author.*, section.*, tag.*, byline_role.* events: the object as the API
    shows it when it is public, else its id; and the public stories that show it."""
    name = kind.split(".")[0]
    object_id = payload.get(name)
    found = None
    if name == "photo":
        found = Photo.objects.public().filter(pk=object_id).first()
        schema = api.PhotoOut
    elif name == "author":
        found = (
            Author.objects.public()
            .select_related("headshot")
            .prefetch_related("handles")
            .filter(pk=object_id)
            .first()
        )
        schema = api.AuthorOut
    elif name == "section":
        found = Section.objects.filter(pk=object_id).first()
        schema = api.SectionOut
    elif name == "tag":
        found = api.public_tags().filter(pk=object_id).first()
        schema = api.TagOut
    elif name == "byline_role":
        found = BylineRole.objects.filter(pk=object_id).first()
        schema = api.RoleOut
    data = {"id": object_id, **(_dump(schema, found) if found is not None else {})}
    data["stories"] = _public_story_ids(payload.get("stories"))
    return data


def build(delivery) -> dict:
    if delivery.event_id is None:
        return {
            "type": TEST_KIND,
            "timestamp": timezone.now(),
            "data": {
                "subscription": delivery.subscription.name,
                "message": "A test event from the admin: signed as every delivery is.",
            },
        }
    event = delivery.event
    if event.kind.startswith(("story.", "byline.")):
        story_id = event.article_id or (event.payload.get("story") or {}).get("id")
        data = story_data(story_id)
    else:
        data = _object_data(event.kind, event.payload or {})
    return {"type": event.kind, "timestamp": event.occurred_at, "data": data}


def encode(body: dict, **options) -> bytes:
    """JSON as the API writes it (its encoder: times in UTC to the millisecond)."""
    options = options or {"separators": (",", ":")}
    return json.dumps(body, cls=NinjaJSONEncoder, ensure_ascii=False, **options).encode()
