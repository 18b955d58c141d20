"""Every story can be shared (issue 15, item 6): a story without a lead photo a reader may see
is shared with a card drawn from its headline and section, named after what it shows and
served only while the story is public."""

import io
import json
import re
from datetime import timedelta

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone
from PIL import Image, ImageChops, ImageStat

from articles import share_cards, workflow
from articles.models import Article, PreviewLink
from tests.conftest import require
from tests.factories import ArticleFactory, PhotoFactory

pytestmark = pytest.mark.django_db

HEADLINE_BOX = (share_cards.MARGIN, share_cards.HEADLINE_TOP, 1200 - share_cards.MARGIN, 500)


def meta(html: str, key: str) -> str | None:
    found = re.search(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)">', html)
    return found and found.group(1)


def json_ld_image(html: str) -> list[dict]:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    (article,) = [b for b in map(json.loads, blocks) if b.get("@type") == "NewsArticle"]
    return article.get("image", [])


def shared_image(client, story) -> str:
    """The image a story page gives social networks, checked to agree everywhere it is named."""
    html = client.get(story.get_absolute_url()).text
    url = meta(html, "og:image")
    assert url and meta(html, "twitter:image") == url
    assert [image["url"] for image in json_ld_image(html)][0] == url
    return url.removeprefix("http://testserver")


def fetch_image(client, url) -> Image.Image:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"] == "image/jpeg"
    image = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    image.load()
    return image


def ink_in_headline_box(image) -> int:
    """Dark pixels where the headline goes (the card's wash, kicker and masthead are not)."""
    box = image.convert("L").crop(HEADLINE_BOX)
    return sum(box.point(lambda v: 255 if v < 100 else 0).histogram()[255:])


def test_a_story_without_a_photo_is_shared_with_a_card_of_its_headline(client):
    story = ArticleFactory(headline="Chipmaker opens a fab in the desert", lead_photo=None)
    html = client.get(story.get_absolute_url()).text
    url = shared_image(client, story)
    assert url.startswith("/media/sharecards/")
    assert (meta(html, "og:image:width"), meta(html, "og:image:height")) == ("1200", "630")
    assert meta(html, "twitter:card") == "summary_large_image"
    (image_ld,) = json_ld_image(html)
    assert (image_ld["width"], image_ld["height"]) == (1200, 630)

    card = fetch_image(client, url)
    assert card.size == (1200, 630)
    assert ink_in_headline_box(card) > 5_000  # the headline is drawn, in ink
    other = Image.open(io.BytesIO(share_cards.draw("A different headline", story.section.name)))
    assert ImageChops.difference(card.convert("RGB"), other).crop(HEADLINE_BOX).getbbox()


def test_a_card_is_public_only_while_its_story_is_and_is_cached_by_a_cdn(client):
    story = ArticleFactory(lead_photo=None)
    url = shared_image(client, story)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("public, max-age=")
    Article.objects.filter(pk=story.pk).update(status=Article.Status.UNPUBLISHED)
    assert client.get(url).status_code == 404


def test_a_scheduled_storys_card_is_404_and_not_even_drawn_before_its_time(client):
    story = ArticleFactory(lead_photo=None, publish_at=timezone.now() + timedelta(hours=2))
    url = share_cards.card_url(story)
    response = client.get(url)
    assert response.status_code == 404 and response["Cache-Control"] == "no-store"
    assert not default_storage.exists(share_cards.card_name(story))
    with time_machine.travel(story.publish_at + timedelta(seconds=1)):
        assert shared_image(client, story) == url
        assert fetch_image(client, url).size == (1200, 630)


def test_staff_who_may_see_a_scheduled_story_and_its_preview_link_see_its_card(
    editor_client, editor
):
    story = ArticleFactory(lead_photo=None, publish_at=timezone.now() + timedelta(hours=2))
    url = share_cards.card_url(story)
    response = editor_client.get(url)
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    reader = Client()
    link = PreviewLink.objects.create(article=story, created_by=editor)
    assert reader.get(url).status_code == 404
    assert reader.get(link.get_absolute_url()).status_code == 200
    assert reader.get(url).status_code == 200
    link.revoked_at = timezone.now()
    link.save()
    assert reader.get(url).status_code == 404


def test_a_changed_headline_or_section_gives_a_new_card_at_a_new_address(client):
    story = ArticleFactory(headline="Fab opens", lead_photo=None)
    first = shared_image(client, story)
    before = fetch_image(client, first)
    story.headline = "Fab opens a year late"
    story.save()
    second = shared_image(client, story)
    assert second != first
    assert client.get(first).status_code == 404  # an old headline is never served again
    after = fetch_image(client, second)
    assert ImageChops.difference(before, after).crop(HEADLINE_BOX).getbbox()
    assert not default_storage.exists(first.removeprefix("/media/"))  # the old file is gone
    story.section.name = "Semiconductors"
    story.section.save()
    assert shared_image(client, story) not in (first, second)


def test_stories_with_a_lead_photo_keep_the_photo(client):
    photo = PhotoFactory()
    story = ArticleFactory(lead_photo=photo)
    html = client.get(story.get_absolute_url()).text
    largest, width, height = photo.renditions["story"]["jpg"][-1]
    assert shared_image(client, story) == f"/media/{largest}"
    assert (meta(html, "og:image:width"), meta(html, "og:image:height")) == (
        str(width),
        str(height),
    )
    assert meta(html, "og:image:alt") == photo.alt_text
    assert all("/renditions/" in image["url"] for image in json_ld_image(html))


def test_a_photo_whose_rights_ran_out_gives_way_to_the_card(client):
    photo = PhotoFactory(rights_expire_on=timezone.localdate() - timedelta(days=1))
    story = ArticleFactory(lead_photo=photo)
    assert shared_image(client, story).startswith("/media/sharecards/")


@pytest.mark.parametrize(
    "headline",
    [
        "Zürich’s “Café” — São Paulo and Kraków",
        "Россия запускает новый завод микросхем",
        "Ελλάδα: νέο εργοστάσιο τσιπ",
        "شركة أبل تفتح مصنعاً جديداً في دبي",
        "חברת אינטל פותחת מפעל חדש",
        "日本の半導体メーカー、熊本に新工場 Apple 向け",
        "台积电在亚利桑那州的工厂开始生产芯片",
    ],
)
def test_headlines_in_other_scripts_are_drawn_with_a_font_that_has_them(headline):
    require(
        bool(share_cards._find(share_cards.SERIF[:1] + share_cards.SANS[:1])),
        "DejaVu missing (apt-get install fonts-dejavu-core): only Latin headlines are drawn",
    )
    if any("\u3000" <= c <= "\u9fff" for c in headline):
        require(
            bool(share_cards._find(share_cards.CJK)),
            "no CJK font (apt-get install fonts-droid-fallback): Chinese and Japanese not drawn",
        )
    assert share_cards.missing(headline) == ""
    card = Image.open(io.BytesIO(share_cards.draw(headline, "Chips")))
    assert ink_in_headline_box(card) > 2_000


def test_a_headline_no_font_can_draw_is_left_off_rather_than_drawn_as_boxes(caplog):
    unknown = "\U00011013\U00011005 \U00011013\U0001103a"  # Brahmi: in no font we install
    assert {"\U00011013", "\U00011005"} <= set(share_cards.missing(unknown))
    card = Image.open(io.BytesIO(share_cards.draw(unknown, "Chips")))
    assert ink_in_headline_box(card) == 0
    assert "without its headline" in caplog.text


def test_the_longest_headline_wraps_inside_the_card():
    words = "Semiconductor " * 13 + "Pneumonoultramicroscopicsilicovolcanoconiosisandmore" * 2
    headline = words[:200]
    card = Image.open(io.BytesIO(share_cards.draw(headline, "Policy and Regulation")))
    gray = card.convert("L")
    # Nothing dark in the side margins: every line fits.
    for box in ((0, 150, 70, 520), (1130, 150, 1200, 520)):
        assert ImageStat.Stat(gray.crop(box)).extrema[0][0] > 200, box
    assert ink_in_headline_box(card) > 10_000


def test_cards_of_other_stories_and_made_up_names_are_404(client):
    story = ArticleFactory(lead_photo=None)
    other = ArticleFactory(lead_photo=None)
    real = share_cards.card_name(story)
    for name in (
        f"sharecards/{other.pk}/{real.rsplit('/', 1)[1]}",
        f"sharecards/{story.pk}/0000.jpg",
        "sharecards/nope/x.jpg",
        f"sharecards/{story.pk}",
        "sharecards/99999999999999999999/x.jpg",
    ):
        assert client.get(f"/media/{name}").status_code == 404, name


def test_the_cards_of_a_story_deleted_for_good_are_deleted_too(
    client, editor, settings, django_capture_on_commit_callbacks
):
    story = ArticleFactory(lead_photo=None)
    kept = ArticleFactory(lead_photo=None)
    names = [shared_image(client, s).removeprefix("/media/") for s in (story, kept)]
    for url in names:
        assert client.get(f"/media/{url}").status_code == 200
    workflow.trash(article=story, by=editor)
    later = timezone.now() + timedelta(days=settings.NEWSROOM_TRASH_DAYS + 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert workflow.purge_trash(now=later) == 1
    assert not default_storage.exists(names[0])
    assert default_storage.exists(names[1])
