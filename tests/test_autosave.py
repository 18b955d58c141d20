"""Autosave's server side: a draft per person and story, apart from revisions, kept and
offered back only to someone who may edit the story, behind CSRF like every other POST.
(The browser side, each way work could be lost, is tests/test_autosave_browser.py.)"""

import json

import pytest
from django.test import Client
from reversion.models import Version

from articles.models import Article, StoryDraft
from tests.factories import ArticleFactory, AuthorFactory
from tests.test_workflow import change_form_data

pytestmark = pytest.mark.django_db

AUTOSAVE = "/admin/articles/article/writing/autosave/"
DISCARD = "/admin/articles/article/writing/discard/"
Status = Article.Status


@pytest.fixture(autouse=True)
def no_second_factor(settings):
    settings.NEWSROOM_REQUIRE_2FA = []


@pytest.fixture
def people(staff_member):
    return {
        "rita": staff_member("rita", "Reporter"),
        "rob": staff_member("rob", "Reporter"),
        "edna": staff_member("edna", "Editor"),
    }


@pytest.fixture
def ritas_draft(people):
    author = AuthorFactory(user=people["rita"])
    return ArticleFactory(
        status=Status.DRAFT, publish_at=None, created_by=people["rita"], authors=[author]
    )


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def keep(client, story, headline="Typed, not saved", **extra):
    fields = {"fields": {"headline": headline}, "labels": {}}
    data = {"article": story.pk if story else "", "fields": json.dumps(fields), **extra}
    if story:
        data.setdefault("base_version", story.version)
    return client.post(AUTOSAVE, data)


def test_a_draft_is_kept_per_person_and_story_apart_from_revisions(people, ritas_draft):
    revisions = Version.objects.get_for_object(ritas_draft).count()
    response = keep(signed_in(people["rita"]), ritas_draft)
    assert response.status_code == 200 and response.json()["saved"]
    keep(signed_in(people["rita"]), ritas_draft, headline="Typed on")
    draft = StoryDraft.objects.get(user=people["rita"], article=ritas_draft)
    assert draft.fields["fields"]["headline"] == "Typed on"
    assert draft.base_version == ritas_draft.version
    assert Version.objects.get_for_object(ritas_draft).count() == revisions
    ritas_draft.refresh_from_db()
    assert ritas_draft.headline != "Typed on"


def test_only_someone_who_may_edit_the_story_keeps_a_draft_of_it(people, ritas_draft):
    assert keep(signed_in(people["rob"]), ritas_draft).status_code == 403
    assert keep(signed_in(people["edna"]), ritas_draft).status_code == 200
    # Once published, the reporter no longer edits it, nor drafts it.
    from articles import workflow

    workflow.publish(article=ritas_draft, by=people["edna"])
    assert keep(signed_in(people["rita"]), ritas_draft).status_code == 403
    assert not StoryDraft.objects.filter(user__in=[people["rob"], people["rita"]]).exists()


def test_signed_out_autosave_keeps_nothing_and_sends_to_sign_in(ritas_draft):
    response = keep(Client(), ritas_draft)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not StoryDraft.objects.exists()


def test_autosave_needs_the_csrf_token(people, ritas_draft):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["rita"])
    assert keep(client, ritas_draft).status_code == 403
    assert not StoryDraft.objects.exists()


def test_a_new_story_is_drafted_under_the_browsers_token(people):
    client = signed_in(people["rita"])
    assert keep(client, None, token="9b1d-new").status_code == 200
    assert keep(client, None, token="bad token!").status_code == 400
    assert keep(client, None).status_code == 400
    draft = StoryDraft.objects.get(user=people["rita"])
    assert draft.article is None and draft.token == "9b1d-new"
    # Offered back on the add form, to her only.
    page = client.get("/admin/articles/article/add/")
    assert page.context["waiting_draft"]["token"] == "9b1d-new"
    assert (
        signed_in(people["rob"]).get("/admin/articles/article/add/").context["waiting_draft"]
        is None
    )


def test_the_draft_is_offered_on_return_and_forgotten_once_the_story_is_saved(people, ritas_draft):
    client = signed_in(people["rita"])
    keep(client, ritas_draft)
    page = client.get(f"/admin/articles/article/{ritas_draft.pk}/change/")
    waiting = page.context["waiting_draft"]
    assert waiting["fields"]["fields"]["headline"] == "Typed, not saved"
    assert 'id="nr-waiting-draft"' in page.content.decode()
    response = client.post(
        f"/admin/articles/article/{ritas_draft.pk}/change/",
        change_form_data(ritas_draft, headline="Typed, not saved"),
    )
    assert response.status_code == 302
    assert not StoryDraft.objects.exists()


def test_a_saved_new_story_forgets_its_token_draft(people):
    from tests.factories import SectionFactory

    client = signed_in(people["rita"])
    keep(client, None, token="abc-123")
    story = Article(headline="Fresh", slug="fresh", section=SectionFactory(), version=1)
    data = change_form_data(story, nr_draft_token="abc-123")
    data.pop("loaded_version")
    response = client.post("/admin/articles/article/add/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert not StoryDraft.objects.exists()


def test_discarding_removes_only_ones_own_draft(people, ritas_draft):
    keep(signed_in(people["rita"]), ritas_draft)
    keep(signed_in(people["edna"]), ritas_draft)
    response = signed_in(people["rita"]).post(DISCARD, {"article": ritas_draft.pk})
    assert response.json() == {"discarded": 1}
    assert list(StoryDraft.objects.values_list("user__username", flat=True)) == ["edna"]


def test_drafts_untouched_for_drafts_keep_days_are_forgotten_by_the_clock(
    people, ritas_draft, settings
):
    """A new story's draft is never forgotten by a save (there is none): the clock's hourly
    job deletes every draft untouched for DRAFTS_KEEP_DAYS, and only those."""
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from articles import drafts
    from events import jobs

    settings.NEWSROOM_DRAFTS_KEEP_DAYS = 10
    start = timezone.now()
    rita = signed_in(people["rita"])
    assert keep(rita, None, token="old-new-story").status_code == 200
    assert keep(rita, ritas_draft).status_code == 200
    with time_machine.travel(start + timedelta(days=9), tick=False):
        drafts.keep(user=people["rita"], article=None, token="fresh-new-story", fields={})
        assert jobs.forget_old_drafts() == 0
    with time_machine.travel(start + timedelta(days=10, minutes=1), tick=False):
        assert jobs.forget_old_drafts() == 2
    assert list(StoryDraft.objects.values_list("token", flat=True)) == ["fresh-new-story"]
    assert "events.forget_old_drafts" in jobs.EVERY
