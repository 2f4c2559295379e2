#!/usr/bin/env python3
"""Drives esign serve's pages in headless Chromium (the system's, through Playwright) as a clerk
would: enters the token once, uploads PDFs on the verification page and reads each verdict from
the page, then opens the coverage dashboard. Prints one JSON object.
Usage: web_pages.py URL TOKEN PDF..."""
import json
import sys

from playwright.sync_api import sync_playwright


def main():
    url, token, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    out = {"documents": {}}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        try:
            context = browser.new_context()
            page = context.new_page()
            page.goto(url + "/")
            out["title"] = page.title()
            page.fill("#token", token)
            page.click("#save-token")
            for path in files:
                page.set_input_files("#file", path)
                page.wait_for_function(
                    "(name) => { const d = document.getElementById('document-verdict');"
                    " return (d && d.textContent.startsWith(name)) || document.getElementById('error'); }",
                    arg=path.rsplit("/", 1)[-1], timeout=30000)
                verdict = page.query_selector("#document-verdict")
                out["documents"][path] = {
                    "indication": verdict.get_attribute("data-indication") if verdict else None,
                    "signatures": [e.get_attribute("data-indication") for e in page.query_selector_all(".signature")],
                    "text": page.inner_text("#result"),
                }
            # The dashboard, in another tab: the token was kept.
            page = context.new_page()
            page.goto(url + "/stats")
            page.wait_for_function("document.getElementById('overall').textContent.length > 0", timeout=30000)
            out["overall"] = page.inner_text("#overall")
            out["rate"] = page.get_attribute("#overall", "data-rate")
            page.wait_for_function("document.getElementById('report').srcdoc.length > 0", timeout=30000)
            out["report_has_chart"] = "<svg" in page.eval_on_selector("#report", "e => e.srcdoc")
        finally:
            browser.close()
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
