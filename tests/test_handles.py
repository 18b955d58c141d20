"""Contact handles: pasted in any usual shape, stored in one, linked properly, refused clearly."""

import pytest
from django.core.exceptions import ValidationError

from authors.handles import KINDS
from authors.models import Handle
from tests.factories import AuthorFactory

ACCEPTED = [
    ("email", "Jane@Example.COM", "Jane@example.com", "mailto:Jane@example.com", "Jane@example.com"),
    ("email", "mailto:jane@example.com", "jane@example.com", "mailto:jane@example.com", None),
    ("x", "@janeroe", "janeroe", "https://x.com/janeroe", "@janeroe"),
    ("x", "janeroe", "janeroe", "https://x.com/janeroe", "@janeroe"),
    ("x", "https://twitter.com/jane_roe", "jane_roe", "https://x.com/jane_roe", "@jane_roe"),
    ("x", "x.com/janeroe/", "janeroe", "https://x.com/janeroe", "@janeroe"),
    ("mastodon", "@jane@mastodon.social", "@jane@mastodon.social", "https://mastodon.social/@jane", None),
    ("mastodon", "jane@Mastodon.Social", "@jane@mastodon.social", "https://mastodon.social/@jane", None),
    ("mastodon", "https://hachyderm.io/@jane", "@jane@hachyderm.io", "https://hachyderm.io/@jane", None),
    ("bluesky", "@janeroe.bsky.social", "janeroe.bsky.social", "https://bsky.app/profile/janeroe.bsky.social", "@janeroe.bsky.social"),
    ("bluesky", "https://bsky.app/profile/jane.example.com", "jane.example.com", "https://bsky.app/profile/jane.example.com", None),
    ("linkedin", "https://www.linkedin.com/in/jane-roe-123/", "jane-roe-123", "https://www.linkedin.com/in/jane-roe-123/", "in/jane-roe-123"),
    ("linkedin", "jane-roe", "jane-roe", "https://www.linkedin.com/in/jane-roe/", None),
    ("website", "https://janeroe.example.com/about/", "https://janeroe.example.com/about/", "https://janeroe.example.com/about/", "janeroe.example.com/about"),
]  # fmt: skip

REFUSED = [
    ("email", "jane at example dot com"),
    ("x", "@this_name_is_far_too_long"),
    ("x", "jane roe"),
    ("x", "https://example.com/janeroe"),
    ("mastodon", "@jane"),
    ("mastodon", "@jane@localhost"),
    ("bluesky", "jane"),
    ("bluesky", "jane.123"),
    ("linkedin", "https://example.com/in/jane"),
    ("linkedin", "j"),
    ("website", "javascript:alert(1)"),
    ("website", "ftp://example.com/"),
    ("website", "not a url"),
]


@pytest.mark.parametrize(("kind", "pasted", "stored", "url", "display"), ACCEPTED)
def test_accepted_handles_are_stored_in_one_form_with_a_proper_link(
    kind, pasted, stored, url, display
):
    assert KINDS[kind].normalize(pasted) == stored
    assert KINDS[kind].url(stored) == url
    if display:
        assert KINDS[kind].display(stored) == display


@pytest.mark.parametrize(("kind", "pasted"), REFUSED)
def test_bad_handles_are_refused_with_an_example_of_a_good_one(kind, pasted):
    with pytest.raises(ValidationError) as refused:
        KINDS[kind].normalize(pasted)
    assert KINDS[kind].example in refused.value.messages[0]


@pytest.mark.django_db
def test_saving_a_handle_normalizes_it_whoever_saves():
    handle = Handle.objects.create(author=AuthorFactory(), kind="x", value="https://x.com/jane")
    handle.refresh_from_db()
    assert handle.value == "jane" and handle.url == "https://x.com/jane"


@pytest.mark.django_db
def test_an_invalid_handle_is_a_form_error_in_the_admin_and_nothing_is_saved(editor_client):
    author = AuthorFactory(name="Jane Roe")
    data = {
        "name": "Jane Roe",
        "slug": author.slug,
        "job_title": "",
        "bio": "",
        "is_active": "on",
        "handles-TOTAL_FORMS": "2",
        "handles-INITIAL_FORMS": "0",
        "handles-MIN_NUM_FORMS": "0",
        "handles-MAX_NUM_FORMS": "1000",
        "handles-0-kind": "email",
        "handles-0-value": "jane@example.com",
        "handles-0-position": "0",
        "handles-1-kind": "bluesky",
        "handles-1-value": "not a handle",
        "handles-1-position": "1",
    }
    response = editor_client.post(f"/admin/authors/author/{author.pk}/change/", data)
    assert response.status_code == 200
    assert "Enter a Bluesky such as @janeroe.bsky.social." in response.text
    assert "Please correct the error below." in response.text
    assert not Handle.objects.exists()
    # What the editor typed is still in the form.
    assert 'value="jane@example.com"' in response.text
