"""Two people, one story: a stale save opens a merge view (base, theirs, yours, field by
field, as readable words) that saves without retyping; the refused attempt is kept, but it
is never a restore point that would undo the other person's newer work."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.test import Client

from articles import history, workflow
from articles.models import Article, Byline, BylineRole, RefusedEdit
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


def test_bylines_only_they_changed_are_a_row_and_the_form_takes_theirs(two):
    (ana, ana_client), (ben, ben_client) = two
    story = ArticleFactory(headline="Fab opens", authors=[AuthorFactory(), AuthorFactory()])
    opened = Article.objects.get(pk=story.pk)
    refused = save(ben_client, opened, headline="Unchanged bylines")
    assert refused.status_code == 302
    opened = Article.objects.get(pk=story.pk)
    as_opened = byline_rows(opened, [b.author for b in opened.bylines.all()])
    assert save(ana_client, opened, dek="Ana's dek").status_code == 302
    dropped = story.bylines.order_by("position").last()
    dropped.delete()  # Ana's byline change
    # Ben's form still holds the byline Ana removed, by its id.
    refused = save(ben_client, opened, headline="Ben's headline", **as_opened)
    merge = refused.context["adminform"].form.conflict
    [row] = [row for row in merge.rows if row.name == "bylines"]
    assert row.outcome == "theirs" and "bylines" not in merge.also_changed
    assert row.base.endswith(f", {dropped.author.name} (Written by)")
    assert f"<del>{dropped.author.name} (Written by)</del>" in row.theirs_diff
    assert "They also changed the bylines" not in refused.text
    assert resend(ben_client, story, refused).status_code == 302
    story.refresh_from_db()
    assert story.headline == "Ben's headline"
    assert authors_of(story) == [(b.author.name, "Written by") for b in story.bylines.all()]
    assert dropped.author.name not in [name for name, _ in authors_of(story)]


def byline_rows(opened, authors, roles=None) -> dict:
    """The Bylines box as the story form posts it: each byline the story had when the form
    was opened (by id), kept if its author is in ``authors`` and ticked Delete if not, then a
    new row for each other author; positions in the order of ``authors``."""
    roles = roles or {}
    existing = list(opened.bylines.all())
    had = {byline.author_id for byline in existing}
    data = {}
    rows = existing + [Byline(author=a) for a in authors if a.pk not in had]
    for index, byline in enumerate(rows):
        prefix = f"bylines-{index}-"
        author = byline.author
        role = roles.get(author.pk) or (byline.role_id if byline.pk else "")
        data[f"{prefix}id"] = byline.pk or ""
        data[f"{prefix}article"] = opened.pk
        data[f"{prefix}author"] = author.pk
        data[f"{prefix}role"] = role
        if author in authors:
            data[f"{prefix}position"] = authors.index(author)
        else:
            data[f"{prefix}position"] = byline.position
            data[f"{prefix}DELETE"] = "on"
    data["bylines-TOTAL_FORMS"] = str(len(rows))
    data["bylines-INITIAL_FORMS"] = str(len(existing))
    return data


def authors_of(story) -> list:
    return [(b.author.name, b.role.name) for b in story.bylines.select_related("author", "role")]


def test_bylines_both_changed_are_compared_as_names_and_saving_again_keeps_yours(two):
    (ana, ana_client), (ben, ben_client) = two
    rita, bo, cy = (AuthorFactory(name=name) for name in ("Rita Desk", "Bo Ode", "Cy Lee"))
    story = ArticleFactory(headline="Fab opens", authors=[rita])
    opened = Article.objects.get(pk=story.pk)
    assert save(ana_client, opened, **byline_rows(opened, [rita, bo])).status_code == 302
    refused = save(ben_client, opened, **byline_rows(opened, [cy, rita]))
    [row] = refused.context["adminform"].form.conflict.conflicts
    assert row.name == "bylines"
    assert row.base == "Rita Desk (Written by)"
    assert row.theirs == "Rita Desk (Written by), Bo Ode (Written by)"
    assert row.yours == "Cy Lee (Written by), Rita Desk (Written by)"
    assert "<ins>Bo Ode (Written by)</ins>" in row.theirs_diff
    assert "<ins>Cy Lee (Written by)</ins>" in row.yours_diff
    assert 'data-merge-field="bylines"' in refused.text
    # The Bylines box the page shows holds yours (the default where both changed) ...
    [inline] = [f for f in refused.context["inline_admin_formsets"] if f.formset.model is Byline]
    shown = [
        form.cleaned_data["author"].name
        for form in sorted(inline.formset.forms, key=lambda f: f.cleaned_data.get("position", 0))
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]
    assert shown == ["Cy Lee", "Rita Desk"]
    # ... and saving it as it stands stores exactly yours, over Ana's bylines.
    assert resend(ben_client, story, refused).status_code == 302
    assert authors_of(story) == [("Cy Lee", "Written by"), ("Rita Desk", "Written by")]


def test_bylines_only_you_changed_are_kept_when_they_changed_something_else(two):
    (ana, ana_client), (ben, ben_client) = two
    rita, cy = AuthorFactory(name="Rita Desk"), AuthorFactory(name="Cy Lee")
    photographs = BylineRole.objects.get(slug="photographs")
    story = ArticleFactory(headline="Fab opens", authors=[rita])
    opened = Article.objects.get(pk=story.pk)
    assert save(ana_client, opened, dek="Ana's dek").status_code == 302
    refused = save(
        ben_client, opened, **byline_rows(opened, [rita, cy], roles={cy.pk: photographs.pk})
    )
    rows = {row.name: row for row in refused.context["adminform"].form.conflict.rows}
    assert rows["bylines"].outcome == "yours"
    assert rows["bylines"].yours == "Rita Desk (Written by), Cy Lee (Photographs by)"
    assert resend(ben_client, story, refused).status_code == 302
    story.refresh_from_db()
    assert story.dek == "Ana's dek"
    assert authors_of(story) == [("Rita Desk", "Written by"), ("Cy Lee", "Photographs by")]
