"""RSS 2.0 and Atom feeds of public stories: the whole site, and per section, author and tag.

Items carry every byline, the section and tags as categories, the teaser (or the full text
when NEWSROOM_FEED_FULL_TEXT is on) and the lead photo with its credit, as Media RSS.
"""

import copy
import hashlib
from html import escape

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Max
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.http import http_date, quote_etag
from taggit.models import Tag

from articles import bylines
from articles.markup import rendition_url
from articles.models import Article, LiveUpdate, Section
from articles.teasers import plain_text
from authors.models import Author

MEDIA_NS = "http://search.yahoo.com/mrss/"
# Each byline with its role, in a namespace of our own (neither RSS nor Atom has roles):
# <newsroom:byline role="translated" label="Translated by">Lu Wen</newsroom:byline>, the
# role's key as the API names it. Media RSS credits would be read as the photo's.
NEWSROOM_NS = "urn:newsroom:byline"
DC_NS = "http://purl.org/dc/elements/1.1/"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"


def _byline_elements(handler, item):
    for name, role, label in item.get("bylines", []):
        handler.addQuickElement("newsroom:byline", name, {"role": role, "label": label})


def _photo_elements(handler, item):
    photo = item.get("photo")
    if not photo:
        return
    attrs = {"url": photo["url"], "medium": "image", "type": "image/jpeg"}
    handler.startElement("media:content", attrs)
    handler.addQuickElement("media:credit", photo["credit"])
    if photo["caption"]:
        # Plain text, said outright: readers must not render a caption as HTML.
        handler.addQuickElement("media:description", photo["caption"], {"type": "plain"})
    handler.endElement("media:content")


def photo_entry(request, photo) -> dict:
    """The item's photo for a feed (story lead photo, live update photo): its largest story
    rendition, credit and caption; nothing for no photo or one whose rights ran out."""
    url = rendition_url(photo, "story") if photo is not None and photo.is_usable else None
    if not url:
        return {}
    return {
        "photo": {
            "url": request.build_absolute_uri(url),
            "credit": photo.credit_line,
            "caption": photo.caption,
        }
    }


class NewsroomRss(Rss201rev2Feed):
    def __init__(self, title, link, description, *args, **kwargs):
        # Readers treat a channel's <description> as HTML, but ours is text (a section's
        # description, an author's or a tag's name): escaped, it shows as typed. Atom's
        # subtitle says type="text" itself and gets the words as they are.
        super().__init__(title, link, escape(description or ""), *args, **kwargs)

    def rss_attributes(self):
        return {
            **super().rss_attributes(),
            "xmlns:media": MEDIA_NS,
            "xmlns:dc": DC_NS,
            "xmlns:content": CONTENT_NS,
            "xmlns:newsroom": NEWSROOM_NS,
        }

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for name in item.get("authors", [])[1:]:  # Django writes the first as dc:creator
            handler.addQuickElement("dc:creator", name)
        for name in item.get("contributors", []):
            handler.addQuickElement("dc:contributor", name)
        _byline_elements(handler, item)
        if item.get("content"):
            handler.addQuickElement("content:encoded", item["content"])
        _photo_elements(handler, item)


class NewsroomAtom(Atom1Feed):
    def root_attributes(self):
        return {**super().root_attributes(), "xmlns:media": MEDIA_NS, "xmlns:newsroom": NEWSROOM_NS}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for name in item.get("authors", [])[1:]:  # the first is the item's own author
            handler.startElement("author", {})
            handler.addQuickElement("name", name)
            handler.endElement("author")
        for name in item.get("contributors", []):
            handler.startElement("contributor", {})
            handler.addQuickElement("name", name)
            handler.endElement("contributor")
        _byline_elements(handler, item)
        if item.get("content"):
            handler.addQuickElement("content", item["content"], {"type": "html"})
        _photo_elements(handler, item)


class StoryFeed(Feed):
    """The latest public stories; subclasses narrow them to a section, an author or a tag."""

    feed_type = NewsroomRss
    limit = 30

    def title(self, obj=None):
        return settings.NEWSROOM_SITE_NAME

    def description(self, obj=None):
        return str(settings.NEWSROOM_SITE_TAGLINE)

    def link(self, obj=None):
        return "/"

    def stories(self, obj):
        return Article.objects.public()

    def typed(self, obj):
        """The feed's stories, of one type when the address asks: /feed/?type=opinion (any
        feed, RSS or Atom). An unknown type is a 404, not the whole feed."""
        stories = self.stories(obj)
        wanted = self.request.GET.get("type")
        if wanted is None:
            return stories
        if wanted not in Article.StoryType.values:
            raise Http404("No such story type.")
        return stories.of_type(wanted)

    def items(self, obj=None):
        stories = self.typed(obj).for_listing(
            body=settings.NEWSROOM_FEED_FULL_TEXT, author_boxes=False
        )
        return stories.prefetch_related("tags").latest_first()[: self.limit]

    def item_title(self, item):
        return item.headline

    def item_description(self, item):
        return item.teaser_html

    def item_link(self, item):
        return item.get_absolute_url()

    def item_guid(self, item):
        return f"{self.request.build_absolute_uri('/')}stories/{item.pk}"

    item_guid_is_permalink = False

    def item_author_name(self, item):
        # The story's writers (Written by, Reporting by...); the other roles contribute.
        writers = bylines.by_property(item.bylines.all()).get("author", [])
        return writers[0].name if writers else None

    def item_pubdate(self, item):
        return item.first_published_at or item.publish_at

    def item_updateddate(self, item):
        return max(item.updated_at, item.publish_at)

    def item_categories(self, item):
        return [item.section.name, *(tag.name for tag in item.tags.all())]

    def item_extra_kwargs(self, item):
        people = bylines.by_property(item.bylines.all())
        extra = {
            "authors": [author.name for author in people.pop("author", [])],
            "contributors": [author.name for others in people.values() for author in others],
            "bylines": [(b.author.name, b.role.slug, b.role.name) for b in item.bylines.all()],
        }
        if settings.NEWSROOM_FEED_FULL_TEXT:
            extra["content"] = item.body_html
        extra.update(photo_entry(self.request, item.lead_photo))
        return extra

    def __call__(self, request, *args, **kwargs):
        # One Feed instance serves every request (it is built in urls.py): work on a copy
        # that knows this request, so threads never see each other's.
        if getattr(self, "request", None) is not request:
            feed = copy.copy(self)
            feed.request = request
            return feed(request, *args, **kwargs)
        obj = self.get_object(request, *args, **kwargs)
        changed = self.typed(obj).aggregate(updated=Max("updated_at"), published=Max("publish_at"))
        stamps = [value for value in changed.values() if value]
        last_modified = max(stamps) if stamps else None
        etag = quote_etag(
            hashlib.sha1(
                f"{request.get_full_path()}:{last_modified}:{self.feed_type.__name__}".encode(),
                usedforsecurity=False,
            ).hexdigest()
        )
        stamp = int(last_modified.timestamp()) if last_modified else None
        # Django's own conditional-GET rules: a 304 here skips building the feed at all.
        not_modified = get_conditional_response(request, etag=etag, last_modified=stamp)
        response = not_modified or self.built(request, *args, **kwargs)
        response["ETag"] = etag
        if stamp:
            response["Last-Modified"] = http_date(stamp)
        return response

    def built(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        # The feed writer appends each element as its own chunk (some 2,000 for 30 items), and
        # the server sends every chunk in its own write: one piece, one write.
        response.content = response.content
        return response


class AtomMixin:
    feed_type = NewsroomAtom

    def subtitle(self, obj=None):
        return self.description(obj)


class SectionFeed(StoryFeed):
    def get_object(self, request, section):
        return get_object_or_404(Section, slug=section)

    def title(self, obj):
        return f"{obj.name} | {settings.NEWSROOM_SITE_NAME}"

    def description(self, obj):
        return obj.description or obj.name

    def link(self, obj):
        return obj.get_absolute_url()

    def stories(self, obj):
        return Article.objects.public().in_section(obj)


class AuthorFeed(StoryFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Author.objects.public(), slug=slug)

    def title(self, obj):
        return f"{obj.name} | {settings.NEWSROOM_SITE_NAME}"

    def description(self, obj):
        return f"Stories by {obj.name}"

    def link(self, obj):
        return obj.get_absolute_url()

    def stories(self, obj):
        return Article.objects.public().by_author(obj)


class TagFeed(StoryFeed):
    def get_object(self, request, slug):
        tag = get_object_or_404(Tag, slug=slug)
        if not Article.objects.public().tagged(tag).exists():
            raise Http404("No public stories carry this tag.")
        return tag

    def title(self, obj):
        return f"{obj.name} | {settings.NEWSROOM_SITE_NAME}"

    def description(self, obj):
        return f"Stories about {obj.name}"

    def link(self, obj):
        return reverse("articles:tag", kwargs={"slug": obj.slug})

    def stories(self, obj):
        return Article.objects.public().tagged(obj)


class AtomStoryFeed(AtomMixin, StoryFeed):
    pass


class AtomSectionFeed(AtomMixin, SectionFeed):
    pass


class AtomAuthorFeed(AtomMixin, AuthorFeed):
    pass


class AtomTagFeed(AtomMixin, TagFeed):
    pass


class LiveStoryFeed(Feed):
    """A Live story's updates as items, newest first: /<section>/<slug>/feed/.

    The site, section, author and tag feeds list a live story once, as any story (a feed
    reader following a whole site does not want fifty items about one event); whoever wants
    every update subscribes to the story's own feed, which its page links."""

    feed_type = NewsroomRss
    limit = 50

    def get_object(self, request, section, slug):
        return get_object_or_404(
            Article.objects.public().select_related("section"),
            slug=slug,
            section__slug=section,
            story_type=Article.StoryType.LIVE,
        )

    def title(self, obj):
        return f"{obj.headline} | {settings.NEWSROOM_SITE_NAME}"

    def description(self, obj):
        return obj.dek or obj.headline

    def link(self, obj):
        return obj.get_absolute_url()

    def items(self, obj):
        updates = (
            LiveUpdate.objects.public().filter(story=obj).for_page().newest_first()[: self.limit]
        )
        updates = list(updates)
        for update in updates:
            update.story = obj
        return updates

    def item_title(self, item):
        return item.headline or plain_text(item.body_html).strip()[:100]

    def item_description(self, item):
        return item.body_html

    def item_link(self, item):
        return item.get_absolute_url()

    def item_guid(self, item):
        return f"{self.request.build_absolute_uri('/')}stories/{item.story_id}/updates/{item.pk}"

    item_guid_is_permalink = False

    def item_author_name(self, item):
        return item.author.name

    def item_pubdate(self, item):
        return item.published_at

    def item_categories(self, item):
        return ["Key event"] if item.key_event else []

    def item_extra_kwargs(self, item):
        extra = {"authors": [item.author.name]}
        extra.update(photo_entry(self.request, item.photo))
        return extra

    def __call__(self, request, *args, **kwargs):
        if getattr(self, "request", None) is not request:
            feed = copy.copy(self)
            feed.request = request
            return feed(request, *args, **kwargs)
        return super().__call__(request, *args, **kwargs)
