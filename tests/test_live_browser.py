"""Live coverage in a real chromium, against gunicorn as `make serve` runs it with the page
cache on in Redis: readers with a Live story open see an update posted through the admin
within 15 s, through a "1 new update" button, while the origin renders the updates endpoint
once per content change however many readers poll (counted in gunicorn's own access log);
when coverage ends the pages say so and stop polling."""

import os
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from articles import live
from articles.models import Article, LiveUpdate
from tests.factories import ArticleFactory, AuthorFactory, PhotoFactory, SectionFactory
from tests.servers import gunicorn

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

POLL_SECONDS = 2  # LIVE_POLL_SECONDS for this server: the test waits seconds, not tens


@pytest.fixture
def live_story(editor):
    story = ArticleFactory(
        headline="Chip summit, live",
        story_type=Article.StoryType.LIVE,
        section=SectionFactory(slug="chips", name="Chips"),
        authors=[AuthorFactory(name="Jane Roe", user=editor)],
        body="<p>Leaders meet in Dresden. Here is what we know.</p>",
    )
    live.add_update(
        story=story, by=editor, body="<p>Doors open.</p>", author=story.bylines.get().author
    )
    return story


@pytest.fixture
def origin(redis_cache, static_root, tmp_path):
    """gunicorn with the page cache on, logging every request with the page cache's verdict
    (X-Page-Cache: miss is a render; hit a stored copy)."""
    log = tmp_path / "access.log"
    args = f"--access-logfile {log} --access-logformat '%(U)s %(s)s %({{x-page-cache}}o)s'"
    env = {"LIVE_POLL_SECONDS": str(POLL_SECONDS), "GUNICORN_CMD_ARGS": args}
    with gunicorn(static_root=static_root, workers=2, env=env) as base:
        yield base, log


def endpoint_log(log, story) -> list[str]:
    """The page cache's verdict on every request for the story's updates endpoint."""
    path = f"{story.get_absolute_url()}updates.json"
    lines = log.read_text().splitlines() if log.exists() else []
    return [line.split()[-1] for line in lines if line.startswith(path + " ")]


def test_an_update_posted_in_the_admin_reaches_open_pages_through_the_cache(
    browser, origin, live_story, editor_client
):
    base, log = origin
    readers = [browser.new_context().new_page() for _ in range(2)]
    for page in readers:
        page.goto(base + live_story.get_absolute_url())
        expect(page.locator("[data-update-id]")).to_have_count(1)
    # Both readers poll at least twice on the old content before anything is posted.
    for page in readers:
        page.wait_for_timeout(POLL_SECONDS * 2500)

    response = editor_client.post(
        reverse("admin:articles_article_live_update", args=[live_story.pk]),
        {
            "body": "<p>The chancellor arrives.</p>",
            "author": live_story.bylines.get().author_id,
            "key_event": "on",
        },
    )
    assert response.status_code == 302
    update = LiveUpdate.objects.get(body__contains="chancellor")

    for page in readers:
        button = page.get_by_role("button", name="1 new update")
        expect(button).to_be_visible(timeout=15_000)
        expect(page.locator("[data-live-new]")).to_have_attribute("aria-live", "polite")
        expect(page.locator(f"#update-{update.pk}")).to_have_count(0)  # nothing moves unasked
    reader = readers[0]
    reader.get_by_role("button", name="1 new update").click()
    fresh = reader.locator(f"#update-{update.pk}")
    expect(fresh).to_contain_text("The chancellor arrives.")
    expect(fresh).to_be_focused()  # reading goes on from the new update
    expect(reader.locator("[data-update-id]").first).to_have_id(f"update-{update.pk}")
    expect(reader.locator("[data-key-events]")).to_be_visible()
    expect(reader.locator("[data-key-events-list] a")).to_have_attribute(
        "href", f"#update-{update.pk}"
    )
    expect(reader.get_by_role("button", name=re.compile("new update"))).to_have_count(0)

    verdicts = endpoint_log(log, live_story)
    # Many polls from two readers, and two renders at most: one for the content before the
    # update, one after (the page cache's generation moved when it committed).
    assert len(verdicts) >= 6, verdicts
    assert verdicts.count("miss") <= 2, verdicts
    assert verdicts.count("miss") >= 1, verdicts

    # An editor ends the coverage: the open pages say so and stop asking.
    response = editor_client.post(
        reverse("admin:articles_article_coverage", args=[live_story.pk, "end"])
    )
    assert response.status_code == 302
    for page in readers:
        expect(page.locator("[data-live-status]")).to_contain_text(
            "Live coverage has ended", timeout=15_000
        )
    polls = len(endpoint_log(log, live_story))
    reader.wait_for_timeout(POLL_SECONDS * 2000)
    assert len(endpoint_log(log, live_story)) == polls  # no poll after they were told


def test_without_javascript_a_reload_shows_every_update(browser, live_server, live_story, editor):
    base = live_server.url

    photo = PhotoFactory(caption="Delegates arrive.", credit="Pixelwire Agency")
    live.add_update(
        story=live_story,
        by=editor,
        body="<p>The chancellor arrives.</p>",
        author=live_story.bylines.get().author,
        photo=photo,
        key_event=True,
    )
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(base + live_story.get_absolute_url())
    expect(page.locator("[data-update-id]")).to_have_count(2)
    expect(page.locator(".live-update-photo figcaption")).to_contain_text("Pixelwire Agency")
    context.close()
