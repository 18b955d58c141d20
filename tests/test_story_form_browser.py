"""The story form made for writing, in a real chromium: where the focus starts, the body
editor's name, spellcheck, word count and one-stop toolbar, the side panel, what stops
publication shown while writing, the interactions an editor needs to schedule, and no
WCAG 2.2 AA violation found by axe-core on the form and on the merge view."""

import json
import os
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from articles.models import Article
from tests import test_two_editors_browser as two_editors
from tests.conftest import require
from tests.factories import ArticleFactory, AuthorFactory, PhotoFactory, SectionFactory
from tests.test_accessibility import AXE, AXE_RUN
from tests.test_autosave_browser import BODY, click_save, sign_in, type_in_body
from tests.test_workflow import change_form_data

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Rita (reporter) and Edna (editor), signed in without a second factor.
people = two_editors.people
no_second_factor = two_editors.no_second_factor


@pytest.fixture
def browser_context_args(browser_context_args):
    """axe-core is injected as an inline script, which the admin's CSP (rightly) blocks; the
    policy itself is tested in test_csp_browser.py."""
    return {**browser_context_args, "bypass_csp": True}


class Counted:
    """Clicks and key presses (not typed text), as the issue's targets count them."""

    def __init__(self, page):
        self.page, self.count = page, 0

    def click(self, locator):
        self.count += 1
        locator.click()

    def press(self, key):
        self.count += 1
        self.page.keyboard.press(key)


def axe_problems(page) -> list:
    require(AXE.exists(), f"{AXE} is missing (run npm ci): accessibility checks not run")
    page.add_script_tag(content=AXE.read_text())
    result = page.evaluate(AXE_RUN)
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


def test_a_new_story_starts_at_the_headline_with_a_named_spellchecked_body(
    page, live_server, people
):
    SectionFactory(name="Chips", slug="chips")
    sign_in(page, live_server, "rita")
    page.goto(live_server.url + "/admin/articles/article/add/")
    page.wait_for_selector(BODY)
    page.wait_for_load_state("load")
    expect(page.locator("#id_headline")).to_be_focused()
    body = page.get_by_role("textbox", name="Body")
    expect(body).to_have_attribute("spellcheck", "true")
    expect(page.locator("#nr-word-count")).to_have_text("0 words · nothing written yet")
    type_in_body(page, "Three more words " * 100)
    expect(page.locator("#nr-word-count")).to_have_text("300 words · 1 min read")
    # From the headline, the toolbar is one tab stop on the way to the body.
    page.locator("#id_teaser").focus()
    stops = 0
    page.locator("#id_section").focus()
    while not page.evaluate("document.activeElement.classList.contains('ProseMirror')"):
        page.keyboard.press("Tab")
        stops += 1
        assert stops < 8, "too many tab stops between the section and the body"
    # Nothing stops a draft in the side panel... but what would stop publication is shown.
    expect(page.locator(".nr-story-side")).to_contain_text("Status")
    expect(page.locator("#nr-problems")).to_contain_text("The story has no author.", timeout=10_000)
    expect(page.locator("fieldset", has_text="Publishing")).not_to_contain_text("buttons above")
    assert axe_problems(page) == []


@pytest.mark.browser_context_args(timezone_id="America/New_York")
def test_an_editor_schedules_a_reviewed_story_in_at_most_4_interactions(
    page, live_server, people, settings
):
    settings.TIME_ZONE = "Europe/Berlin"
    story = ArticleFactory(
        status=Article.Status.IN_REVIEW, publish_at=None, authors=[AuthorFactory()]
    )
    sign_in(page, live_server, "edna")
    page.goto(f"{live_server.url}/admin/articles/article/{story.pk}/change/")
    # The workflow buttons and the schedule sit in the side panel, with the newsroom's time
    # zone beside the schedule (and the editor's own, which differs here).
    side = page.locator(".nr-story-side")
    expect(side.get_by_role("button", name="Publish now")).to_be_visible()
    expect(side.get_by_label("Schedule for")).to_be_visible()
    zone = timezone.localtime().strftime("%Z")
    expect(side.locator("#nr-schedule-zone")).to_contain_text(f"{settings.TIME_ZONE} ({zone})")
    expect(side.locator("#nr-browser-zone")).to_contain_text("Your browser: America/New_York")
    box, panel = side.get_by_label("Schedule for").bounding_box(), side.bounding_box()
    assert box["x"] >= panel["x"] and box["x"] + box["width"] <= panel["x"] + panel["width"] + 1
    assert panel["x"] > 640, panel  # beside the writing, at 1280 px
    counted = Counted(page)
    at = timezone.localtime() + timedelta(days=1)
    counted.click(page.get_by_label("Schedule for"))
    page.get_by_label("Schedule for").fill(at.strftime("%Y-%m-%dT%H:%M"))  # typing
    counted.click(page.get_by_role("button", name="Schedule", exact=True))
    expect(page.locator(".messagelist .success")).to_contain_text("Scheduled for")
    assert Article.objects.get(pk=story.pk).is_scheduled
    assert counted.count <= 4, counted.count


def test_the_story_form_and_the_merge_view_have_no_wcag_22_violations(page, live_server, people):
    author = AuthorFactory(user=people["rita"], name="Rita Desk")
    story = ArticleFactory(
        status=Article.Status.DRAFT,
        publish_at=None,
        created_by=people["rita"],
        authors=[author],
        lead_photo=PhotoFactory(),
        tags=["fabs", "chips"],
    )
    sign_in(page, live_server, "rita")
    page.goto(f"{live_server.url}/admin/articles/article/{story.pk}/change/")
    page.wait_for_selector(BODY)
    page.wait_for_load_state("load")
    assert axe_problems(page) == [], json.dumps(axe_problems(page), indent=2)
    # The merge view: Edna saves first, Rita's save comes back as a merge.
    type_in_body(page, " Rita's words.")
    edna = Client()
    edna.force_login(people["edna"])
    opened = Article.objects.get(pk=story.pk)
    data = change_form_data(opened, headline="Edna's headline", body="<p>Edna's body.</p>")
    data.update({"bylines-TOTAL_FORMS": "0"})
    assert edna.post(f"/admin/articles/article/{story.pk}/change/", data).status_code == 302
    click_save(page)
    expect(page.locator("#nr-merge")).to_be_visible()
    page.wait_for_load_state("load")
    problems = axe_problems(page)
    assert problems == [], json.dumps(problems, indent=2)
    page.set_viewport_size({"width": 375, "height": 800})
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375 + 1, re.escape(str(width))


def test_the_photo_form_has_no_wcag_22_violations(page, live_server, people):
    photo = PhotoFactory()
    sign_in(page, live_server, "edna")
    for path in ("/admin/articles/photo/add/", f"/admin/articles/photo/{photo.pk}/change/"):
        page.goto(live_server.url + path)
        page.wait_for_load_state("load")
        problems = axe_problems(page)
        assert problems == [], (path, json.dumps(problems, indent=2))


def test_take_theirs_puts_their_tags_back_in_the_form(page, live_server, people):
    story = ArticleFactory(
        status=Article.Status.DRAFT,
        publish_at=None,
        created_by=people["rita"],
        authors=[AuthorFactory(user=people["rita"])],
        tags=["fabs", "chips"],
    )
    sign_in(page, live_server, "rita")
    page.goto(f"{live_server.url}/admin/articles/article/{story.pk}/change/")
    page.wait_for_selector(BODY)
    page.get_by_label("New tags").fill("water")
    edna = Client()
    edna.force_login(people["edna"])
    opened = Article.objects.get(pk=story.pk)
    data = change_form_data(opened, new_tags="power")
    data.update({"bylines-TOTAL_FORMS": "0"})
    assert edna.post(f"/admin/articles/article/{story.pk}/change/", data).status_code == 302
    click_save(page)
    expect(page.locator("#nr-merge-row-tags")).to_contain_text("water")
    page.get_by_role("button", name="Take theirs: Tags").click()
    click_save(page)
    expect(page.locator(".messagelist .success")).to_be_visible()
    assert {tag.name for tag in Article.objects.get(pk=story.pk).tags.all()} == {"power"}
