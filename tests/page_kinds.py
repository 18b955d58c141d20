"""One of every kind of public page, filled with the longest things readers' pages carry: a
long e-mail address beside a headshot, a headline with a word too long for a phone, long tag
names. The HTML conformance, accessibility and phone-width tests all check these same pages."""

from django.urls import reverse
from django.utils import timezone

from articles import live, workflow
from articles.models import Article, BylineRole, Correction
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    HandleFactory,
    PhotoFactory,
    SectionFactory,
)

LONG_WORD = "Microelectromechanicalsystemsmanufacturingequipment"
LONG_TAG = "semiconductor manufacturing equipment supply chain resilience"
LONG_EMAIL = "jane.roe.semiconductor.correspondent@newsroom-example-international.com"

KINDS = (
    "home",
    "section",
    "tag",
    "author",
    "search",
    "story with photo",
    "story without photo",
    "story with correction",
    "live story",
    "opinion story",
    "sponsored story",
    "section of story types",
    "not found",
    "preview",
)


def every_page_kind(editor) -> dict[str, str]:
    """Paths of one page of each kind, keyed by KINDS, over freshly made content."""
    now = timezone.now()
    chips = SectionFactory(slug="chips", name="Chips", description="All about chips.")
    jane = AuthorFactory(name="Jane Roe", slug="jane-roe", headshot=PhotoFactory())
    HandleFactory(author=jane, kind="x", value="janeroe")
    HandleFactory(author=jane, kind="email", value=LONG_EMAIL)
    body = "".join(
        f"<p>Paragraph {k} about the new wafer fab and its yields.</p>" for k in range(30)
    )

    def story(**fields):
        fields = {"section": chips, "authors": [jane], "body": body, **fields}
        return ArticleFactory(**fields)

    with_photo = story(
        headline=f"The wafer fab that makes {LONG_WORD}",
        tags=[LONG_TAG, "fabs"],
        lead_photo=PhotoFactory(),
        publish_at=now - timezone.timedelta(hours=1),
    )
    without_photo = story(
        headline="A wafer fab story without a photo", publish_at=now - timezone.timedelta(hours=2)
    )
    corrected = story(
        headline="A corrected wafer fab story",
        lead_photo=PhotoFactory(),
        publish_at=now - timezone.timedelta(hours=3),
    )
    workflow.add_correction(
        article=corrected,
        by=editor,
        kind=Correction.Kind.CORRECTION,
        text="<p>An earlier version gave the wrong yield.</p>",
    )
    live_story = story(
        headline="Live: the wafer fab opens",
        story_type=Article.StoryType.LIVE,
        body="<p>The fab opens today. Here is what we know.</p>",
        publish_at=now - timezone.timedelta(hours=4),
    )
    for k, fields in enumerate(
        [
            {"body": "<p>Doors open to the press.</p>"},
            {"body": f"<p>The first {LONG_WORD} arrives.</p>", "photo": PhotoFactory()},
            {"body": "<p>The minister cuts the ribbon.</p>", "key_event": True,
             "headline": "Ribbon cut: the fab is open"},
        ]
    ):  # fmt: skip
        live.add_update(
            story=live_story,
            by=editor,
            author=jane,
            at=now - timezone.timedelta(minutes=30 - k),
            **fields,
        )
    scheduled = story(
        headline="An embargoed wafer fab story",
        lead_photo=PhotoFactory(),
        publish_at=now + timezone.timedelta(days=1),
    )
    link = workflow.share_preview(article=scheduled, by=editor)
    opinion_section = typed_stories(jane, body)
    return {
        "home": "/",
        "section": chips.get_absolute_url(),
        "tag": reverse("articles:tag", kwargs={"slug": with_photo.tags.get(name=LONG_TAG).slug}),
        "author": jane.get_absolute_url(),
        "search": "/search/?q=wafer",
        "story with photo": with_photo.get_absolute_url(),
        "story without photo": without_photo.get_absolute_url(),
        "story with correction": corrected.get_absolute_url(),
        "live story": live_story.get_absolute_url(),
        "opinion story": opinion_section["opinion"].get_absolute_url(),
        "sponsored story": opinion_section["sponsored"].get_absolute_url(),
        "section of story types": opinion_section["section"].get_absolute_url(),
        "not found": "/no-such-page/",
        "preview": link.get_absolute_url(),
    }


def typed_stories(jane, body) -> dict:
    """A section whose cards carry every label a reader can meet beside one another: an
    Opinion story whose byline mixes roles (By, Additional reporting by, Translated by), an
    Analysis, a Sponsored story with its "Presented by" line, a Live story and plain News."""
    now = timezone.now()
    ideas = SectionFactory(slug="ideas", name="Ideas", description="Argument and analysis.")
    # A transactional test's flush empties the roles the migration seeded: made again here.
    for slug, name, phrase, prop in [
        ("additional-reporting", "Additional reporting", "Additional reporting by", "contributor"),
        ("translated", "Translated by", "Translated by", "translator"),
    ]:
        BylineRole.objects.get_or_create(
            slug=slug, defaults={"name": name, "phrase": phrase, "schema_property": prop}
        )
    sam = AuthorFactory(name="Sam Lu", slug="sam-lu")
    ana = AuthorFactory(name="Ana Torres", slug="ana-torres")

    def story(hours, **fields):
        fields = {"section": ideas, "authors": [jane], "body": body, **fields}
        return ArticleFactory(publish_at=now - timezone.timedelta(hours=hours), **fields)

    opinion = story(
        1,
        headline=f"Why the {LONG_WORD} boom will not last",
        story_type=Article.StoryType.OPINION,
        lead_photo=PhotoFactory(),
        authors=[jane, (sam, "additional-reporting"), (ana, "translated")],
    )
    sponsored = story(
        2,
        headline="How a port moves a million containers",
        story_type=Article.StoryType.SPONSORED,
        sponsor_name="Seagull Lines International Shipping and Logistics",
        sponsor_url="https://seagull.example/",
        lead_photo=PhotoFactory(),
    )
    story(3, headline="What the fab's yields tell us", story_type=Article.StoryType.ANALYSIS)
    story(4, headline="Live: the chip summit", story_type=Article.StoryType.LIVE)
    story(5, headline="The fab hires its thousandth worker", authors=[sam, (jane, "translated")])
    return {"section": ideas, "opinion": opinion, "sponsored": sponsored}
