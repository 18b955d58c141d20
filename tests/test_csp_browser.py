"""In a real chromium: the strict Content-Security-Policy breaks nothing, public site or admin.

Every page is opened with a listener for `securitypolicyviolation`; one violation (an inline
style the editor sets, a script the admin writes inline) fails the test with what was blocked.
"""

import os

import pytest
from django.contrib.auth.models import Group

from tests.factories import ArticleFactory, AuthorFactory, PhotoFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline") +
    " at " + e.sourceFile + ":" + e.lineNumber);
});
"""


@pytest.fixture
def watched(page):
    page.add_init_script(WATCH)
    return page


def violations(page) -> list[str]:
    return page.evaluate("window.__violations")


def test_public_pages_run_under_the_policy_without_violations(watched, live_server):
    story = ArticleFactory(authors=[AuthorFactory(slug="jane")], lead_photo=PhotoFactory())
    for path in ("/", story.get_absolute_url(), "/authors/jane/", "/search/?q=fab"):
        watched.goto(live_server.url + path)
        watched.wait_for_load_state("networkidle")
        assert violations(watched) == [], path


def test_the_admin_and_the_story_editor_run_under_the_policy(
    watched, live_server, django_user_model, roles, settings
):
    settings.NEWSROOM_REQUIRE_2FA = []
    editor = django_user_model.objects.create_user("edna", password=PASSWORD, is_staff=True)
    editor.groups.add(Group.objects.get(name="Editor"))
    story = ArticleFactory(lead_photo=PhotoFactory())
    watched.goto(live_server.url + "/admin/login/")
    watched.fill("#id_username", "edna")
    watched.fill("#id_password", PASSWORD)
    watched.click("input[type=submit]")
    watched.wait_for_url(live_server.url + "/admin/")
    pages = [
        "/admin/",
        "/admin/articles/article/",
        f"/admin/articles/article/{story.pk}/change/",
        "/admin/articles/article/add/",
        "/admin/articles/photo/add/",
        f"/admin/articles/photo/{story.lead_photo.pk}/change/",
        "/admin/articles/article/schedule/",
    ]
    for path in pages:
        watched.goto(live_server.url + path)
        watched.wait_for_load_state("networkidle")
        assert violations(watched) == [], path
    # The rich-text editor actually works under the policy: it takes typing.
    watched.goto(live_server.url + f"/admin/articles/article/{story.pk}/change/")
    editor_area = watched.locator(".ProseMirror >> visible=true").first
    editor_area.click()
    watched.keyboard.type("Typed under CSP.")
    assert "Typed under CSP." in editor_area.inner_text()
    assert violations(watched) == []
