"""timeline.json in Knight Lab's own viewer: TimelineJS3 (npm @knight-lab/timelinejs) in Chromium.

TimelineJS3 writes headline, text, display_date and group into innerHTML, so plain text
with '<' or '&' must reach it escaped, and markup in a title must show as text."""
from __future__ import annotations

import json

import pytest
from test_browser import CHROMIUM, CHROMIUM_ARGS

from conftest import PROJECT, brief

TIMELINEJS = PROJECT / ".ci" / "tools" / "node_modules" / "@knight-lab" / "timelinejs" / "dist"
pytestmark = pytest.mark.skipif(not (TIMELINEJS / "js" / "timeline.js").exists(),
                                reason="TimelineJS3 is not installed: `python3 build.py test` installs it "
                                       "from the npm registry into .ci/tools when npm is here")

TRICKY_TITLE = "Trade < $1bn & rising"
MARKUP_TITLE = "<b>bold</b> <img src=x onerror=\"window.pwned=1\"> & co"
TRICKY_TOPIC = "oil & <gas>"        # shown capitalized, as every topic is
SITE_TITLE = "Pakistan & Russia <2024>"


def viewer_page(timeline_json: str) -> str:
    """A page that loads TimelineJS3 from its package and shows our JSON, as an embed would."""
    data = timeline_json.replace("</", "<\\/")
    return f"""<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="{(TIMELINEJS / 'css' / 'timeline.css').as_uri()}">
<script src="{(TIMELINEJS / 'js' / 'timeline.js').as_uri()}"></script></head>
<body><div id="embed" style="width: 1000px; height: 600px"></div>
<script>window.timeline = new TL.Timeline("embed", {data}, {{hash_bookmark: false}});</script>
</body></html>"""


@pytest.fixture(scope="module")
def shown(tmp_path_factory):
    """What TimelineJS3 shows for a site whose titles and topic hold '<', '>' and '&'."""
    from playwright.sync_api import sync_playwright
    root = tmp_path_factory.mktemp("timelinejs")
    (root / "site.yml").write_text(f"title: {json.dumps(SITE_TITLE)}\ndescription: 'Costs < benefits & more'\n",
                                   encoding="utf-8")
    content = root / "content"
    content.mkdir()
    events = (f"events:\n  - {{date: 2024-06-15, end: 2024-06-16, title: {json.dumps(TRICKY_TITLE)}, "
              f"topics: [{json.dumps(TRICKY_TOPIC)}]}}\n"
              f"  - {{date: 2023-05, title: {json.dumps(MARKUP_TITLE)}, topics: [{json.dumps(TRICKY_TOPIC)}]}}")
    text = brief(title="Escapes & <angles>", body="Some text.").replace("---\n\n", events + "\n---\n\n", 1)
    (content / "a.md").write_text(text, encoding="utf-8")
    from conftest import run_cli
    code, _, err = run_cli("build", "--content", str(content), "--config", str(root / "site.yml"),
                           "--out", str(root / "site"), "--no-cache")
    assert code == 0, err
    page_file = root / "viewer.html"
    page_file.write_text(viewer_page((root / "site" / "timeline.json").read_text(encoding="utf-8")),
                         encoding="utf-8")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(page_file.as_uri())
        page.wait_for_selector(".tl-slide .tl-headline")
        page.wait_for_timeout(300)    # the viewer lays out its markers after its first slide
        found = page.evaluate("""() => ({
            headlines: [...document.querySelectorAll('.tl-slide .tl-headline')].map(e => e.textContent.trim()),
            dates: [...document.querySelectorAll('.tl-slide .tl-headline-date')].map(e => e.textContent.trim()),
            groups: [...document.querySelectorAll('.tl-timegroup-message')].map(e => e.textContent.trim()),
            markers: [...document.querySelectorAll('.tl-timemarker-text')].map(e => e.textContent.trim()),
            slideText: [...document.querySelectorAll('.tl-slide .tl-text-content')].map(e => e.textContent.trim()),
            bold: document.querySelectorAll('.tl-slide b, .tl-timemarker b').length,
            images: document.querySelectorAll('.tl-slide img, .tl-timemarker img').length,
            pwned: window.pwned === 1,
        })""")
        browser.close()
    return found, errors


def test_timelinejs3_loads_our_file_without_errors(shown):
    found, errors = shown
    assert not errors, errors
    assert len(found["headlines"]) == 3           # the title slide and both events


def test_plain_text_shows_as_written_in_timelinejs3(shown):
    found, _ = shown
    assert SITE_TITLE in found["headlines"]
    assert TRICKY_TITLE in found["headlines"]
    assert any(TRICKY_TITLE in marker for marker in found["markers"])
    assert "Costs < benefits & more" in found["slideText"]
    assert found["groups"] == ["Oil & <gas>"]
    assert any("Escapes & <angles>" in text for text in found["slideText"])


def test_markup_in_a_title_stays_text_in_timelinejs3(shown):
    found, _ = shown
    assert MARKUP_TITLE in found["headlines"]
    assert found["bold"] == 0 and found["images"] == 0
    assert not found["pwned"]
