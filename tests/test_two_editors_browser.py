"""Two people, one story, in a real chromium: each sees within 10 s that the other has it
open, and the one who saves second gets a merge view, not a dead end, and saves without
retyping (no lost work: "another editor saved first")."""

import os

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from playwright.sync_api import expect

from articles.models import Article
from tests.factories import ArticleFactory, AuthorFactory
from tests.test_autosave_browser import (
    BODY,
    PASSWORD,
    click_save,
    open_story,
    sign_in,
    type_in_body,
)
from tests.test_merge import byline_rows
from tests.test_workflow import change_form_data

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def no_second_factor(settings):
    settings.NEWSROOM_REQUIRE_2FA = []


@pytest.fixture
def people(django_user_model, roles):
    made = {}
    for username, first, role in (("rita", "Rita", "Reporter"), ("edna", "Edna", "Editor")):
        user = django_user_model.objects.create_user(
            username, password=PASSWORD, is_staff=True, first_name=first, last_name="Desk"
        )
        user.groups.add(Group.objects.get(name=role))
        made[username] = user
    return made


@pytest.fixture
def story(people):
    author = AuthorFactory(user=people["rita"], name="Rita Desk")
    return ArticleFactory(
        headline="Fab opens",
        dek="Old dek",
        status=Article.Status.DRAFT,
        publish_at=None,
        created_by=people["rita"],
        authors=[author],
    )


def test_each_sees_within_10_seconds_who_else_has_the_story_open(browser, page, live_server, story):
    sign_in(page, live_server, "rita")
    open_story(page, live_server, story)
    other = browser.new_context()
    try:
        editor_page = other.new_page()
        sign_in(editor_page, live_server, "edna")
        open_story(editor_page, live_server, story)
        expect(editor_page.locator("#nr-presence")).to_have_text(
            "Rita Desk is also editing this story.", timeout=10_000
        )
        expect(page.locator("#nr-presence")).to_have_text(
            "Edna Desk is also editing this story.", timeout=10_000
        )
        editor_page.close()  # leaving says so at once
        expect(page.locator("#nr-presence")).to_have_text("", timeout=10_000)
    finally:
        other.close()


def test_another_editor_saved_first_the_merge_view_saves_without_retyping(
    page, live_server, story, people
):
    sign_in(page, live_server, "rita")
    open_story(page, live_server, story)
    type_in_body(page, " Rita's own words.")
    page.fill("#id_headline", "Fab opens late")
    # Meanwhile Edna saves a new headline and dek.
    edna = Client()
    edna.force_login(people["edna"])
    opened = Article.objects.get(pk=story.pk)
    response = edna.post(
        f"/admin/articles/article/{story.pk}/change/",
        change_form_data(opened, headline="Fab opens early", dek="Edna's dek"),
    )
    assert response.status_code == 302
    click_save(page)
    merge = page.locator("#nr-merge")
    expect(merge).to_be_visible(timeout=20_000)
    expect(merge).to_contain_text("Edna Desk saved it at")
    expect(page.locator("#nr-merge-row-headline")).to_contain_text("you both changed it")
    expect(page.locator("#nr-merge-row-dek")).to_contain_text("only they changed it")
    expect(page.locator("#nr-merge-row-body")).to_contain_text("Rita's own words.")
    expect(page.locator("#id_dek")).to_have_value("Edna's dek")
    expect(page.locator(BODY)).to_contain_text("Rita's own words.")
    page.get_by_role("button", name="Take theirs: Headline").click()
    expect(page.locator("#id_headline")).to_have_value("Fab opens early")
    click_save(page)
    expect(page.locator(".messagelist .success")).to_be_visible()
    saved = Article.objects.get(pk=story.pk)
    assert (saved.headline, saved.dek) == ("Fab opens early", "Edna's dek")
    assert "Rita's own words." in saved.body


@pytest.mark.parametrize("choice", ["theirs", "yours"])
def test_both_changed_the_bylines_take_theirs_or_keep_yours_and_save(
    page, live_server, story, people, choice
):
    rita = story.bylines.get().author
    bo = AuthorFactory(name="Bo Ode")
    AuthorFactory(name="Cy Lee")  # the one Rita adds
    sign_in(page, live_server, "rita")
    open_story(page, live_server, story)
    group = page.locator("#bylines-group")
    group.get_by_role("button", name="Add another author").click()
    group.locator("tr.form-row:not(.empty-form) .select2-selection").last.click()
    page.locator(".select2-container--open .select2-search__field").fill("Cy")
    page.locator(".select2-results__option", has_text="Cy Lee").click()
    # Meanwhile Edna adds another byline.
    edna = Client()
    edna.force_login(people["edna"])
    opened = Article.objects.get(pk=story.pk)
    data = change_form_data(opened, **byline_rows(opened, [rita, bo]))
    assert edna.post(f"/admin/articles/article/{story.pk}/change/", data).status_code == 302
    click_save(page)
    row = page.locator("#nr-merge-row-bylines")
    expect(row).to_contain_text("you both changed it", timeout=20_000)
    expect(row).to_contain_text("Rita Desk (Written by), Bo Ode (Written by)")
    expect(row).to_contain_text("Rita Desk (Written by), Cy Lee (Written by)")
    shown = group.locator("tr.form-row:not(.empty-form):visible .select2-selection__rendered")
    expect(shown).to_have_text(["Rita Desk", "Cy Lee"])  # yours, until you choose
    page.get_by_role("button", name="Take theirs: Bylines").click()
    expect(shown).to_have_text(["Rita Desk", "Bo Ode"])
    expect(page.locator("#nr-merge-choice-bylines")).to_have_text("Theirs")
    if choice == "yours":
        page.get_by_role("button", name="Keep yours: Bylines").click()
        expect(shown).to_have_text(["Rita Desk", "Cy Lee"])
    click_save(page)
    expect(page.locator(".messagelist .success")).to_be_visible()
    saved = [a.name for a in Article.objects.get(pk=story.pk).bylines_in_order]
    assert saved == (["Rita Desk", "Bo Ode"] if choice == "theirs" else ["Rita Desk", "Cy Lee"])
