"""Two people, one story: a stale save opens a merge view (base, theirs, yours, field by
field, as readable words) that saves without retyping; the refused attempt is kept, but it
is never a restore point that would undo the other person's newer work."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.test import Client

from articles import history, workflow
from articles.models import Article, RefusedEdit
from tests.factories import ArticleFactory, AuthorFactory
from tests.test_workflow import change_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def two(django_user_model, roles, settings):
    settings.NEWSROOM_REQUIRE_2FA = []
    people = []
    for name in ("ana", "ben"):
        user = django_user_model.objects.create_user(name, password="x", is_staff=True)
        user.groups.add(Group.objects.get(name="Editor"))
        client = Client()
        client.force_login(user)
        people.append((user, client))
    return people


def save(client, story, **changes):
    return client.post(
        f"/admin/articles/article/{story.pk}/change/", change_form_data(story, **changes)
    )


def resend(client, story, response):
    """Press Save on the page the merge view came back as: the form's data as rendered."""
    data = dict(response.context["adminform"].form.data.lists())  # every tag, not the last
    return client.post(f"/admin/articles/article/{story.pk}/change/", data)


def test_fields_only_they_changed_take_their_version_and_saving_again_keeps_both(two):
    (ana, ana_client), (ben, ben_client) = two
    story = ArticleFactory(headline="Fab opens", dek="Old dek", body="<p>Original words.</p>")
    opened = Article.objects.get(pk=story.pk)
    assert save(ana_client, opened, dek="Ana's newer dek").status_code == 302
    refused = save(ben_client, opened, headline="Fab opens in May")
    assert refused.status_code == 200
    merge = refused.context["adminform"].form.conflict
    outcomes = {row.name: row.outcome for row in merge.rows}
    assert outcomes == {"dek": "theirs", "headline": "yours"}
    assert not merge.conflicts
    assert 'value="Ana&#x27;s newer dek"' in refused.text  # the form now holds Ana's dek
    # Saved again as it stands: nothing retyped, nothing of Ana's undone.
    assert resend(ben_client, story, refused).status_code == 302
    story.refresh_from_db()
    assert (story.headline, story.dek) == ("Fab opens in May", "Ana's newer dek")


def test_a_field_both_changed_is_shown_three_ways_as_words_not_html(two):
    (ana, ana_client), (ben, ben_client) = two
    story = ArticleFactory(body="<p>The plant opens in May.</p>")
    opened = Article.objects.get(pk=story.pk)
    save(ana_client, opened, body="<p>The plant opens in June.</p>")
    refused = save(ben_client, opened, body="<p>The plant opens in July.</p>")
    [body] = refused.context["adminform"].form.conflict.conflicts
    assert body.base == "The plant opens in May."
    assert "<del>May.</del>" in body.theirs_diff and "<ins>June.</ins>" in body.theirs_diff
    assert "<ins>July.</ins>" in body.yours_diff
    assert "&lt;p&gt;" not in refused.text.split('id="nr-merge"')[1].split("</section>")[0]
    # Keeping his (the form's default for a field both changed) saves over hers on purpose.
    assert resend(ben_client, story, refused).status_code == 302
    story.refresh_from_db()
    assert story.body == "<p>The plant opens in July.</p>"


def test_a_refused_edit_is_kept_but_never_offered_or_taken_as_a_restore_point(two):
    (ana, ana_client), (ben, ben_client) = two
    story = ArticleFactory(headline="Fab opens", dek="Old dek")
    opened = Article.objects.get(pk=story.pk)
    save(ana_client, opened, dek="Ana's newer dek")
    save(ben_client, opened, headline="Ben's refused headline")
    refused = next(v for v in history.versions_of(story) if history.is_refused(v))
    assert refused.field_dict["headline"] == "Ben's refused headline"  # kept
    assert RefusedEdit.objects.get(revision=refused.revision).refused_at_version == 2
    page = ben_client.get(f"/admin/articles/article/{story.pk}/compare/")
    assert f'form="restore-{refused.pk}"' not in page.text
    assert f'id="restore-{refused.pk}"' not in page.text
    with pytest.raises(ValidationError):
        workflow.restore_revision(article=story, version=refused, by=ben)
    response = ben_client.post(
        f"/admin/articles/article/{story.pk}/compare/", {"version": refused.pk}
    )
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.dek == "Ana's newer dek" and story.headline == "Fab opens"


def test_tags_are_compared_three_ways_and_corrections_or_bylines_they_changed_are_named(two):
    (ana, ana_client), (ben, ben_client) = two
    story = ArticleFactory(headline="Fab opens", tags=["chips", "fabs"])
    opened = Article.objects.get(pk=story.pk)
    tags = {tag.name: tag.pk for tag in story.tags.all()}
    # Ana drops "fabs" and adds "energy"; Ben only edits the headline.
    assert save(ana_client, opened, tags=[tags["chips"]], new_tags="energy").status_code == 302
    theirs = {tag.name for tag in Article.objects.get(pk=story.pk).tags.all()}
    refused = save(
        ben_client, opened, headline="Fab opens in May", tags=[tags["chips"], tags["fabs"]]
    )
    merge = refused.context["adminform"].form.conflict
    rows = {row.name: row for row in merge.rows}
    assert rows["tags"].outcome == "theirs"
    assert rows["tags"].base == "chips, fabs" and rows["tags"].theirs == ", ".join(sorted(theirs))
    assert resend(ben_client, story, refused).status_code == 302
    story.refresh_from_db()
    assert story.headline == "Fab opens in May"
    assert {tag.name for tag in story.tags.all()} == theirs  # Ana's tags kept, nothing retyped
    # Both change the tags: shown as a conflict, with their and your tags to take.
    opened = Article.objects.get(pk=story.pk)
    save(ana_client, opened, tags=[], new_tags="power")
    refused = save(ben_client, opened, tags=[tags["chips"]], new_tags="water")
    [row] = refused.context["adminform"].form.conflict.conflicts
    assert (row.name, row.theirs, row.yours) == ("tags", "power", "chips, water")
    assert 'data-merge-field="tags"' in refused.text


def test_bylines_they_changed_are_named_in_the_merge_view(two):
    (ana, ana_client), (ben, ben_client) = two
    story = ArticleFactory(headline="Fab opens", authors=[AuthorFactory(), AuthorFactory()])
    opened = Article.objects.get(pk=story.pk)
    refused = save(ben_client, opened, headline="Unchanged bylines")
    assert refused.status_code == 302
    opened = Article.objects.get(pk=story.pk)
    assert save(ana_client, opened, dek="Ana's dek").status_code == 302
    story.bylines.order_by("position").last().delete()  # Ana's byline change
    refused = save(ben_client, opened, headline="Ben's headline")
    merge = refused.context["adminform"].form.conflict
    assert merge.also_changed == ["bylines"]
    assert "They also changed the bylines" in refused.text
