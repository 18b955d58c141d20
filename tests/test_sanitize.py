"""Rich text is sanitized on save: no script, handler or dangerous URL reaches a page."""

import re

import pytest

from tests.factories import ArticleFactory, AuthorFactory

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "<script>alert('x')</script>",
    '<img src="x" onerror="alert(1)">',
    '<a href="javascript:alert(1)">click</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">click</a>',
    '<svg onload="alert(1)"><circle r="4"/></svg>',
    '<p style="background:url(javascript:alert(1))">styled</p>',
    '<iframe src="https://evil.example/"></iframe>',
    "<p onclick=alert(1)>text</p>",
    '<div><p>unclosed <b>markup <a href="https://ok.example/">link',
]
FORBIDDEN = [
    "alert(",
    "evil.example",
    "<script",
    "onerror",
    "onload",
    "onclick",
    "javascript:",
    "data:text",
    "<svg",
    "<iframe",
    "style=",
]


def assert_clean_page(html: str) -> None:
    """Nothing from the payloads; the only scripts are the site's own and JSON-LD data."""
    page = html.lower()
    data_blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert all("<" not in block for block in data_blocks)
    page = re.sub(r'<script type="application/ld\+json">.*?</script>', "", page, flags=re.S)
    assert page.count("<script") == 1 and '<script src="/static/js/teasers.js" defer>' in page
    page = page.replace('<script src="/static/js/teasers.js" defer></script>', "")
    found = [bad for bad in FORBIDDEN if bad in page]
    assert not found, found


@pytest.mark.parametrize("payload", PAYLOADS)
def test_story_bodies_and_teasers_are_sanitized_before_they_reach_a_page(client, payload):
    story = ArticleFactory(body=f"<p>Safe words.</p>{payload}", teaser=payload)
    for html in (story.body, story.teaser, story.teaser_html):
        assert not any(bad in html.lower() for bad in FORBIDDEN), html
    for url in (story.get_absolute_url(), "/"):
        assert_clean_page(client.get(url).text)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_author_bios_are_sanitized_before_they_reach_a_page(client, payload):
    author = AuthorFactory(bio=f"<p>Jane writes about chips.</p>{payload}")
    ArticleFactory(authors=[author])
    page = client.get(author.get_absolute_url()).text
    assert "Jane writes about chips." in page
    assert_clean_page(page)


def test_allowed_markup_survives_and_links_get_a_safe_rel():
    story = ArticleFactory(
        body='<h2>Head</h2><p>A <a href="https://example.com/">link</a> and <em>emphasis</em>.</p>'
        "<blockquote><p>Quote</p></blockquote><ul><li>Item</li></ul>"
    )
    assert "<h2>Head</h2>" in story.body
    assert '<a href="https://example.com/" rel="noopener noreferrer">link</a>' in story.body
    assert "<blockquote><p>Quote</p></blockquote><ul><li>Item</li></ul>" in story.body
