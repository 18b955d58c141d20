"""The admin's embargo panel in a real browser: a countdown that runs under the strict CSP,
the absolute time with its time zone without a script, and a page that fits 375 px."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from articles import workflow
from articles.models import Article
from tests.factories import ArticleFactory, AuthorFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"
# Set to a folder to keep the screenshots (docs, review); tmp_path otherwise.
SHOTS = os.environ.get("NEWSROOM_SCREENSHOTS")


@pytest.fixture
def embargoed_story(django_user_model, roles, settings):
    settings.NEWSROOM_REQUIRE_2FA = []
    editor = django_user_model.objects.create_user(
        "edna", password=PASSWORD, is_staff=True, first_name="Edna", last_name="Krabappel"
    )
    editor.groups.add(Group.objects.get(name="Editor"))
    story = ArticleFactory(
        headline="Central bank raises rates by half a point",
        status=Article.Status.IN_REVIEW,
        publish_at=None,
        authors=[AuthorFactory(name="Jane Roe")],
    )
    until = timezone.now().replace(microsecond=0) + timedelta(hours=1, minutes=30)
    return workflow.embargo(article=story, by=editor, until=until)


def log_in(page, base):
    page.goto(base + "/admin/login/")
    page.fill("#id_username", "edna")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(base + "/admin/")


def test_the_countdown_runs_and_the_panel_fits_a_phone(
    browser, live_server, embargoed_story, tmp_path
):
    folder = Path(SHOTS) if SHOTS else tmp_path
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    log_in(page, live_server.url)
    change = f"{live_server.url}/admin/articles/article/{embargoed_story.pk}/change/"
    listing = f"{live_server.url}/admin/articles/article/"
    for name, width, url in (
        ("change", 1280, change),
        ("change", 375, change),
        ("list", 1280, listing),
        ("list", 375, listing),
    ):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url)
        countdown = page.locator("[data-embargo-countdown]").first
        countdown.wait_for(state="visible")
        first = countdown.inner_text()
        assert first.startswith(("in 1 h 29 min", "in 1 h 30 min", "in 1 h 28 min")), first
        page.wait_for_function(
            "t => document.querySelector('[data-embargo-countdown]').textContent !== t", arg=first
        )
        if name == "change":
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{width} px: {overflow} px sideways"
        page.screenshot(
            path=str(folder / f"embargo-{name}-{width}.png"), full_page=name == "change"
        )
    assert not refused, refused
    context.close()


def test_without_a_script_the_absolute_time_and_its_zone_are_shown(
    browser, live_server, embargoed_story
):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/admin/articles/article/{embargoed_story.pk}/change/")
    until = timezone.localtime(embargoed_story.publish_at).strftime("%a %-d %b %Y, %H:%M %Z")
    state = page.locator("#nr-side-workflow .nr-workflow-state")
    assert state.locator("time").inner_text() == until
    assert "Under embargo" in state.inner_text()
    assert not state.locator("[data-embargo-countdown]").is_visible()
    assert "set by Edna Krabappel" in page.locator("#nr-side-workflow .nr-embargo").inner_text()
    context.close()


@pytest.mark.parametrize("width", [1280, 375])
def test_the_embargo_is_lifted_from_the_side_panel_only_once_confirmed(
    browser, live_server, embargoed_story, width
):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/admin/articles/article/{embargoed_story.pk}/change/")
    side = page.locator(".nr-story-side fieldset", has_text="Publishing")
    state = side.locator(".nr-workflow-state")
    assert "Under embargo" in state.inner_text()
    assert state.locator("[data-embargo-countdown]").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    lift = side.get_by_role("button", name="Lift embargo now")
    lift.click()  # not confirmed: the browser asks for the box, nothing is sent
    assert not Article.objects.get(pk=embargoed_story.pk).is_public
    side.get_by_label("Break the embargo and publish now").check()
    with page.expect_navigation():
        lift.click()
    page.locator(".messagelist").wait_for()
    assert Article.objects.get(pk=embargoed_story.pk).is_public
    state = page.locator(".nr-story-side .nr-workflow-state")
    assert "Live" in state.inner_text() and "on the site since" in state.inner_text()
    context.close()


def test_a_preview_link_is_shared_and_revoked_from_the_side_panel(
    browser, live_server, embargoed_story
):
    story = ArticleFactory(
        headline="A draft to show the source",
        status=Article.Status.DRAFT,
        publish_at=None,
        authors=[AuthorFactory(name="Sam Poe")],
    )
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/admin/articles/article/{story.pk}/change/")
    side = page.locator(".nr-story-side fieldset", has_text="Publishing")
    with page.expect_navigation():
        side.get_by_role("button", name="Share a preview link (48 hours)").click()
    side = page.locator(".nr-story-side fieldset", has_text="Publishing")
    link = story.preview_links.get()
    assert link.is_active
    assert side.get_by_role("link", name="Preview link").get_attribute("href") == (
        link.get_absolute_url()
    )
    with page.expect_navigation():
        side.get_by_role("button", name="Revoke").click()
    link.refresh_from_db()
    assert not link.is_active
    assert page.locator(".nr-story-side").get_by_role("button", name="Revoke").count() == 0
    context.close()
