"""Screenshots of the real admin and site for the guides in docs/.

Run against a local site with demo content and an editor account:

    make run                           # in one terminal (demo content loads)
    DEBUG=1 .venv/bin/python manage.py shell -c "..."   # an Editor "edna" (docs/editors-guide.md)
    .venv/bin/python docs/screenshots.py http://127.0.0.1:8000 edna 'password'

Uses Playwright with Debian's chromium (/usr/bin/chromium); writes docs/images/*.png.
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parent / "images"


def main(base: str, username: str, password: str) -> None:
    OUT.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 860})

        def shot(name: str, path: str, *, full: bool = False, ready: str | None = None):
            page.goto(base + path)
            page.wait_for_load_state("networkidle")
            if ready:
                page.wait_for_selector(ready)
            page.screenshot(path=str(OUT / f"{name}.png"), full_page=full)
            print("wrote", name)

        shot("login", "/admin/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("input[type=submit]")
        page.wait_for_load_state("networkidle")
        shot("dashboard", "/admin/")
        shot("story-list", "/admin/articles/article/")
        story = page.locator("#result_list tbody tr th a").first.get_attribute("href")
        shot("story-editor", story, ready=".ProseMirror >> visible=true")
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        page.screenshot(path=str(OUT / "story-editor-bottom.png"))
        print("wrote story-editor-bottom")
        shot("schedule", "/admin/articles/article/schedule/")
        shot("photo-library", "/admin/articles/photo/")
        photo = page.locator("#result_list tbody tr th a").first.get_attribute("href")
        shot("photo-form", photo)
        shot("history", story + "history/")
        shot("compare", story.replace("/change/", "/compare/"))
        page.goto(base + story)
        page.locator("#bylines-group").scroll_into_view_if_needed()
        page.locator("#bylines-group").screenshot(path=str(OUT / "bylines.png"))
        print("wrote bylines")
        # The confirmation before a live story leaves the site (nothing is unpublished here).
        page.goto(base + "/admin/articles/article/?visibility=live")
        live = page.locator("#result_list tbody tr th a").first.get_attribute("href")
        page.goto(base + live)
        page.get_by_role("button", name="Unpublish").click()
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(OUT / "unpublish-confirm.png"))
        print("wrote unpublish-confirm")
        # The same pages on a phone.
        page.set_viewport_size({"width": 375, "height": 812})
        shot("dashboard-phone", "/admin/", full=True)
        shot("story-list-phone", "/admin/articles/article/")
        shot("photo-library-phone", "/admin/articles/photo/")
        page.set_viewport_size({"width": 1280, "height": 860})
        shot("trash", "/admin/articles/trashedarticle/")
        shot("activity", "/admin/articles/activity/")
        public = page.locator("a.viewsitelink, a[href='/']").first
        if public:
            shot("public-home", "/")
        browser.close()


if __name__ == "__main__":
    main(*sys.argv[1:4])
