"""No lost work, in a real chromium: each way an editor's typing could be lost, and that it
is not. Faults are made with Playwright (a closed tab, an offline network, a 503 answer, a
session cookie gone); the text must survive in the page, on the server or in the browser,
and end up saved in the story."""

import os
import re

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from articles.models import Article, StoryDraft
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"
TYPED = " Typed and never lost."
BODY = ".field-body .ProseMirror >> visible=true"


@pytest.fixture(autouse=True)
def no_second_factor(settings):
    settings.NEWSROOM_REQUIRE_2FA = []


@pytest.fixture
def reporter(django_user_model, roles):
    user = django_user_model.objects.create_user(
        "rita", password=PASSWORD, is_staff=True, first_name="Rita"
    )
    user.groups.add(Group.objects.get(name="Reporter"))
    return user


@pytest.fixture
def story(reporter):
    author = AuthorFactory(user=reporter, name="Rita Reporter")
    return ArticleFactory(
        headline="Fab opens",
        status=Article.Status.DRAFT,
        publish_at=None,
        created_by=reporter,
        authors=[author],
    )


def sign_in(page, live_server, username="rita", then="/admin/"):
    page.goto(f"{live_server.url}/admin/login/?next={then}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(re.escape(live_server.url + then) + "$"))


def open_story(page, live_server, story):
    page.on("dialog", lambda dialog: dialog.accept())  # the leave-the-page warning
    page.goto(f"{live_server.url}/admin/articles/article/{story.pk}/change/")
    page.wait_for_selector(BODY)


def type_in_body(page, text=TYPED):
    body = page.locator(BODY)
    body.click()
    page.keyboard.press("Control+End")
    page.keyboard.type(text)


def saved_body(story) -> str:
    return Article.objects.get(pk=story.pk).body


def click_save(page):
    page.locator("input[name=_continue]").first.click()


def test_tab_closed_mid_edit_the_work_is_offered_back_on_reopening(page, live_server, story):
    sign_in(page, live_server)
    open_story(page, live_server, story)
    type_in_body(page)
    page.fill("#id_dek", "A dek typed just before the tab closed")
    # Closed at once, before the debounced autosave: the page's last act keeps the work.
    page.close(run_before_unload=True)
    again = page.context.new_page()
    open_story(again, live_server, story)
    banner = again.locator("#nr-restore")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("You have unsaved changes from")
    again.click("#nr-restore-yes")
    expect(again.locator("#id_dek")).to_have_value("A dek typed just before the tab closed")
    expect(again.locator(".field-body .ProseMirror >> visible=true")).to_contain_text(TYPED.strip())
    click_save(again)
    expect(again.locator(".messagelist .success")).to_be_visible()
    assert TYPED.strip() in saved_body(story)
    assert not StoryDraft.objects.exists()


def test_network_drops_at_save_the_page_keeps_the_work_and_saves_once_back(
    page, live_server, story
):
    sign_in(page, live_server)
    open_story(page, live_server, story)
    type_in_body(page)
    page.context.set_offline(True)
    click_save(page)
    state = page.locator("#nr-save-state")
    expect(state).to_contain_text("Cannot reach the server")
    expect(page.locator(BODY)).to_contain_text(TYPED.strip())
    kept = page.evaluate(
        "Object.keys(localStorage).filter(k => k.startsWith('nr-draft:'))"
        ".map(k => localStorage.getItem(k)).join('')"
    )
    assert TYPED.strip() in kept
    page.context.set_offline(False)
    click_save(page)
    expect(page.locator(".messagelist .success")).to_be_visible()
    assert TYPED.strip() in saved_body(story)


def test_server_answers_503_at_save_nothing_typed_is_lost(page, live_server, story):
    sign_in(page, live_server)
    open_story(page, live_server, story)
    type_in_body(page)

    def unavailable(route):
        if route.request.method == "POST":
            route.fulfill(status=503, body="Service Unavailable")
        else:
            route.continue_()

    page.route("**/*", unavailable)
    click_save(page)
    expect(page.locator("#nr-save-state")).to_contain_text("error 503")
    expect(page.locator(BODY)).to_contain_text(TYPED.strip())
    page.unroute("**/*")
    click_save(page)
    expect(page.locator(".messagelist .success")).to_be_visible()
    assert TYPED.strip() in saved_body(story)


def test_server_answers_503_to_the_form_itself_the_draft_brings_the_work_back(
    page, live_server, story
):
    sign_in(page, live_server)
    open_story(page, live_server, story)
    type_in_body(page)
    change = f"**/admin/articles/article/{story.pk}/change/"
    page.route(
        change,
        lambda route: (
            route.fulfill(status=503, body="Service Unavailable")
            if route.request.method == "POST"
            else route.continue_()
        ),
    )
    click_save(page)
    expect(page.locator("body")).to_contain_text("Service Unavailable")
    page.unroute(change)
    open_story(page, live_server, story)
    page.click("#nr-restore-yes")
    click_save(page)
    expect(page.locator(".messagelist .success")).to_be_visible()
    assert TYPED.strip() in saved_body(story)


def test_session_expires_before_save_sign_in_again_and_save(page, live_server, story):
    sign_in(page, live_server)
    open_story(page, live_server, story)
    type_in_body(page)
    page.context.clear_cookies(name="sessionid")
    click_save(page)
    state = page.locator("#nr-save-state")
    expect(state).to_contain_text("You are signed out")
    # Signing in again in another tab, as the message offers; then Save works here.
    with page.context.expect_page() as opened:
        state.get_by_role("link", name=re.compile("Sign in again")).click()
    login = opened.value
    login.fill("#id_username", "rita")
    login.fill("#id_password", PASSWORD)
    login.click("input[type=submit]")
    login.wait_for_load_state()
    click_save(page)
    expect(page.locator(".messagelist .success")).to_be_visible()
    assert TYPED.strip() in saved_body(story)


def test_session_expired_and_page_reloaded_the_work_is_there_after_signing_in(
    page, live_server, story
):
    sign_in(page, live_server)
    open_story(page, live_server, story)
    type_in_body(page)
    page.context.clear_cookies(name="sessionid")
    click_save(page)
    expect(page.locator("#nr-save-state")).to_contain_text("You are signed out")
    path = f"/admin/articles/article/{story.pk}/change/"
    page.goto(live_server.url + path)  # sent to sign in
    page.fill("#id_username", "rita")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(live_server.url + path)
    expect(page.locator("#nr-restore")).to_contain_text("kept in this browser")
    page.click("#nr-restore-yes")
    click_save(page)
    expect(page.locator(".messagelist .success")).to_be_visible()
    assert TYPED.strip() in saved_body(story)


def test_a_validation_error_keeps_everything_typed(page, live_server, reporter):
    SectionFactory(name="Chips", slug="chips")
    sign_in(page, live_server)
    page.goto(live_server.url + "/admin/articles/article/add/")
    page.fill("#id_headline", "A new fab")
    page.fill("#id_dek", "Dek of the new fab")
    type_in_body(page, "The body of the new fab story.")
    click_save(page)  # no section chosen: refused
    expect(page.locator(".errornote")).to_be_visible(timeout=15_000)
    expect(page.locator("#id_headline")).to_have_value("A new fab")
    expect(page.locator("#id_dek")).to_have_value("Dek of the new fab")
    expect(page.locator(BODY)).to_contain_text("The body of the new fab story.")
    page.select_option("#id_section", label="Chips")
    click_save(page)
    expect(page.locator(".messagelist .success")).to_be_visible()
    assert Article.objects.get(headline="A new fab").dek == "Dek of the new fab"
    assert not StoryDraft.objects.exists()


def test_leaving_with_unsaved_changes_asks_first(page, live_server, story):
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/admin/articles/article/{story.pk}/change/")
    type_in_body(page)
    asked = []

    def answer(dialog):
        asked.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", answer)
    page.close(run_before_unload=True)
    page.wait_for_timeout(200)  # the dialog is reported asynchronously
    assert asked == ["beforeunload"]
    # Closed for good: a page left open kept autosaving while the test database was flushed
    # (a deadlock at teardown in a full run).
    page.remove_listener("dialog", answer)
    page.close()
