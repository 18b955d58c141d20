"""Screenshots of the webhooks admin for the operator's guide, at 1280 and 375 px.

Against a local site (`make run`) with an admin account and a few subscriptions and
deliveries (any will do; the guide's were made by sending demo stories to a local receiver):

    .venv/bin/python docs/webhook_screenshots.py http://127.0.0.1:8000 admin 'password'

Uses Playwright with Debian's chromium (/usr/bin/chromium); writes docs/images/webhook-*.png.
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parent / "images"


def main(base: str, username: str, password: str) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for width, suffix in ((1280, ""), (375, "-375")):
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.set_default_timeout(120_000)
            page.goto(base + "/admin/login/")
            page.fill("#id_username", username)
            page.fill("#id_password", password)
            page.click("input[type=submit]")
            page.wait_for_load_state("networkidle")
            page.goto(base + "/admin/webhooks/subscription/")
            shots = {"subscriptions": "/admin/webhooks/subscription/"}
            for row in page.locator("#result_list tbody tr").all():
                off = "disabled automatically" in row.inner_text()
                shots["subscription-disabled" if off else "subscription"] = row.locator(
                    "th a"
                ).get_attribute("href")
            shots["deliveries"] = "/admin/webhooks/delivery/"
            for name, path in shots.items():
                page.goto(base + path)
                page.wait_for_load_state("networkidle")
                page.screenshot(path=str(OUT / f"webhook-{name}{suffix}.png"), full_page=True)
                print("wrote", f"webhook-{name}{suffix}")
            page.close()
        browser.close()


if __name__ == "__main__":
    main(*sys.argv[1:4])
