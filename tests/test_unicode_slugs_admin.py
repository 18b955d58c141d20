"""The admin gives names in any language readable slugs: typed, left blank, or filled in by
the admin's own script as the editor types the name (Django's drops vowel signs and viramas)."""

import os

import pytest
from django.contrib.auth.models import Group

from articles.models import Section
from authors.models import Author
from tests.factories import ArticleFactory, SectionFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct horse battery"


@pytest.mark.django_db
def test_a_slug_left_blank_is_made_from_the_name(editor_client):
    response = editor_client.post(
        "/admin/articles/section/add/", {"name": "São Paulo", "slug": "", "order": 0}
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Section.objects.get(name="São Paulo").slug == "são-paulo"


@pytest.mark.django_db
def test_a_typed_slug_in_any_script_is_accepted_and_nonsense_is_refused(editor_client):
    response = editor_client.post(
        "/admin/authors/author/add/",
        {
            "name": "हिन्दी लेखक",
            "slug": "हिन्दी-लेखक",
            "is_active": "on",
            "handles-TOTAL_FORMS": "0",
            "handles-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Author.objects.get().slug == "हिन्दी-लेखक"
    response = editor_client.post(
        "/admin/articles/section/add/", {"name": "Bad", "slug": "a/b c", "order": 0}
    )
    assert response.status_code == 200 and "slug" in response.context["adminform"].form.errors


@pytest.mark.django_db
def test_a_section_renamed_to_a_name_in_any_language_keeps_its_old_address(editor_client, client):
    section = SectionFactory(slug="gadgets", name="Gadgets")
    story = ArticleFactory(section=section)
    response = editor_client.post(
        f"/admin/articles/section/{section.pk}/change/",
        {"name": "Gerät", "slug": "", "description": "", "order": 0},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    section.refresh_from_db()
    assert section.slug == "gerät"
    client.logout()
    assert client.get("/gadgets/").headers["Location"] == section.get_absolute_url()
    moved = client.get(f"/gadgets/{story.slug}/")
    assert moved.status_code == 301 and moved.headers["Location"] == story.get_absolute_url()
    assert client.get(moved.headers["Location"]).status_code == 200


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_admin_fills_in_a_readable_slug_as_the_name_is_typed(
    page, live_server, django_user_model, roles, settings
):
    settings.NEWSROOM_REQUIRE_2FA = []
    editor = django_user_model.objects.create_user("edna", password=PASSWORD, is_staff=True)
    editor.groups.add(Group.objects.get(name="Editor"))
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "edna")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(live_server.url + "/admin/")
    page.goto(live_server.url + "/admin/articles/section/add/")
    page.locator("#id_name").press_sequentially("हिन्दी समाचार: Zürich!")
    assert page.input_value("#id_slug") == "हिन्दी-समाचार-zürich"


@pytest.mark.django_db
def test_a_tag_in_any_script_can_be_edited_in_the_admin(editor_client):
    from taggit.models import Tag

    story = ArticleFactory()
    story.tags.add("हिन्दी")
    tag = Tag.objects.get()
    assert tag.slug == "हिन्दी"
    page = editor_client.get(f"/admin/taggit/tag/{tag.pk}/change/")
    assert "admin/urlify_any_script.js" in page.text
    response = editor_client.post(
        f"/admin/taggit/tag/{tag.pk}/change/",
        {
            "name": "हिन्दी समाचार",
            "slug": "हिन्दी-समाचार",
            "taggit_taggeditem_items-TOTAL_FORMS": "0",
            "taggit_taggeditem_items-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    tag.refresh_from_db()
    assert tag.slug == "हिन्दी-समाचार"
