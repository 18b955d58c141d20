"""In a real chromium: "Keep reading" opens a story in place, "Show less" folds it, by mouse,
by keyboard and for screen readers; without JavaScript it is a plain link."""

import os
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from articles.models import Correction
from tests.factories import ArticleFactory, AuthorFactory, HandleFactory, PhotoFactory

# Playwright's sync API runs an event loop in this thread; the ORM calls made here by the
# test itself (factories) are ordinary blocking calls, which Django must be told are fine.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def story():
    author = AuthorFactory(name="Jane Roe")
    body = "".join(f"<p>Paragraph {k} of the story about the new fab.</p>" for k in range(40))
    body += "<p>The very last paragraph.</p>"
    return ArticleFactory(
        headline="A new fab opens", body=body, authors=[author], lead_photo=PhotoFactory()
    )


def test_keep_reading_opens_the_story_in_place_and_show_less_folds_it(page, live_server, story):
    page.goto(live_server.url + "/")
    expect(page.get_by_role("button", name="Keep reading: A new fab opens")).to_be_visible()
    button = page.locator(f'button[aria-controls="teaser-{story.pk}"]')
    teaser = page.locator(f"#teaser-{story.pk}")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(button).to_have_attribute("aria-controls", f"teaser-{story.pk}")
    expect(teaser).not_to_contain_text("The very last paragraph.")

    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("button", name="Show less: A new fab opens")).to_be_visible()
    expect(teaser).to_contain_text("The very last paragraph.")
    expect(page.locator("[data-announcer]")).to_have_text("Story expanded: A new fab opens")
    assert page.url == live_server.url + "/"

    button.click()
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(button).to_contain_text("Keep reading")
    expect(teaser).not_to_contain_text("The very last paragraph.")
    expect(teaser).to_contain_text("Paragraph 0")


def test_keep_reading_works_from_the_keyboard(page, live_server, story):
    page.goto(live_server.url + "/")
    button = page.locator(f'button[aria-controls="teaser-{story.pk}"]')
    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    # Reading goes on from the story's opening, not from the button below it.
    expect(page.locator(f"#teaser-{story.pk}")).to_be_focused()
    page.keyboard.press("Tab")  # the story has no links: next is "Show less"
    expect(button).to_be_focused()
    page.keyboard.press("Space")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(button).to_be_focused()


@pytest.fixture
def corrected_story():
    author = AuthorFactory(name="Jane Roe", bio="<p>Jane writes about chips.</p>")
    HandleFactory(author=author, kind="x", value="@janeroe")
    photo = PhotoFactory(caption="The clean room at dusk.", credit="Pixelwire Agency")
    body = "".join(f"<p>Paragraph {k} of the story about the new fab.</p>" for k in range(40))
    story = ArticleFactory(
        headline="A new fab opens", body=body, authors=[author], lead_photo=photo
    )
    Correction.objects.create(
        article=story,
        kind=Correction.Kind.CORRECTION,
        text="An earlier version misstated the size of the plant.",
        published_at=timezone.now(),
    )
    return story


def test_keep_reading_shows_the_whole_article_correction_first(page, live_server, corrected_story):
    page.goto(live_server.url + "/")
    card = page.locator("article.card", has=page.locator(f"#teaser-{corrected_story.pk}"))
    text = card.locator(f"#teaser-{corrected_story.pk}")
    authors = card.locator(".author-box")
    expect(authors).to_contain_text("Jane Roe")  # the author box, folded and open
    expect(authors).to_contain_text("@janeroe")
    expect(authors).to_contain_text("Jane writes about chips.")
    expect(text).not_to_contain_text("misstated")

    card.get_by_role("button", name="Keep reading: A new fab opens").click()
    expect(text.locator(".corrections")).to_contain_text("misstated the size of the plant")
    read = text.inner_text()
    assert read.index("misstated") < read.index("Paragraph 0") < read.index("Paragraph 39")
    caption = text.locator("figcaption")
    expect(caption).to_be_visible()
    expect(caption).to_contain_text("The clean room at dusk.")
    expect(caption).to_contain_text("Photo: Pixelwire Agency")
    expect(card.locator(".card-photo")).to_be_hidden()  # the lead photo shows once, captioned
    expect(authors).to_be_visible()
    expect(authors).to_contain_text("Jane writes about chips.")

    card.get_by_role("button", name="Show less: A new fab opens").click()
    expect(text).not_to_contain_text("misstated")
    expect(text).not_to_contain_text("Paragraph 39")
    expect(card.locator(".card-photo")).to_be_visible()
    expect(authors).to_contain_text("Jane Roe")


def test_without_javascript_keep_reading_is_a_link_to_the_story(browser, live_server, story):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/")
    expect(page.locator("button.keep-reading")).to_have_count(0)
    page.get_by_role("link", name=re.compile("^Keep reading")).click()
    expect(page).to_have_url(live_server.url + story.get_absolute_url())
    expect(page.locator("[data-story-body]")).to_contain_text("The very last paragraph.")
    context.close()


def test_a_reader_goes_from_home_to_story_to_author(page, live_server, story):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="A new fab opens").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("A new fab opens")
    page.get_by_role("link", name="Jane Roe").first.click()
    expect(page).to_have_url(re.compile("/authors/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Jane Roe")


def test_an_open_card_fits_a_phone(browser, live_server):
    email = "maximilianeoberhauser.lindqvist@example.com"
    author = AuthorFactory(
        name="Maximiliane Oberhauser-Lindqvist",
        bio=f"<p>Maximiliane can be reached at {email}.</p>",
        headshot=PhotoFactory(),
    )
    HandleFactory(author=author, kind="email", value=email)
    ArticleFactory(
        headline="A new fab opens",
        body="".join(f"<p>Paragraph {k} of the story about the new fab.</p>" for k in range(40)),
        authors=[author],
        lead_photo=PhotoFactory(),
    )
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(live_server.url + "/")
    page.get_by_role("button", name="Keep reading: A new fab opens").click()
    expect(page.get_by_role("button", name="Show less: A new fab opens")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    context.close()
