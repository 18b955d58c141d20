"""schema.org JSON-LD for search engines: NewsArticle, BreadcrumbList, Person, Organization
and WebSite. Built from the same objects the page shows; printed by the `json_ld` filter."""

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse

from articles import bylines
from articles.markup import rendition_url
from articles.share_cards import share_image
from articles.teasers import plain_text


def _absolute(request, path: str) -> str:
    return request.build_absolute_uri(path)


def organization(request) -> dict:
    return {
        "@type": "NewsMediaOrganization",
        "@id": _absolute(request, "/#organization"),
        "name": settings.NEWSROOM_SITE_NAME,
        "url": _absolute(request, "/"),
        "logo": {
            "@type": "ImageObject",
            "url": _absolute(request, static("img/logo.png")),
            "width": 600,
            "height": 60,
        },
    }


def website(request) -> dict:
    return {
        "@context": "https://schema.org",
        "@graph": [
            organization(request),
            {
                "@type": "WebSite",
                "@id": _absolute(request, "/#website"),
                "name": settings.NEWSROOM_SITE_NAME,
                "url": _absolute(request, "/"),
                "publisher": {"@id": _absolute(request, "/#organization")},
                "potentialAction": {
                    "@type": "SearchAction",
                    "target": {
                        "@type": "EntryPoint",
                        "urlTemplate": _absolute(request, "/search/") + "?q={search_term_string}",
                    },
                    "query-input": "required name=search_term_string",
                },
            },
        ],
    }


def person(request, author, *, with_context=False) -> dict:
    data = {
        "@type": "Person",
        "name": author.name,
        "url": _absolute(request, author.get_absolute_url()),
    }
    if author.job_title:
        data["jobTitle"] = author.job_title
    same_as = [h.url for h in author.handles.all() if h.kind != "email"]
    if same_as:
        data["sameAs"] = same_as
    emails = [h.value for h in author.handles.all() if h.kind == "email"]
    if emails:
        data["email"] = emails[0]
    image = (
        author.headshot and author.headshot.is_usable and rendition_url(author.headshot, "square")
    )
    if image:
        data["image"] = _absolute(request, image)
    if with_context:
        data = {"@context": "https://schema.org", **data, "worksFor": organization(request)}
    return data


# The schema.org type of each kind of story (Article.StoryType).
SCHEMA_TYPES = {
    "news": "NewsArticle",
    "analysis": "AnalysisNewsArticle",
    "opinion": "OpinionNewsArticle",
    "review": "ReviewNewsArticle",
    "explainer": "BackgroundNewsArticle",
    "sponsored": "AdvertiserContentArticle",
    "live": "LiveBlogPosting",
}


def news_article(request, story) -> dict:
    url = _absolute(request, story.get_absolute_url())
    data = {
        "@context": "https://schema.org",
        "@type": SCHEMA_TYPES.get(story.story_type, "NewsArticle"),
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
        "headline": story.headline[:110],
        "description": story.dek or "",
        "articleSection": story.section.name,
        "keywords": [tag.name for tag in story.tags.all()],
        "datePublished": (story.first_published_at or story.publish_at).isoformat(),
        "dateModified": max(story.updated_at, story.publish_at).isoformat(),
        "wordCount": story.word_count,
        # Writers are the authors; the other roles go where schema.org puts them.
        **{
            prop: [person(request, author) for author in authors]
            for prop, authors in bylines.by_property(story.bylines.all()).items()
        },
        "publisher": organization(request),
        "isAccessibleForFree": True,
    }
    if story.is_sponsored and story.sponsor_name:
        data["sponsor"] = {"@type": "Organization", "name": story.sponsor_name}
        if story.sponsor_link:
            data["sponsor"]["url"] = story.sponsor_link
    photo = story.lead_photo
    usable = photo is not None and photo.is_usable
    urls = [url for kind in ("story", "square") if usable and (url := rendition_url(photo, kind))]
    if urls:
        data["image"] = [
            {
                "@type": "ImageObject",
                "url": _absolute(request, url),
                "caption": photo.caption,
                "creditText": photo.credit_line,
            }
            for url in urls
        ]
    else:
        # No photo a reader may see: the story's share card, drawn from its headline.
        card = share_image(story)
        data["image"] = [
            {
                "@type": "ImageObject",
                "url": _absolute(request, card["url"]),
                "width": card["width"],
                "height": card["height"],
            }
        ]
    corrections = [
        {
            "@type": "CorrectionComment",
            "text": note.get_kind_display() + ": " + _plain(note.text),
            "datePublished": note.published_at.isoformat(),
        }
        for note in story.corrections.all()
    ]
    if corrections:
        data["correction"] = corrections
    return data


def breadcrumbs(request, story) -> dict:
    trail = [
        (settings.NEWSROOM_SITE_NAME, reverse("articles:home")),
        (story.section.name, story.section.get_absolute_url()),
        (story.headline, story.get_absolute_url()),
    ]
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": n, "name": name, "item": _absolute(request, path)}
            for n, (name, path) in enumerate(trail, start=1)
        ],
    }


def _plain(html: str) -> str:
    return plain_text(html).strip()


def live_blog(request, story, updates) -> dict:
    """What a Live story adds to its article's JSON-LD (schema.org LiveBlogPosting): when
    coverage started and ended, and its updates as BlogPostings, newest first."""
    data = {
        "@type": "LiveBlogPosting",
        "coverageStartTime": (story.first_published_at or story.publish_at).isoformat(),
        "liveBlogUpdate": [live_update(request, update) for update in updates],
    }
    if story.coverage_ended_at:
        data["coverageEndTime"] = story.coverage_ended_at.isoformat()
    if updates:
        newest = max(update.published_at for update in updates)
        modified = max(story.updated_at, story.publish_at, newest)
        data["dateModified"] = modified.isoformat()
    return data


def live_update(request, update) -> dict:
    body = _plain(update.body_html)
    data = {
        "@type": "BlogPosting",
        "@id": _absolute(request, update.get_absolute_url()),
        "url": _absolute(request, update.get_absolute_url()),
        "headline": (update.headline or body)[:110],
        "articleBody": body,
        "datePublished": update.published_at.isoformat(),
        "author": {
            "@type": "Person",
            "name": update.author.name,
            "url": _absolute(request, update.author.get_absolute_url()),
        },
    }
    photo = update.photo
    url = photo is not None and photo.is_usable and rendition_url(photo, "story")
    if url:
        data["image"] = {
            "@type": "ImageObject",
            "url": _absolute(request, url),
            "caption": photo.caption,
            "creditText": photo.credit_line,
        }
    return data
