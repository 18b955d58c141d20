"""Every kind of public page is valid HTML by an independent checker (the Nu Html Checker,
vnu-jar from npm), and fits a phone: no sideways scrolling at 320, 375 and 414 px, with the
longest content readers' pages carry (tests/page_kinds.py)."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import require
from tests.page_kinds import KINDS, every_page_kind

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

VNU = (
    Path(__file__).resolve().parent.parent
    / "node_modules"
    / "vnu-jar"
    / "build"
    / "dist"
    / "vnu.jar"
)
PHONE_WIDTHS = (320, 375, 414)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def pages(editor):
    return every_page_kind(editor)


def test_every_kind_of_page_is_valid_html(client, pages, tmp_path):
    java = shutil.which("java")
    require(
        java is not None, "java is missing (apt-get install default-jre-headless): HTML not checked"
    )
    require(VNU.exists(), f"{VNU} is missing (run npm ci): HTML conformance not checked")
    files = {}
    for kind in KINDS:
        response = client.get(pages[kind])
        assert response.status_code == (404 if kind == "not found" else 200), kind
        files[kind] = tmp_path / f"{kind.replace(' ', '-')}.html"
        files[kind].write_bytes(response.content)
    # One JVM for every page: it takes seconds to start.
    checked = subprocess.run(
        [java, "-jar", str(VNU), "--format", "json", "--errors-only", *map(str, files.values())],
        capture_output=True,
        text=True,
        timeout=300,
    )
    kind_of = {file.name: kind for kind, file in files.items()}
    findings = [
        f"{kind_of.get(m.get('url', '').rsplit('/', 1)[-1])}: {m['message']} [{m.get('extract')}]"
        for m in json.loads(checked.stderr or checked.stdout)["messages"]
    ]
    assert findings == [], "\n".join(findings)


# The element that pokes out furthest right, to name it when a page scrolls sideways.
WIDEST = """() => {
  let widest = null, right = 0;
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect().right;
    if (r > right) { right = r; widest = el; }
  }
  const root = document.documentElement;
  const name = widest && widest.tagName.toLowerCase() + '.' + widest.className;
  return {scroll: root.scrollWidth, client: root.clientWidth, widest: name, right};
}"""


@pytest.mark.parametrize("kind", KINDS)
def test_no_page_scrolls_sideways_on_a_phone(page, live_server, pages, kind):
    too_wide = []
    for width in PHONE_WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(live_server.url + pages[kind])
        found = page.evaluate(WIDEST)
        if found["scroll"] > found["client"]:
            too_wide.append({"width": width, **found})
    assert too_wide == []


# From the first digit of the clock ("9:05 a.m.") to the end of the <time>: how many lines.
CLOCK_LINES = """(time) => {
  const walker = document.createTreeWalker(time, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  let node;
  while ((node = walker.nextNode())) {
    const at = node.data.search(/\\d{1,2}(:\\d\\d)? [ap]\\.m\\./);
    if (at >= 0) { range.setStart(node, at); break; }
  }
  if (!node) return -1;
  range.setEndAfter(time.lastChild);
  const tops = [...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top));
  return new Set(tops).size;
}"""


@pytest.mark.parametrize("kind", ["story with photo", "home", "preview"])
def test_the_clock_and_its_time_zone_stay_on_one_line(page, live_server, pages, kind):
    split = []
    for width in PHONE_WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(live_server.url + pages[kind])
        for time in page.locator("time").all():
            lines = time.evaluate(CLOCK_LINES)
            if lines > 1:
                split.append((width, time.inner_text()))
    assert split == []


def test_home_with_every_card_open_is_valid_fits_a_phone_and_has_no_repeated_id(
    page, live_server, pages, tmp_path
):
    """Cards opened in place bring in each story's content (corrections, captioned photos,
    topics) beside the cards' author boxes: still one page of valid HTML, ids unique."""
    java = shutil.which("java")
    require(
        java is not None, "java is missing (apt-get install default-jre-headless): HTML not checked"
    )
    require(VNU.exists(), f"{VNU} is missing (run npm ci): HTML conformance not checked")
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(live_server.url + pages["home"])
    buttons = page.locator("button.keep-reading")
    assert buttons.count() >= 3
    for button in buttons.all():
        button.click()
        page.wait_for_function(
            "(b) => b.getAttribute('aria-expanded') === 'true'", arg=button.element_handle()
        )
    assert page.locator(".corrections").count() == 1
    ids = page.evaluate("[...document.querySelectorAll('[id]')].map(e => e.id)")
    assert len(ids) == len(set(ids)), ids
    too_wide = []
    for width in PHONE_WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        found = page.evaluate(WIDEST)
        if found["scroll"] > found["client"]:
            too_wide.append({"width": width, **found})
    assert too_wide == []
    opened = tmp_path / "home-open.html"
    opened.write_text("<!DOCTYPE html>\n" + page.evaluate("document.documentElement.outerHTML"))
    checked = subprocess.run(
        [java, "-jar", str(VNU), "--format", "json", "--errors-only", str(opened)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    findings = [
        f"{m['message']} [{m.get('extract')}]"
        for m in json.loads(checked.stderr or checked.stdout)["messages"]
    ]
    assert findings == [], "\n".join(findings)
