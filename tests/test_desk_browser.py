"""The editors' desk in a real browser, under the site's CSP: the dashboard for a reporter and an
editor, lists that fit 1280 px and a phone, bylines picked and ordered from the keyboard, the
unpublish confirmation, and axe-core (WCAG 2.2 AA) on the dashboard, lists and history."""

import json
import os
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from articles import history, workflow
from articles.models import Article
from tests.conftest import require
from tests.factories import ArticleFactory, AuthorFactory, PhotoFactory
from tests.test_accessibility import AXE, AXE_RUN

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG = "Chipmaker opens the largest wafer fab in Europe after three years of subsidies talks"


@pytest.fixture
def desk(django_user_model, roles, settings):
    settings.NEWSROOM_REQUIRE_2FA = []
    editor = django_user_model.objects.create_user("edna", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editor"))
    reporter = django_user_model.objects.create_user("rita", is_staff=True)
    reporter.groups.add(Group.objects.get(name="Reporter"))
    jane = AuthorFactory(name="Jane Roe", user=reporter)
    AuthorFactory(name="Sam Poe")
    photo = PhotoFactory()
    now = timezone.now()
    for k in range(12):
        ArticleFactory(headline=f"{LONG} {k}", authors=[jane], lead_photo=photo)
    draft = ArticleFactory(
        headline="Rita's draft about memory prices",
        status=Article.Status.DRAFT,
        publish_at=None,
        created_by=reporter,
        authors=[jane],
    )
    ArticleFactory(
        headline="Waiting for the desk", status=Article.Status.IN_REVIEW, publish_at=None
    )
    ArticleFactory(headline="Going live tonight", publish_at=now + timedelta(hours=5))
    # Under embargo: the list's status cell says until when (it once pushed the list wide).
    secret = ArticleFactory(
        headline=f"{LONG} under embargo",
        status=Article.Status.IN_REVIEW,
        publish_at=None,
        authors=[jane],
    )
    workflow.embargo(article=secret, by=editor, until=now + timedelta(days=2, hours=3))
    return {"editor": editor, "reporter": reporter, "jane": jane, "draft": draft}


def log_in(context, live_server, user):
    client = Client()
    client.force_login(user)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def fits(page) -> bool:
    return page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def test_the_dashboard_for_a_reporter_and_an_editor(browser, live_server, desk):
    context = browser.new_context(timezone_id="America/New_York")
    page = context.new_page()
    log_in(context, live_server, desk["reporter"])
    page.goto(live_server.url + "/admin/")
    drafts = page.locator("section[aria-labelledby=desk-drafts]")
    drafts.get_by_role("link", name="Rita's draft about memory prices").click()
    page.wait_for_url(f"**/admin/articles/article/{desk['draft'].pk}/change/")
    page.goto(live_server.url + "/admin/")
    assert page.locator("#desk-review").count() == 0
    context.clear_cookies()
    log_in(context, live_server, desk["editor"])
    page.goto(live_server.url + "/admin/")
    assert (
        page.locator("section[aria-labelledby=desk-review]")
        .get_by_text("Waiting for the desk")
        .is_visible()
    )
    going = page.locator("section[aria-labelledby=desk-going-live]")
    assert going.get_by_text("Going live tonight").is_visible()
    # The newsroom's time (UTC) and, beside it, the reader's own (New York).
    assert "UTC" in going.locator("time").inner_text()
    assert "your time" in going.locator(".nr-local-time").inner_text()
    assert "America/New_York" in page.locator(".nr-desk-zone").inner_text()
    assert fits(page)
    context.close()


@pytest.mark.parametrize("width", [1280, 375])
def test_the_story_and_photo_lists_fit_without_sideways_scrolling(
    browser, live_server, desk, width
):
    PhotoFactory.create_batch(3, caption=LONG)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    log_in(context, live_server, desk["editor"])
    for path in ("/admin/articles/article/", "/admin/articles/photo/", "/admin/"):
        page.goto(live_server.url + path)
        assert fits(page), path
        if path != "/admin/":
            results = page.locator("#changelist .results")
            assert results.evaluate("e => e.scrollWidth <= e.clientWidth"), path
    if width == 1280:
        page.goto(live_server.url + "/admin/articles/article/")
        headline = page.locator("#result_list .nr-headline").first
        line = float(headline.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)"))
        assert headline.bounding_box()["height"] <= 2 * line + 1
        assert "sorted" in page.locator("th.column-updated").get_attribute("class")
        chip = page.locator("#result_list .nr-status-embargoed")
        assert chip.inner_text() == "Under embargo"
    else:
        # A phone: the chip and the publish time share a line, the last edit says what it is.
        page.goto(live_server.url + "/admin/articles/article/?visibility=scheduled")
        row = page.locator("#result_list tr", has_text="Going live tonight")
        chip, when = row.locator("td.field-status_label"), row.locator("td.field-publish_time")
        assert abs(chip.bounding_box()["y"] - when.bounding_box()["y"]) < 8
        assert row.locator("td.field-updated").inner_text().startswith("edited ")
    context.close()


@pytest.mark.parametrize("width", [1280, 375])
def test_an_old_story_with_an_uncredited_image_needs_attention(
    browser, live_server, desk, width, tmp_path
):
    old = ArticleFactory(
        headline=f"{LONG}, from the archive",
        publish_at=timezone.now() - timedelta(days=90),
        body='<p>Words.</p><img src="https://wire.example/fab.jpg">',
    )
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    log_in(context, live_server, desk["editor"])
    page.goto(live_server.url + "/admin/")
    attention = page.locator("section[aria-labelledby=desk-attention]")
    entry = attention.get_by_role("link", name=old.headline)
    assert entry.is_visible()
    assert "no alt text" in attention.inner_text()
    assert fits(page)
    entry.scroll_into_view_if_needed()
    page.screenshot(path=str(tmp_path / f"dashboard-{width}.png"), full_page=True)
    entry.click()
    page.wait_for_url(f"**/admin/articles/article/{old.pk}/change/")
    context.close()


def test_bylines_are_picked_by_name_and_reordered_from_the_keyboard(page, live_server, desk):
    story = ArticleFactory(headline="Two authors", authors=[desk["jane"]])
    log_in(page.context, live_server, desk["editor"])
    page.goto(live_server.url + f"/admin/articles/article/{story.pk}/change/")
    group = page.locator("#bylines-group")
    # No ✕ (delete the author's profile) and no ✎ (edit it) beside a byline.
    assert group.locator(".delete-related, .change-related, .view-related").count() == 0
    group.get_by_role("button", name="Add another author").click()
    group.locator("tr.form-row:not(.empty-form) .select2-selection").last.click()
    # Typed into the picker's own search box: the form may still be settling its focus.
    page.locator(".select2-container--open .select2-search__field").fill("Sam")
    page.locator(".select2-results__option", has_text="Sam Poe").click()
    labels = [b.get_attribute("aria-label") for b in group.locator(".nr-move").all()]
    assert "Move Sam Poe up" in labels, labels
    up = group.get_by_role("button", name="Move Sam Poe up")
    up.focus()
    page.keyboard.press("Enter")
    assert "Sam Poe is now byline 1 of 2" in group.locator("[role=status]").inner_text()
    # Save sends the autosaved draft first, then the form: wait for the form's answer.
    with page.expect_navigation():
        page.locator("input[name=_continue]").first.click()
    assert [a.name for a in Article.objects.get(pk=story.pk).bylines_in_order] == [
        "Sam Poe",
        "Jane Roe",
    ]


def test_unpublish_asks_first_in_the_browser(page, live_server, desk):
    story = ArticleFactory(headline="A live story", authors=[desk["jane"]])
    log_in(page.context, live_server, desk["editor"])
    page.goto(live_server.url + f"/admin/articles/article/{story.pk}/change/")
    page.get_by_role("button", name="Unpublish").click()
    page.get_by_text("takes a story off the site").wait_for()
    assert Article.objects.get(pk=story.pk).is_public
    page.get_by_role("button", name="Yes, take it off the site").click()
    page.get_by_text("Unpublished.").wait_for()
    assert Article.objects.get(pk=story.pk).status == Article.Status.UNPUBLISHED


@pytest.mark.parametrize("width", [1280, 375])
def test_dashboard_lists_history_and_confirmation_pass_axe(browser, live_server, desk, width):
    require(AXE.exists(), f"{AXE} is missing (run npm ci): accessibility checks not run")
    story = ArticleFactory(headline="Fab opens", authors=[desk["jane"]], tags=["chips"])
    history.ensure_initial_revision(story.pk)
    story.headline = "Fab opens in June"
    workflow.touch(article=story, by=desk["editor"], comment="edit")
    context = browser.new_context(bypass_csp=True, viewport={"width": width, "height": 900})
    page = context.new_page()
    log_in(context, live_server, desk["editor"])
    for path in (
        "/admin/",
        "/admin/articles/article/",
        "/admin/articles/article/?mine=1",
        "/admin/articles/photo/",
        f"/admin/articles/article/{story.pk}/compare/",
    ):
        page.goto(live_server.url + path)
        page.add_script_tag(content=AXE.read_text())
        problems = [
            {"id": v["id"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in page.evaluate(AXE_RUN)["violations"]
        ]
        assert problems == [], f"{path}: {json.dumps(problems, indent=2)}"
    context.close()


def test_a_new_byline_moved_above_a_saved_one_survives_removing_another_new_one(
    page, live_server, desk
):
    story = ArticleFactory(headline="Three authors", authors=[desk["jane"]])
    AuthorFactory(name="Tia Ng")
    log_in(page.context, live_server, desk["editor"])
    page.goto(live_server.url + f"/admin/articles/article/{story.pk}/change/")
    group = page.locator("#bylines-group")
    for name in ("Sam", "Tia"):
        group.get_by_role("button", name="Add another author").click()
        group.locator("tr.form-row:not(.empty-form) .select2-selection").last.click()
        page.locator(".select2-container--open .select2-search__field").fill(name)
        page.locator(".select2-results__option", has_text=name).click()
    for _ in range(2):
        group.get_by_role("button", name="Move Tia Ng up").click()
    # Removing Sam renumbers the rows' fields in page order (Django's inlines.js): Tia, new,
    # must not take the number of Jane's saved byline.
    group.locator("tr.form-row", has_text="Sam Poe").locator(".inline-deletelink").click()
    with page.expect_navigation():
        page.locator("input[name=_continue]").first.click()
    assert [a.name for a in Article.objects.get(pk=story.pk).bylines_in_order] == [
        "Tia Ng",
        "Jane Roe",
    ]
