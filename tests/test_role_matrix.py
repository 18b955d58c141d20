"""Every staff URL of a story, by every role, on a story in every state, against the rules in
articles/permissions.py and the workflow's transitions.

Allowed: the request works and leaves its trace (an Activity entry or a new revision).
Not allowed: a refusal (login redirect, 403, 404, or a redirect with an error message) and
the story unchanged: status, publish time, trash state and version.

The product is run in full (6 roles x 7 states x every URL); each role and state is one test
that collects every mismatch, so a failure names all the cells that broke.
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.utils import timezone
from reversion.models import Version

from articles import history, workflow
from articles.models import Activity, Article, PreviewLink
from articles.permissions import can_edit, can_publish, can_trash, can_view
from tests.factories import ArticleFactory, AuthorFactory
from tests.test_workflow import change_form_data

pytestmark = pytest.mark.django_db

Status = Article.Status
Action = Activity.Action

ROLES = ["reporter (own)", "reporter (not own)", "Editor", "Photo editor", "Admin", "anonymous"]
STATES = ["draft", "review", "scheduled", "embargoed", "published", "unpublished", "trashed"]


@pytest.fixture
def cast(django_user_model, roles):
    def staff(name, role):
        # No password: hashing one costs more than the rest of a cell (force_login is used).
        user = django_user_model.objects.create_user(name, password=None, is_staff=True)
        user.groups.add(Group.objects.get(name=role))
        return user

    return {
        "reporter (own)": staff("rita", "Reporter"),
        "reporter (not own)": staff("otto", "Reporter"),
        "Editor": staff("edna", "Editor"),
        "Photo editor": staff("pia", "Photo editor"),
        "Admin": staff("ada", "Admin"),
        "anonymous": AnonymousUser(),
    }


def make_story(state: str, owner, editor) -> Article:
    byline = AuthorFactory(user=owner) if not hasattr(owner, "author") else owner.author
    """A story of ``owner`` (creator and byline) in ``state``, with two revisions and a
    live preview link."""
    now = timezone.now()
    status, publish_at = {
        "draft": (Status.DRAFT, None),
        "review": (Status.IN_REVIEW, None),
        "scheduled": (Status.PUBLISHED, now + timedelta(days=1)),
        "embargoed": (Status.PUBLISHED, now + timedelta(days=1)),
        "published": (Status.PUBLISHED, now - timedelta(hours=1)),
        "unpublished": (Status.UNPUBLISHED, now - timedelta(days=1)),
        "trashed": (Status.PUBLISHED, now - timedelta(hours=1)),
    }[state]
    story = ArticleFactory(
        headline="Old headline",
        status=status,
        publish_at=publish_at,
        created_by=owner,
        authors=[byline],
        deleted_at=now if state == "trashed" else None,
        embargoed=state == "embargoed",
        embargo_set_by=editor if state == "embargoed" else None,
    )
    history.ensure_initial_revision(story.pk)
    story.headline = "Current headline"
    workflow.touch(article=story, by=editor, comment="second take")
    PreviewLink.objects.create(article=story, created_by=editor, expires_at=now + timedelta(days=1))
    return Article.objects.get(pk=story.pk)


def snapshot(story):
    row = Article.objects.get(pk=story.pk)
    return (row.status, row.publish_at, row.deleted_at, row.version)


def may_move(story, user, status) -> bool:
    return story.deleted_at is None and status in Article.TRANSITIONS[story.status]


def rule(action: str, user, story) -> bool:
    """What articles.permissions (and the transitions) allow: the oracle of this matrix."""
    if not user.is_authenticated:
        return False
    live = story.deleted_at is None
    sees = can_view(user, story)
    if action == "preview":
        return sees
    if action in ("change GET", "history GET", "compare GET", "revision GET"):
        return sees and live
    if action in ("change POST", "compare POST", "revision POST"):
        return sees and live and can_edit(user, story)
    if action in ("recover GET", "recover POST", "recoverlist GET"):
        return False
    if action in ("delete GET", "delete POST", "workflow trash"):
        return sees and live and can_trash(user)
    if not (sees and live):
        return False
    if action == "workflow submit":
        return can_edit(user, story) and may_move(story, user, Status.IN_REVIEW)
    if action in ("workflow publish", "workflow schedule"):
        allowed = can_publish(user) and may_move(story, user, Status.PUBLISHED)
        return allowed and not story.is_under_embargo
    if action == "workflow embargo":
        return can_publish(user) and story.status in (Status.DRAFT, Status.IN_REVIEW)
    if action in ("workflow lift", "workflow extend"):
        return can_publish(user) and story.is_under_embargo
    if action == "workflow unpublish":
        return can_publish(user) and may_move(story, user, Status.UNPUBLISHED)
    if action == "workflow draft":
        allowed = can_publish(user) or (story.status == Status.IN_REVIEW and can_edit(user, story))
        return allowed and may_move(story, user, Status.DRAFT)
    if action == "workflow share":
        return (can_edit(user, story) or can_publish(user)) and not story.is_under_embargo
    if action == "workflow revoke":
        return can_edit(user, story) or can_publish(user)
    raise AssertionError(action)


# What each allowed action leaves in the activity log.
LOGGED = {
    "change POST": Action.EDITED,
    "compare POST": Action.REVERTED,
    "revision POST": Action.REVERTED,
    "delete POST": Action.TRASHED,
    "workflow trash": Action.TRASHED,
    "workflow submit": Action.SUBMITTED,
    "workflow publish": Action.PUBLISHED,
    "workflow schedule": Action.SCHEDULED,
    "workflow embargo": Action.EMBARGOED,
    "workflow lift": Action.EMBARGO_LIFTED,
    "workflow extend": Action.EMBARGO_EXTENDED,
    "workflow unpublish": Action.UNPUBLISHED,
    "workflow draft": Action.RETURNED,
    "workflow share": Action.PREVIEW_SHARED,
    "workflow revoke": Action.PREVIEW_REVOKED,
}
READS = [
    "preview",
    "change GET",
    "history GET",
    "compare GET",
    "revision GET",
    "recover GET",
    "recoverlist GET",
    "delete GET",
]
WRITES = ["recover POST", *LOGGED]


def request(client, action: str, story):
    base = f"/admin/articles/article/{story.pk}"
    oldest = Version.objects.get_for_object(story).order_by("pk").first()
    tomorrow = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    get = {
        "preview": f"/preview/{story.pk}/",
        "change GET": f"{base}/change/",
        "history GET": f"{base}/history/",
        "compare GET": f"{base}/compare/",
        "revision GET": f"{base}/history/{oldest.pk}/",
        "recover GET": f"/admin/articles/article/recover/{oldest.pk}/",
        "recoverlist GET": "/admin/articles/article/recover/",
        "delete GET": f"{base}/delete/",
    }
    if action in get:
        return client.get(get[action])
    if action.startswith("workflow "):
        verb = action.removeprefix("workflow ")
        later = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
        data = {
            "schedule": {"at": tomorrow},
            "embargo": {"at": tomorrow, "confirm": "yes"},
            "lift": {"confirm": "yes"},
            "extend": {"at": later, "confirm": "yes"},
            "unpublish": {"confirmed": "yes"},
        }.get(verb, {})
        if verb == "revoke":
            data = {"link": story.preview_links.get().pk}
        return client.post(f"{base}/workflow/{verb}/", data)
    old = Article(**{k: v for k, v in oldest.field_dict.items() if k in ("headline", "slug")})
    old.section_id, old.version = story.section_id, oldest.field_dict["version"]
    post = {
        "change POST": (f"{base}/change/", change_form_data(story, headline="Edited")),
        "compare POST": (f"{base}/compare/", {"version": oldest.pk, "confirmed": "yes"}),
        "revision POST": (
            f"{base}/history/{oldest.pk}/",
            {**change_form_data(old), "confirmed": "yes"},
        ),
        "recover POST": (f"/admin/articles/article/recover/{oldest.pk}/", change_form_data(old)),
        "delete POST": (f"{base}/delete/", {"post": "yes"}),
    }
    url, data = post[action]
    return client.post(url, data)


def worked(action, response, story, before, user) -> bool:
    if action in READS:
        if action == "revision GET":  # shown on the compare page
            return response.status_code == 302 and "/compare/" in response["Location"]
        return response.status_code == 200 and story.headline in response.text
    logged = LOGGED[action]
    trail = Activity.objects.filter(article_id=story.pk, user=user)
    if action == "change POST":
        after = snapshot(story)
        edited = Article.objects.get(pk=story.pk).headline == "Edited"
        if not (edited and after[:3] == before[:3] and after[3] > before[3]):
            return False
    if not trail.filter(action=logged).exists():
        return False
    after = snapshot(story)
    if action in ("compare POST", "revision POST"):
        return after[:3] == before[:3] and after[3] > before[3]
    return True


def refused(action, response, story, before, user) -> bool:
    if response.status_code not in (302, 403, 404):
        return False
    if action in READS:
        # Nothing of the story on the page (a login redirect or an error page).
        return response.status_code != 200 and story.headline not in response.content.decode()
    unchanged = snapshot(story) == before
    quiet = not Activity.objects.filter(article_id=story.pk, user_id=user.pk).exists()
    return unchanged and quiet


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("role", ROLES)
def test_every_story_url_by_every_role_in_every_state(client, cast, role, state):
    user = cast[role]
    owner, editor = cast["reporter (own)"], cast["Editor"]
    if user.is_authenticated:
        client.force_login(user)
    # A story serves until an action changes it (refusals and reads leave it as it was).
    story = make_story(state, owner, editor)
    mismatches = []
    for action in READS + WRITES:
        before = snapshot(story)
        allowed = rule(action, user, story)
        response = request(client, action, story)
        check = worked if allowed else refused
        if not check(action, response, story, before, user):
            mismatches.append(
                f"{action}: expected {'allowed' if allowed else 'refused'}, "
                f"got {response.status_code}, state {before} -> {snapshot(story)}"
            )
        if allowed and action not in READS:
            story = make_story(state, owner, editor)
    assert not mismatches, "\n".join(mismatches)
