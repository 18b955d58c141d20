"""Hostile input: arbitrary text in every public URL and parameter never gives a 500, and an
XSS corpus in every field an editor fills never reaches a page, a feed or JSON-LD."""

import json
import re
from urllib.parse import quote, urlencode
from xml.etree import ElementTree

import html5lib
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.models import Correction
from authors.models import Handle
from tests.factories import ArticleFactory, AuthorFactory, PhotoFactory, SectionFactory

pytestmark = pytest.mark.django_db

NASTY = st.sampled_from(
    [
        "\x00",
        "%00",
        "a\x00b",
        "9" * 400,
        "-1",
        "0",
        "1e9",
        "99999999999999999999999",
        "last",
        "../../etc/passwd",
        "<script>alert(1)</script>",
        "' OR 1=1--",
        '"; DROP TABLE articles_article; --',
        "&&&!!!:*()|<->",
        "\ud7ff\ue000\U0010ffff",
        "ﬁ" * 100,
        "😀" * 60,
        "\u202e\u200b",
        " ",
        "%",
        "%%",
        "\\",
        "a" * 5000,
    ]
)
ANY_TEXT = st.one_of(NASTY, st.text(max_size=200), st.binary(max_size=60).map(repr))
FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
OK = {200, 301, 302, 304, 400, 404, 405}


@pytest.fixture
def site():
    author = AuthorFactory(slug="jane")
    return ArticleFactory(
        authors=[author], tags=["chips"], section=SectionFactory(slug="news", name="News")
    )


# Query parameters: every list page's page number, search and its filters, feeds, sitemaps.
QUERY_URLS = [
    ("/", "page"),
    ("/news/", "page"),
    ("/authors/jane/", "page"),
    ("/tags/chips/", "page"),
    ("/search/", "q"),
    ("/search/", "page"),
    ("/search/", "section"),
    ("/search/", "author"),
    ("/search/", "since"),
    ("/search/", "until"),
    ("/feed/", "page"),
    ("/sitemap.xml", "p"),
    ("/sitemap-stories.xml", "p"),
    ("/news/chipmaker-0-opens-a-new-fab/", "utm_source"),
]
# Path segments: slugs, tokens, ids and sitemap names.
PATH_URLS = [
    "/{}/",
    "/news/{}/",
    "/{}/feed/",
    "/authors/{}/",
    "/authors/{}/feed/atom/",
    "/tags/{}/",
    "/tags/{}/feed/",
    "/preview/s/{}/",
    "/preview/{}/",
    "/sitemap-{}.xml",
]


@pytest.mark.parametrize(("path", "param"), QUERY_URLS)
@FUZZ
@given(value=ANY_TEXT)
def test_any_query_parameter_gives_a_page_or_a_clean_error(client, site, path, param, value):
    response = client.get(f"{path}?{urlencode({param: value})}")
    assert response.status_code in OK, (path, param, value, response.status_code)


@pytest.mark.parametrize("template", PATH_URLS)
@FUZZ
@given(value=ANY_TEXT)
def test_any_path_segment_gives_a_page_or_a_clean_error(client, site, template, value):
    response = client.get(template.format(quote(value, safe="")))
    assert response.status_code in OK, (template, value, response.status_code)


@FUZZ
@given(query=st.lists(st.tuples(ANY_TEXT, ANY_TEXT), max_size=6))
def test_any_mix_of_search_parameters_gives_a_page(client, site, query):
    response = client.get("/search/?" + urlencode(query))
    assert response.status_code == 200


def test_huge_page_numbers_and_repeated_parameters_are_handled(client, site):
    for url in ("/?page=" + "9" * 5000, "/?page=1&page=2&page=last", "/search/?q=a&q=b"):
        assert client.get(url).status_code in {200, 404}
    assert client.post("/").status_code in {403, 405}


# The XSS corpus ---------------------------------------------------------------------------

XSS = [
    "<script>alert('x')</script>",
    "</script><script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">click</a>',
    '<a href=" JaVaScRiPt:alert(1)">click</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">click</a>',
    '<svg onload="alert(1)"><circle r="4"/></svg>',
    '<svg><script href="data:,alert(1)"/></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table>",
    '<p style="background:url(javascript:alert(1))">styled</p>',
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<iframe src="https://evil.example/"></iframe>',
    '<object data="https://evil.example/x.swf"></object>',
    '<form action="https://evil.example/"><input name=q></form>',
    "<p onclick=alert(1)>text</p>",
    '<div><p>unclosed <b>markup <a href="https://ok.example/">link',
    "<!--<img src=x onerror=alert(1)>-->",
    '<a href="&#106;avascript:alert(1)">entity</a>',
    '"><script>alert(1)</script>',
    "' onmouseover='alert(1)",
    '<base href="https://evil.example/">',
    '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
]
ACTIVE_TAGS = {
    "script",
    "iframe",
    "object",
    "embed",
    "svg",
    "math",
    "style",
    "form",
    "base",
    "meta",
}
OUR_SCRIPTS = {"/static/js/teasers.js"}


def active_content(html: str, *, whole_page: bool) -> list[str]:
    """What in this HTML a browser would run or load from the payloads, as readable strings."""
    tree = html5lib.parse(html, namespaceHTMLElements=False)
    found = []
    for element in tree.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        name = tag.rsplit("}", 1)[-1].lower()
        if name == "script":
            if element.get("type") == "application/ld+json":
                text = element.text or ""
                json.loads(text)  # a data block that parses cannot have been broken out of
                if re.search(r"</script", text, re.I):
                    found.append("</script inside JSON-LD")
                continue
            if element.get("src") in OUR_SCRIPTS and not (element.text or "").strip():
                continue
            found.append(f"script {element.attrib}")
        elif name in ACTIVE_TAGS and not (whole_page and _ours(name, element)):
            found.append(name)
        for attribute, value in element.attrib.items():
            attribute = attribute.lower()
            if attribute.startswith("on") or attribute == "style":
                found.append(f"{name} {attribute}={value!r}")
            if attribute in {"href", "src", "action", "formaction", "xlink:href", "srcset"}:
                scheme = re.sub(r"[\s\x00-\x1f]", "", value).lower()
                if scheme.startswith(("javascript:", "data:", "vbscript:")):
                    found.append(f"{name} {attribute}={value!r}")
    return found


def _ours(name, element) -> bool:
    """The layout's own meta tags (none of them http-equiv) and its search form."""
    if name == "meta":
        return element.get("http-equiv") is None
    return name == "form" and element.get("action") == "/search/"


@pytest.fixture
def poisoned(request):
    payload = request.param
    section = SectionFactory(slug="world", name=f"World {payload}"[:80], description=payload)
    photo = PhotoFactory(caption=payload, alt_text=payload, credit=payload, source=payload)
    author = AuthorFactory(
        slug="jane", name=f"Jane {payload}", job_title=payload, bio=f"<p>Bio.</p>{payload}"
    )
    Handle.objects.create(author=author, kind="website", value="https://jane.example/")
    story = ArticleFactory(
        headline=f"Headline {payload}",
        dek=payload,
        body=f"<p>Safe words.</p>{payload}",
        teaser=payload,
        section=section,
        lead_photo=photo,
        authors=[author],
        tags=["chips", f"tag {payload}"[:100]],
    )
    Correction.objects.create(article=story, text=payload)
    return story


@pytest.mark.parametrize("poisoned", XSS, indirect=True)
def test_the_xss_corpus_never_reaches_a_page(client, poisoned):
    pages = [
        "/",
        poisoned.get_absolute_url(),
        "/world/",
        "/authors/jane/",
        "/tags/chips/",
        "/search/?q=headline",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert active_content(response.text, whole_page=True) == [], url


@pytest.mark.parametrize("poisoned", XSS, indirect=True)
def test_the_xss_corpus_never_reaches_a_feed(client, poisoned):
    for url in ("/feed/", "/feed/atom/", "/world/feed/", "/authors/jane/feed/"):
        response = client.get(url)
        assert response.status_code == 200, url
        root = ElementTree.fromstring(response.content)  # well-formed XML, whatever went in
        for entry in root.iter():
            if entry.tag.rsplit("}", 1)[-1] not in {"item", "entry"}:
                continue
            for element in entry.iter():
                local = element.tag.rsplit("}", 1)[-1]
                html = local in {"description", "content", "summary", "encoded"}
                if html and element.get("type") != "plain" and element.text:
                    # Readers render these as HTML: it must be clean HTML.
                    assert active_content(element.text, whole_page=False) == [], (url, local)


@pytest.mark.parametrize("url", ["/x%00y/", "/media/x%00y", "/?p=%00", "/?page_id=1%00"])
def test_a_null_byte_in_an_address_is_not_found_not_a_server_error(client, url):
    """A 404 is looked up among old addresses (articles.middleware); PostgreSQL text cannot
    hold NUL, so no old address has one."""
    ArticleFactory()
    assert client.get(url).status_code in (200, 404)
