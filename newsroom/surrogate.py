"""Surrogate keys: every public response names what it shows, so a CDN can keep it for a day
and still drop it the moment any of that changes (issue #18, EVENTS_CONTRACT.md).

- Pages name their stories (`story-<id>`, page or teaser) and the objects whose own data they
  print (`section-<id>`, `tag-<id>`, `author-<id>`, `photo-<id>`), and the lists they are
  (`home`, `latest`, `list-section-<id>`, `list-tag-<id>`, `list-author-<id>`). Feeds,
  sitemaps, search and the API name only themselves (`feeds`, `sitemaps`, `search`, `api`):
  nearly every event changes them anyway.
- Views and the pieces they are built from add keys to the request (`add`); pieces kept in
  the fragment cache keep their keys beside them, so a page made from stored pieces names the
  same keys as one rendered whole. The middleware writes them as `Surrogate-Key` (Varnish's
  xkey, Fastly) and `Cache-Tag` (Cloudflare); the page cache stores them with the page.
- `keys_for_event(event)` is the other half: exactly the keys a content event touches. The
  "cdn" event handler (newsroom/purge.py) purges them.
"""

from django.conf import settings

ATTRIBUTE = "_surrogate_keys"
# Where a CDN may keep a page for a day: lists of stories and the objects they print.
LIST_KEYS = {"home", "latest"}
# Responses that name only themselves: every story event changes what they list.
WHOLE_KEYS = ("feeds", "sitemaps", "search", "api")


def add(request, *keys) -> None:
    """This response shows these objects (keys made by the helpers below)."""
    found = request.__dict__.setdefault(ATTRIBUTE, set())
    found.update(key for key in keys if key)


def of(request) -> set[str]:
    return request.__dict__.get(ATTRIBUTE, set())


def story_keys(story, *, page: bool = False, updates=()) -> list[str]:
    """What a card or a story page prints of `story` (read for_listing or for_story_page):
    the story, its section, authors, their headshots and its lead photo. A story page
    (`page`) prints its tags (Topics) and its body, so the library photos in it too (stored
    on save in body_photos: no query), and a Live story's `updates` (update_keys)."""
    keys = [f"story-{story.pk}", f"section-{story.section_id}"]
    if story.lead_photo_id:
        keys.append(f"photo-{story.lead_photo_id}")
    for byline in story.bylines.all():
        keys.append(f"author-{byline.author_id}")
        if byline.author.headshot_id:
            keys.append(f"photo-{byline.author.headshot_id}")
    if page:
        keys += [f"tag-{tag.pk}" for tag in story.tags.all()]
        keys += [f"photo-{pk}" for pk in story.body_photos or ()]
    return keys + update_keys(updates)


def update_keys(updates) -> list[str]:
    """What Live updates print (read LiveUpdate.objects.for_page()): each one's byline, its
    photo and the library photos in its body."""
    keys = []
    for update in updates:
        keys.append(f"author-{update.author_id}")
        if update.photo_id:
            keys.append(f"photo-{update.photo_id}")
        keys += [f"photo-{pk}" for pk in update.body_photos or ()]
    return keys


def header(keys) -> dict[str, str]:
    """The response headers naming `keys`: space-separated for Varnish's xkey and Fastly,
    comma-separated for Cloudflare."""
    ordered = sorted(keys)
    return {"Surrogate-Key": " ".join(ordered), "Cache-Tag": ",".join(ordered)}


def cdn_lifetime(response, seconds: int) -> None:
    """How long a purged CDN may keep this response: `Surrogate-Control` (Varnish's VCL here,
    Fastly) and `CDN-Cache-Control` (RFC 9213: Cloudflare and others). Browsers and any other
    shared cache keep to Cache-Control, which nothing purges."""
    response["Surrogate-Control"] = f"max-age={seconds}"
    response["CDN-Cache-Control"] = f"max-age={seconds}"


def cdn_purges() -> bool:
    """Whether a CDN in front is purged by events: only then may it keep pages for a day."""
    return settings.NEWSROOM_CDN_PURGE != "none"


def _whole_key(request) -> str | None:
    """The one key of a response that lists everything of a kind (a feed, a sitemap, search,
    the API), from the URL it was resolved to."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return None
    name = match.url_name or ""
    if name.endswith(("feed", "feed_atom")):
        return "feeds"
    if name.startswith("sitemap"):
        return "sitemaps"
    if name == "search":
        return "search"
    if request.path.startswith("/api/"):
        return "api"
    return None


class SurrogateKeys:
    """Innermost but one: writes the keys the view collected on a successful public answer
    (before the page cache stores it, so a replayed page carries them too). Nothing that
    sets a cookie or is private to one reader is ever named: a CDN must not keep it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method not in ("GET", "HEAD") or response.status_code != 200:
            return response
        if response.cookies or "private" in response.get("Cache-Control", ""):
            return response
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return response
        if whole := _whole_key(request):
            add(request, whole)
        keys = of(request)
        if keys:
            for name, value in header(keys).items():
                response[name] = value
        return response


# Events ---------------------------------------------------------------------------------

STORY_EVENTS = {
    "story.published",
    "story.updated",
    "story.corrected",
    "story.unpublished",
    "story.trashed",
    "story.restored",
    "story.embargo_lifted",
    "byline.changed",
}
# Events after which the story is in lists it was not in, or out of lists it was in.
MEMBERSHIP_EVENTS = {
    "story.published",
    "story.unpublished",
    "story.trashed",
    "story.restored",
    "story.embargo_lifted",
}


def _list_keys(shape: dict | None, *, if_public: bool = False) -> set[str]:
    """The lists a story (as an event payload describes it) appears in while public, and the
    photos it makes public; none if `if_public` and the payload says it was not public."""
    if not shape or (if_public and shape.get("public") is False):
        return set()
    keys = {"home", "latest"}
    if shape.get("section"):
        keys.add(f"list-section-{shape['section']}")
    keys |= {f"list-tag-{pk}" for pk in shape.get("tags") or ()}
    keys |= {f"list-author-{pk}" for pk in shape.get("authors") or ()}
    keys |= {f"photo-{pk}" for pk in shape.get("photos") or ()}
    return keys


def keys_for_event(event) -> set[str]:
    """Exactly the keys an event touches (EVENTS_CONTRACT.md has the payloads).

    A story event: the story (every page that shows it, as page or card), feeds, sitemaps,
    search and the API; and the lists whose membership it changes: for a story going live or
    leaving, every list it is in before and after; for an edit, the lists it joined or left
    (a changed section, tag or byline, or a story that became public or stopped being so).
    Photos count as lists here: a story's photos are served while it is public.
    An object event: the object's key (every page that prints it) and its own list, and the
    stories that show it when the event names them."""
    payload = event.payload or {}
    kind = event.kind
    keys = set(WHOLE_KEYS)
    if kind in STORY_EVENTS:
        story, before = payload.get("story") or {}, payload.get("before")
        story_id = story.get("id") or event.article_id
        if story_id:
            keys.add(f"story-{story_id}")
        if kind in MEMBERSHIP_EVENTS:
            keys |= _list_keys(story) | _list_keys(before)
        else:
            keys |= _list_keys(story, if_public=True) ^ _list_keys(before, if_public=True)
        return keys
    for name in ("photo", "author", "section", "tag"):
        if kind.startswith(f"{name}.") and payload.get(name):
            keys.add(f"{name}-{payload[name]}")
            if name != "photo":
                keys.add(f"list-{name}-{payload[name]}")
    keys |= {f"story-{pk}" for pk in payload.get("stories") or ()}
    return keys
