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
        writing_shots(page, base, story)
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


def writing_shots(page, base: str, story: str) -> None:
    """The story form at a phone's width, unsaved changes offered back, and the merge view
    (made by saving the same opened version twice; the second save comes back as a merge)."""
    editor = ".field-body .ProseMirror >> visible=true"
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(base + story)
    page.wait_for_selector(editor)
    page.screenshot(path=str(OUT / "story-editor-375.png"))
    print("wrote story-editor-375")
    page.set_viewport_size({"width": 1280, "height": 860})
    page.goto(base + "/admin/articles/article/add/")
    page.wait_for_selector("#nr-photo-upload:not([hidden])")
    page.locator(".nr-story-side").screenshot(path=str(OUT / "story-photo-upload.png"))
    print("wrote story-photo-upload")
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(base + story)
    page.wait_for_selector(editor)
    dek = page.locator("#id_dek")
    original = dek.input_value()
    dek.fill(original + " (typed, not saved)")
    page.wait_for_selector("#nr-save-state:has-text('Draft kept')")
    page.goto(base + story)
    page.wait_for_selector("#nr-restore:not([hidden])")
    page.screenshot(path=str(OUT / "story-restore.png"))
    print("wrote story-restore")
    page.click("#nr-restore-no")
    # Two saves of the same opened version: the second one is a merge.
    second = page.context.browser.new_context(storage_state=page.context.storage_state())
    other = second.new_page()
    other.goto(base + story)
    other.wait_for_selector(editor)
    other.fill("#id_dek", original + " (their change)")
    # They also give the first byline another role: the merge view shows bylines as a row.
    other.select_option("select[name='bylines-0-role']", index=1)
    page.fill("#id_dek", original + " (your change)")
    other.locator("input[name=_continue]").first.click()
    other.wait_for_selector(".messagelist .success")
    second.close()
    page.locator("input[name=_continue]").first.click()
    page.wait_for_selector("#nr-merge")
    page.locator("#nr-merge").screenshot(path=str(OUT / "story-merge.png"))
    print("wrote story-merge")
    page.click("[data-merge-field=dek][data-merge-take=theirs]")
    page.fill("#id_dek", original)
    page.locator("input[name=_continue]").first.click()
    page.wait_for_selector(".messagelist .success")


if __name__ == "__main__":
    main(*sys.argv[1:4])
