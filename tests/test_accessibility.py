"""Every kind of public page in a real chromium: no WCAG 2.2 A/AA violation found by axe-core,
and the reader's paths (home → story → author → feed, search, a 404's search box) work."""

import json
import os
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.conftest import require
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    HandleFactory,
    PhotoFactory,
    SectionFactory,
)
from tests.page_kinds import KINDS, every_page_kind

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def site():
    chips = SectionFactory(slug="chips", name="Chips", description="All about chips.")
    jane = AuthorFactory(name="Jane Roe", slug="jane-roe", headshot=PhotoFactory())
    HandleFactory(author=jane, kind="x", value="janeroe")
    HandleFactory(author=jane, kind="email", value="jane@example.com")
    body = "".join(
        f"<p>Paragraph {k} about the new wafer fab and its yields.</p>" for k in range(30)
    )
    stories = [
        ArticleFactory(
            headline=f"Wafer fab story {k}",
            section=chips,
            authors=[jane],
            tags=["fabs"],
            lead_photo=PhotoFactory(),
            body=body,
            publish_at=timezone.now() - timezone.timedelta(hours=k + 1),
        )
        for k in range(3)
    ]
    return stories


@pytest.fixture
def browser_context_args(browser_context_args):
    """axe-core is injected as an inline script, which the site's own CSP (rightly) blocks;
    the policy itself is tested in test_csp_browser.py."""
    return {**browser_context_args, "bypass_csp": True}


@pytest.fixture
def pages(editor):
    return every_page_kind(editor)


# WCAG 2.2 AA, whose target-size rule (2.5.8, 24 x 24 px) axe runs only when asked by name,
# and axe's best practices (landmark-unique: two search forms need two names).
AXE_RUN = """async () => await axe.run(document, {
  runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']},
  rules: {'target-size': {enabled: true}},
  resultTypes: ['violations'],
})"""


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_of_page_has_no_wcag_22_violations(page, live_server, pages, kind):
    require(AXE.exists(), f"{AXE} is missing (run npm ci): accessibility checks not run")
    page.goto(live_server.url + pages[kind])
    page.add_script_tag(content=AXE.read_text())
    result = page.evaluate(AXE_RUN)
    problems = [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]
    assert problems == [], json.dumps(problems, indent=2)


def test_keep_reading_stays_accessible_when_expanded(page, live_server, site):
    require(AXE.exists(), f"{AXE} is missing (run npm ci): accessibility checks not run")
    page.goto(live_server.url + "/")
    page.locator("button.keep-reading").first.click()
    expect(page.locator("button.keep-reading").first).to_have_attribute("aria-expanded", "true")
    page.add_script_tag(content=AXE.read_text())
    result = page.evaluate(
        "async () => await axe.run(document, "
        "{rules: {'target-size': {enabled: true}}, resultTypes: ['violations']})"
    )
    assert [v["id"] for v in result["violations"]] == []


def test_a_reader_goes_home_story_author_and_finds_the_feed(page, live_server, site):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Wafer fab story 0", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Wafer fab story 0")
    page.get_by_role("link", name="Jane Roe").first.click()
    expect(page).to_have_url(live_server.url + "/authors/jane-roe/")
    feed = page.locator('link[rel="alternate"][type="application/rss+xml"]').last
    href = feed.get_attribute("href")
    assert href == "/authors/jane-roe/feed/"
    response = page.request.get(live_server.url + href)
    assert response.ok and "<rss" in response.text() and "Wafer fab story 0" in response.text()


def test_a_reader_searches_from_the_masthead(page, live_server, site):
    page.goto(live_server.url + "/chips/")
    page.get_by_role("searchbox", name="Search stories").fill("wafer yields")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=wafer\+yields"))
    expect(page.get_by_role("heading", level=2, name=re.compile("3 results"))).to_be_visible()
    expect(page.locator("mark").first).to_be_visible()


def test_focus_is_visible_and_the_skip_link_works(page, live_server, site):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    expect(page.locator("#content")).to_be_focused()


def test_a_reader_searches_from_the_not_found_page(page, live_server, site):
    page.goto(live_server.url + "/no-such-story/")
    search = page.get_by_role("search", name="Search for the page")
    search.get_by_role("searchbox", name="Search stories").fill("wafer yields")
    search.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/search/\?q=wafer\+yields"))
    expect(page.get_by_role("heading", level=2, name=re.compile("3 results"))).to_be_visible()
