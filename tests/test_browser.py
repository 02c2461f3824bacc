"""The reader's side in a real browser (Debian's Chromium driven by Playwright):
opened from disk (file://) and over HTTP under a sub-path (/repo/), as on GitHub Pages."""
from __future__ import annotations

import re
import shutil
from collections import defaultdict
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import PROJECT, run_cli
from servers import serve_under_subpath

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = PROJECT / "tests" / "artifacts"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="Debian's Chromium is not installed (apt-get install chromium); "
                                       ".ci/run installs it")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("browser") / "site"
    code, _, err = run_cli("build", "--out", str(out), "--no-cache")
    assert code == 0, err
    return out


@pytest.fixture(scope="module")
def http_base(site):
    with serve_under_subpath(site) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(params=["file", "http"])
def base(request, site, http_base) -> str:
    return site.as_uri() + "/" if request.param == "file" else http_base


class Watched:
    """A page with every console message, failed request and HTTP error recorded."""

    def __init__(self, browser, **context):
        self.context = browser.new_context(**context)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("console", lambda m: self.problems.append(f"console {m.type}: {m.text}")
                     if m.type in ("error", "warning") else None)
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url} {r.failure}"))
        self.page.on("response", lambda r: self.problems.append(f"HTTP {r.status}: {r.url}")
                     if r.status >= 400 else None)

    def close(self):
        self.context.close()


@pytest.fixture
def watched(browser):
    opened = []

    def open_page(**context) -> Watched:
        opened.append(Watched(browser, **context))
        return opened[-1]
    yield open_page
    for item in opened:
        item.close()


def html_pages(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))


def word_only_in_one_body(site: Path) -> tuple[str, str, str]:
    """(word, brief page, brief title) for a word found in one brief's text and in no title or summary."""
    bodies, elsewhere = defaultdict(set), set()
    titles = {}
    for page in sorted((site / "briefs").glob("*.html")):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        titles[page.name] = soup.h1.get_text()
        words = set(re.findall(r"[a-z]{8,}", soup.select_one(".prose").get_text().lower()))
        for word in words:
            bodies[word].add(page.name)
        chrome = " ".join(t.get_text() for t in soup.select("h1, .lede, .chips, .brief-entities"))
        elsewhere |= set(re.findall(r"[a-z]+", chrome.lower()))
    candidates = sorted(w for w, pages in bodies.items() if len(pages) == 1 and w not in elsewhere)
    word = candidates[len(candidates) // 2]
    page = next(iter(bodies[word]))
    return word, page, titles[page]


def test_search_finds_a_word_that_is_only_in_a_body_and_opens_it(watched, site, base):
    word, page_name, title = word_only_in_one_body(site)
    tab = watched()
    tab.page.goto(base + "index.html")
    tab.page.keyboard.press("/")
    assert tab.page.evaluate("document.activeElement.id") == "site-search-input"
    tab.page.keyboard.type(word)
    tab.page.wait_for_selector(".search-result")
    results = tab.page.locator(".search-result-title").all_text_contents()
    assert results[0] == title
    assert word in tab.page.locator(".search-result mark").first.text_content().lower()
    tab.page.keyboard.press("ArrowDown")
    tab.page.keyboard.press("Enter")
    tab.page.wait_for_url(re.compile(re.escape(page_name) + "$"))
    assert tab.page.locator("h1").text_content() == title
    assert tab.problems == []


def test_search_page_lists_results_for_a_query(watched, base):
    tab = watched()
    tab.page.goto(base + "search.html?q=kazan")
    tab.page.wait_for_selector("#search-page-results .search-result")
    assert "results for “kazan”" in tab.page.locator("#search-page-status").text_content()
    assert tab.page.locator("#search-page-results a").count() >= 2
    assert tab.problems == []


def visible_events(page) -> int:
    return page.locator("#timeline .event:visible").count()


def test_timeline_filters_narrow_restore_and_share(watched, base):
    tab = watched()
    tab.page.goto(base + "timeline.html")
    total = tab.page.locator("#timeline .event").count()
    assert visible_events(tab.page) == total
    options = tab.page.locator("#filter-topic option").evaluate_all("els => els.map(e => e.value)")[1:]
    counts = {o: tab.page.locator(f"#timeline .event[data-topics~='{o}']").count() for o in options}
    topic = min(options, key=lambda o: (counts[o] == 0, -counts[o] if counts[o] < total else 0))
    tab.page.select_option("#filter-topic", topic)
    assert 0 < visible_events(tab.page) == counts[topic] < total
    for item in tab.page.locator("#timeline .event:visible").all():
        assert topic in item.get_attribute("data-topics").split()
    shared = tab.page.url
    assert f"topic={topic}" in shared

    other = watched()
    other.page.goto(shared)
    assert other.page.locator("#filter-topic").input_value() == topic
    assert visible_events(other.page) == counts[topic]

    entity = other.page.locator("#filter-entity option").nth(1).get_attribute("value")
    other.page.select_option("#filter-entity", entity)
    assert visible_events(other.page) <= counts[topic]
    other.page.click("#filter-clear")
    assert visible_events(other.page) == total
    assert "topic=" not in other.page.url
    assert tab.problems == [] and other.problems == []


def test_timeline_filters_take_their_place_before_paint_and_are_gone_without_scripts(watched, browser, base):
    tab = watched()
    tab.page.goto(base + "timeline.html", wait_until="commit")
    tab.page.wait_for_selector("#timeline-filters", state="attached")
    # theme.js in <head> marks the page before the first paint, so the bar never pushes the list down.
    assert tab.page.evaluate("document.documentElement.classList.contains('js')")
    assert tab.page.locator("#timeline-filters").is_visible()
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(base + "timeline.html")
    assert not page.locator("#timeline-filters").is_visible()
    assert page.locator("#timeline .event:visible").count() == page.locator("#timeline .event").count() > 0
    context.close()


def test_theme_toggle_switches_and_persists(watched, base):
    tab = watched(color_scheme="light")
    tab.page.goto(base + "index.html")
    light = tab.page.evaluate("getComputedStyle(document.body).backgroundColor")
    tab.page.click(".theme-toggle")
    assert tab.page.get_attribute("html", "data-theme") == "dark"
    dark = tab.page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert dark != light
    tab.page.goto(base + "timeline.html")
    assert tab.page.get_attribute("html", "data-theme") == "dark"
    assert tab.page.evaluate("getComputedStyle(document.body).backgroundColor") == dark
    assert tab.page.get_attribute(".theme-toggle", "aria-pressed") == "true"
    tab.page.click(".theme-toggle")
    tab.page.reload()
    assert tab.page.evaluate("getComputedStyle(document.body).backgroundColor") == light


def test_no_console_errors_or_failed_requests_on_any_page(watched, site, base):
    tab = watched()
    for name in html_pages(site):
        tab.page.goto(base + name)      # returns at the load event: every deferred script has run
    # Going on to the next page cancels what is still in flight (the favicon, say): that is
    # ERR_ABORTED; a missing file is ERR_FILE_NOT_FOUND, or an HTTP error status.
    assert [p for p in tab.problems if not p.endswith("net::ERR_ABORTED")] == []


AXE_PAGES = ["index.html", "briefs/russia-pakistan-trade.html", "topics/brics.html", "entities/pakistan.html",
             "timeline.html", "search.html?q=pakistan", "404.html"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("page_name", AXE_PAGES)
def test_axe_finds_no_accessibility_violations(watched, http_base, page_name, scheme):
    from axe_playwright_python.sync_playwright import Axe
    tab = watched(color_scheme=scheme)
    tab.page.goto(http_base + page_name)
    if page_name.startswith("search"):
        tab.page.wait_for_selector("#search-page-results .search-result")
    results = Axe().run(tab.page)
    assert results.violations_count == 0, results.generate_report()


def test_open_search_results_panel_has_no_violations(watched, http_base):
    from axe_playwright_python.sync_playwright import Axe
    tab = watched()
    tab.page.goto(http_base + "index.html")
    tab.page.fill("#site-search-input", "sanctions")
    tab.page.wait_for_selector(".search-result")
    tab.page.keyboard.press("ArrowDown")
    results = Axe().run(tab.page)
    assert results.violations_count == 0, results.generate_report()


SCREENS = {"phone": {"width": 375, "height": 812}, "desktop": {"width": 1280, "height": 900}}


@pytest.mark.parametrize("size", SCREENS)
def test_screenshots_of_the_main_pages(watched, http_base, size):
    """Saved for a person to look at (tests/artifacts/screens); asserts only that nothing overflows sideways."""
    folder = ARTIFACTS / "screens"
    folder.mkdir(parents=True, exist_ok=True)
    tab = watched(viewport=SCREENS[size])
    for name in ["index.html", "briefs/russia-pakistan-trade.html", "timeline.html", "topics/trade.html",
                 "entities/russia.html"]:
        tab.page.goto(http_base + name)
        tab.page.screenshot(path=str(folder / f"{size}-{name.replace('/', '-')[:-5]}.png"), full_page=True)
        overflow = tab.page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {size} width"


def test_dev_server_reloads_the_browser_with_the_csp_on(watched, tmp_path):
    """Two saves a second apart both reach the open page; the page's CSP forbids inline script."""
    from conftest import brief, write_files
    from servers import Server
    (tmp_path / "site.yml").write_text("title: Served\n")
    write_files(tmp_path / "content", {"a.md": brief(title="Alpha", body="First version.")})
    server = Server(tmp_path)
    try:
        tab = watched()
        tab.page.goto(server.url + "briefs/a.html")
        assert "script-src 'self'" in tab.page.get_attribute("meta[http-equiv=Content-Security-Policy]", "content")
        tab.page.wait_for_function("() => document.querySelector('script[src=\"/livereload.js\"]') !== null")
        tab.page.wait_for_timeout(500)          # let livereload.js connect its socket
        for version in ("Second version.", "Third version."):
            (tmp_path / "content" / "a.md").write_text(brief(title="Alpha", body=version))
            tab.page.wait_for_function(f"() => document.body.innerText.includes({version!r})", timeout=10000)
            tab.page.wait_for_timeout(1000)
        assert not [p for p in tab.problems if "Content Security Policy" in p or "Refused" in p], tab.problems
    finally:
        server.stop()


# -- preview cards (issue 14) ----------------------------------------------------------------

BRIEF = "briefs/russia-pakistan-trade.html"
CARD = "#preview-card"


def card_text(tab) -> str:
    return tab.page.locator(CARD).inner_text() if tab.page.locator(CARD).is_visible() else ""


def test_a_preview_opens_by_keyboard_and_closes_with_escape(watched, base):
    tab = watched()
    tab.page.goto(base + BRIEF)
    link = tab.page.locator(".prose a.wikilink").first
    title = link.inner_text()
    for _ in range(200):                        # Tab, as a keyboard user does, until the link has focus
        tab.page.keyboard.press("Tab")
        if tab.page.evaluate("document.activeElement.classList.contains('wikilink')"):
            break
    tab.page.wait_for_selector(CARD, state="visible")
    # The Tabs before it passed citations, whose cards open too: wait for this link's data
    # (its preview script loads on demand) to replace theirs.
    tab.page.wait_for_function("([card, title]) => (document.querySelector(card) || {textContent: ''})"
                               ".textContent.includes(title)", arg=[CARD, title])
    assert title in card_text(tab) and "min read" in card_text(tab)
    focused = tab.page.evaluate("document.activeElement")
    assert tab.page.evaluate("document.activeElement.getAttribute('aria-describedby')") == "preview-card"
    tab.page.keyboard.press("Escape")
    assert not tab.page.locator(CARD).is_visible()
    assert tab.page.evaluate("document.activeElement.classList.contains('wikilink')"), focused   # focus stayed
    assert tab.page.evaluate("document.activeElement.getAttribute('aria-describedby')") is None
    assert tab.problems == []


def test_a_preview_opens_on_hover_and_stays_while_the_pointer_is_on_it(watched, base):
    tab = watched()
    tab.page.goto(base + BRIEF)
    link = tab.page.locator(".prose a.wikilink").first
    link.hover()
    tab.page.wait_for_timeout(100)
    assert not tab.page.locator(CARD).is_visible()            # not at once: after about 300 ms
    tab.page.wait_for_selector(CARD, state="visible", timeout=2000)
    box = tab.page.locator(CARD).bounding_box()
    tab.page.mouse.move(box["x"] + 10, box["y"] + 10, steps=5)      # onto the card
    tab.page.wait_for_timeout(500)
    assert tab.page.locator(CARD).is_visible()
    tab.page.mouse.move(2, 2)
    tab.page.wait_for_timeout(500)
    assert not tab.page.locator(CARD).is_visible()
    assert tab.problems == []


def test_citations_entities_and_footnotes_have_cards(watched, base):
    tab = watched()
    tab.page.goto(base + BRIEF)
    tab.page.locator("a.citation").first.focus()
    tab.page.wait_for_selector(CARD, state="visible")
    source = tab.page.locator("section.sources li").first.inner_text()
    assert "Kyiv Independent" in card_text(tab) and "Kyiv Independent" in source
    assert "Cited here" in card_text(tab)
    tab.page.locator(".prose a.autolink").first.focus()
    for _ in range(50):
        if "Person" in card_text(tab) or "Country" in card_text(tab):
            break
        tab.page.wait_for_timeout(50)
    assert "Person" in card_text(tab) or "Country" in card_text(tab), card_text(tab)
    assert tab.problems == []


def test_on_touch_a_citation_opens_its_card_and_a_tap_outside_closes_it(watched, base):
    tab = watched(has_touch=True, is_mobile=True, viewport={"width": 390, "height": 844})
    tab.page.goto(base + BRIEF)
    cite = tab.page.locator("a.citation").first
    cite.scroll_into_view_if_needed()
    cite.tap()
    tab.page.wait_for_selector(CARD, state="visible")
    assert tab.page.url.endswith(BRIEF)                     # no jump to the sources list
    tab.page.locator("h1").tap()
    tab.page.wait_for_selector(CARD, state="hidden")
    link = tab.page.locator(".prose a.wikilink").first       # a link still navigates on one tap
    href = link.get_attribute("href")
    link.tap()
    tab.page.wait_for_url(re.compile(re.escape(href.split("/")[-1]) + "$"))
    assert tab.problems == []


@pytest.mark.parametrize("page_name, link", [(BRIEF, ".prose a.wikilink"), (BRIEF, "a.citation"),
                                             ("entities/ishaq-dar.html", ".profile a.wikilink")])
def test_an_open_card_has_no_accessibility_violations(watched, http_base, page_name, link):
    from axe_playwright_python.sync_playwright import Axe
    tab = watched()
    tab.page.goto(http_base + page_name)
    tab.page.locator(link).first.focus()
    tab.page.wait_for_selector(CARD, state="visible")
    results = Axe().run(tab.page)
    assert results.violations_count == 0, results.generate_report()


def test_sources_link_back_to_every_citation(watched, base):
    tab = watched()
    tab.page.goto(base + BRIEF)
    backs = tab.page.locator("section.sources li .cited-at a")
    assert backs.count() >= 2
    target = backs.first.get_attribute("href")
    backs.first.click()
    assert tab.page.evaluate("location.hash") == target
    assert tab.page.evaluate(f"!!document.getElementById({target[1:]!r})")


def test_a_footnote_opens_its_card_with_its_text(watched, tmp_path):
    from conftest import brief, write_files
    write_files(tmp_path / "content", {"a.md": brief(title="Notes", body="A claim.[^1] More text.\n\n"
                                                                          "[^1]: The footnote's own words.\n")})
    (tmp_path / "site.yml").write_text("title: Notes\n")
    code, _, err = run_cli("build", "--content", str(tmp_path / "content"), "--out", str(tmp_path / "site"),
                           "--config", str(tmp_path / "site.yml"), "--no-cache")
    assert code == 0, err
    tab = watched()
    tab.page.goto((tmp_path / "site/briefs/a.html").as_uri())
    tab.page.locator("a.footnote-ref").first.focus()
    tab.page.wait_for_selector(CARD, state="visible")
    assert "The footnote's own words." in card_text(tab) and "↩" not in card_text(tab)
    assert tab.problems == []


def test_cards_do_not_move_under_reduced_motion(watched, base):
    tab = watched(reduced_motion="reduce")
    tab.page.goto(base + BRIEF)
    tab.page.locator("a.citation").first.focus()
    tab.page.wait_for_selector(CARD, state="visible")
    assert tab.page.locator(CARD).evaluate("card => getComputedStyle(card).animationName") == "none"
    moving = watched(reduced_motion="no-preference")
    moving.page.goto(base + BRIEF)
    moving.page.locator("a.citation").first.focus()
    moving.page.wait_for_selector(CARD, state="visible")
    assert moving.page.locator(CARD).evaluate("card => getComputedStyle(card).animationName") != "none"


def test_the_dev_servers_warning_notice_folds_away_and_stays_folded(watched, tmp_path):
    """The notice is a <details>: a click folds it; the same warnings after a reload stay folded."""
    from conftest import brief
    from servers import served, wait_for
    with served(tmp_path, {"a.md": brief(title="Alpha", tags="[trade]")}) as server:
        tab = watched()
        tab.page.goto(server.url + "briefs/a.html")
        notice = tab.page.locator("details.explainer-notice")
        assert notice.get_attribute("open") is not None and "did you mean 'topics'" in notice.inner_text()
        notice.locator("summary").click()
        assert notice.get_attribute("open") is None
        tab.page.reload()
        wait_for(lambda: tab.page.locator("details.explainer-notice").count() == 1)
        assert tab.page.locator("details.explainer-notice").get_attribute("open") is None
        assert not tab.page.locator(".explainer-overlay").count()


@pytest.mark.parametrize("width", [320, 390])
def test_on_a_phone_the_header_is_compact_and_search_results_stay_on_screen(watched, base, width):
    tab = watched(viewport={"width": width, "height": 800}, has_touch=True, is_mobile=True)
    tab.page.goto(base + "briefs/russia-pakistan-trade.html")
    assert tab.page.locator("header.site-header").bounding_box()["height"] <= 150
    assert tab.page.get_attribute("#site-search-input", "placeholder") == "Search"     # no "press /" on touch
    tab.page.fill("#site-search-input", "pakistan")
    tab.page.wait_for_selector(".search-result")
    results = tab.page.locator(".search-result")
    for index in range(results.count()):
        box = results.nth(index).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, (index, box)
    assert tab.problems == []


def test_on_a_short_desktop_screen_the_results_panel_scrolls_inside_the_window(watched, base):
    tab = watched(viewport={"width": 1280, "height": 420})
    tab.page.goto(base + "index.html")
    tab.page.fill("#site-search-input", "pakistan")
    tab.page.wait_for_selector(".search-result")
    panel = tab.page.locator("#site-search-results")
    box = panel.bounding_box()
    assert box["y"] + box["height"] <= 420 and box["x"] + box["width"] <= 1280, box
    assert panel.evaluate("p => p.scrollHeight > p.clientHeight")      # eight results do not fit: it scrolls
    assert tab.problems == []


# -- the timeline drawing -------------------------------------------------------------------

DRAWING_SCREENS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}
BOXES = """() => Array.from(document.querySelectorAll('#tl-svg .tl-mark')).map(a => {
  const box = el => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const label = a.querySelector('.tl-label');
  return {key: a.getAttribute('href'), hit: box(a.querySelector('.tl-hit')), shape: box(a.querySelector('.tl-shape')),
          label: label ? box(label) : null};
})"""


def overlap(a, b, slack=0.5) -> bool:
    return a[0] < b[2] - slack and b[0] < a[2] - slack and a[1] < b[3] - slack and b[1] < a[3] - slack


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", DRAWING_SCREENS)
def test_the_drawing_has_big_targets_and_labels_that_never_overlap(watched, http_base, size, scheme):
    """Saves screenshots of the drawings to tests/artifacts/screens (git-ignored) for a person to look at."""
    folder = ARTIFACTS / "screens"
    folder.mkdir(parents=True, exist_ok=True)
    tab = watched(viewport=DRAWING_SCREENS[size], color_scheme=scheme)
    for name in ["timeline.html", "briefs/kazan-summit.html", "briefs/ukraine-peace-summit.html"]:
        tab.page.goto(http_base + name)
        figure = tab.page.locator("#tl-figure")
        figure.screenshot(path=str(folder / f"drawing-{size}-{scheme}-{name.replace('/', '-')[:-5]}.png"))
        if name == "timeline.html":
            tab.page.screenshot(path=str(folder / f"drawing-{size}-{scheme}-timeline-page.png"))
        marks = tab.page.evaluate(BOXES)
        assert marks, name
        for mark in marks:
            width, height = mark["hit"][2] - mark["hit"][0], mark["hit"][3] - mark["hit"][1]
            assert width >= 24 and height >= 24, (name, mark)
        labels = [m for m in marks if m["label"]]
        assert labels, name
        for mark in labels:
            for other in marks:
                if other is not mark:
                    assert not overlap(mark["label"], other["shape"]), (name, mark, other)
                    assert not (other["label"] and overlap(mark["label"], other["label"])), (name, mark, other)
        overflow = tab.page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px"
    assert tab.problems == []


def test_the_drawing_does_not_shift_the_layout_and_shows_whole_without_javascript(watched, base):
    tab = watched(java_script_enabled=False)
    tab.page.goto(base + "timeline.html")
    svg = tab.page.locator("#tl-svg")
    box = svg.bounding_box()
    assert box["width"] > 700 and box["height"] > 200
    for mark in tab.page.locator("#tl-svg .tl-mark .tl-shape").all()[:40]:
        inner = mark.bounding_box()
        assert box["x"] <= inner["x"] and inner["x"] + inner["width"] <= box["x"] + box["width"] + 1
    live = watched()
    live.page.goto(base + "timeline.html")
    shift = live.page.evaluate("""() => new Promise(done => {
        setTimeout(() => done(0), 800);
        new PerformanceObserver(list => done(list.getEntries().reduce((sum, e) => sum + e.value, 0)))
          .observe({type: 'layout-shift', buffered: true});
    })""")
    assert shift == 0
    assert live.problems == []


def test_story_filter_narrows_drawing_and_list_together_and_stays_in_the_address(watched, base):
    tab = watched()
    tab.page.goto(base + "timeline.html")
    stories = tab.page.locator("#filter-story option").evaluate_all("els => els.map(e => e.value)")[1:]
    assert len(stories) >= 3
    tab.page.select_option("#filter-story", stories[1])
    assert f"story={stories[1]}" in tab.page.url
    shown = tab.page.locator("#tl-svg .tl-mark:not(.tl-off)")
    assert 0 < shown.count() == visible_events(tab.page) < tab.page.locator("#timeline .event").count()
    assert set(shown.evaluate_all("els => els.map(e => e.dataset.story)")) == {stories[1]}
    assert tab.page.locator("#tl-svg .tl-mark.tl-off").first.is_hidden()
    tab.page.select_option("#filter-topic", tab.page.locator("#filter-topic option").nth(1).get_attribute("value"))
    assert tab.page.locator("#tl-svg .tl-mark:not(.tl-off)").count() == visible_events(tab.page)
    before = tab.page.url
    tab.page.locator("#tl-svg .tl-mark:not(.tl-off)").first.click()
    assert tab.page.url == before                              # the view stays in the address
    assert tab.page.evaluate("document.activeElement.classList.contains('event')")
    assert tab.problems == []


def test_the_address_zooms_the_drawing_to_a_span_and_a_button_shows_it_whole(watched, base):
    tab = watched()
    tab.page.goto(base + "timeline.html")
    whole = tab.page.evaluate("() => Array.from(document.querySelectorAll('#tl-svg circle.tl-shape'))"
                              ".map(c => [c.closest('a').dataset.first, Number(c.getAttribute('cx'))])")
    tab.page.goto(base + "timeline.html#from=2024-06&to=2024-10")
    tab.page.wait_for_selector("#tl-zoom:not([hidden])")
    plot_x, plot_w = (float(tab.page.get_attribute("#tl-svg", name)) for name in ("data-plot-x", "data-plot-w"))
    zoomed = dict(tab.page.evaluate("() => Array.from(document.querySelectorAll('#tl-svg circle.tl-shape'))"
                                    ".map(c => [c.closest('a').dataset.first, Number(c.getAttribute('cx'))])"))
    inside = [first for first, _ in whole if "2024-06-01" <= first <= "2024-10-31"]
    outside = [first for first, _ in whole if first < "2024-05-01"]
    assert inside and outside
    for first in inside:
        assert plot_x - 1 <= zoomed[first] <= plot_x + plot_w + 1, first
    for first in outside:
        assert zoomed[first] < plot_x, first
    spread = [zoomed[f] for f in inside]
    assert max(spread) - min(spread) > 2 * (max(x for f, x in whole if f in inside) - min(x for f, x in whole
                                                                                       if f in inside))
    tab.page.click("#tl-zoom-out")
    assert "from=" not in tab.page.url
    assert dict(tab.page.evaluate("() => Array.from(document.querySelectorAll('#tl-svg circle.tl-shape'))"
                                  ".map(c => [c.closest('a').dataset.first, Number(c.getAttribute('cx'))])")) \
        == dict(whole)
    assert tab.problems == []


def test_zoomed_ticks_are_labelled(watched, base):
    tab = watched()
    tab.page.goto(base + "timeline.html#from=2024-06&to=2024-10")
    tab.page.wait_for_selector("#tl-zoom:not([hidden])")
    shown = tab.page.evaluate("() => Array.from(document.querySelectorAll('#tl-svg .tl-tick'))"
                              ".filter(t => getComputedStyle(t).display !== 'none')"
                              ".map(t => t.textContent.trim())")
    assert len(shown) >= 4 and all(shown), shown
    assert {"Jul", "Sep"} <= {label.split()[0] for label in shown}, shown
    assert "2024" in shown[0]                  # the first tick says the year
    tab.page.goto(base + "timeline.html#from=2024-09-15&to=2024-09-25")
    tab.page.wait_for_function("() => document.querySelectorAll('#tl-svg .tl-zoom-tick').length > 5")
    days = tab.page.evaluate("() => Array.from(document.querySelectorAll('#tl-svg .tl-tick'))"
                             ".filter(t => getComputedStyle(t).display !== 'none')"
                             ".map(t => t.textContent.trim())")
    assert days[0] == "15 Sep 2024" and "18 Sep" in days and len(days) == 11, days
    tab.page.click("#tl-zoom-out")
    assert tab.page.locator("#tl-svg .tl-zoom-tick").count() == 0


def test_marks_a_zoom_leaves_out_are_out_of_the_tab_order(watched, base):
    tab = watched()
    tab.page.goto(base + "timeline.html#from=2024-06&to=2024-10")
    tab.page.wait_for_selector("#tl-zoom:not([hidden])")
    marks = tab.page.evaluate("() => Array.from(document.querySelectorAll('#tl-svg a.tl-mark'))"
                              ".map(a => [a.dataset.first, a.dataset.last, a.getAttribute('tabindex')])")
    for first, last, tabindex in marks:
        outside = last < "2024-06-01" or first > "2024-10-31"
        assert (tabindex == "-1") == outside, (first, last, tabindex)
    tab.page.click("#tl-zoom-out")
    assert tab.page.locator("#tl-svg a.tl-mark[tabindex]").count() == 0


def test_on_a_phone_the_drawing_opens_on_its_latest_events(watched, base):
    tab = watched(viewport={"width": 390, "height": 844})
    tab.page.goto(base + "timeline.html")
    scrolled, room = tab.page.evaluate("() => { const f = document.querySelector('.tl-scroll');"
                                       " return [f.scrollLeft, f.scrollWidth - f.clientWidth]; }")
    assert room > 0 and abs(scrolled - room) <= 1, (scrolled, room)


def test_a_zoomed_bar_covers_exactly_its_days(watched, base):
    import datetime as dt
    tab = watched()
    tab.page.goto(base + "timeline.html")
    bars = tab.page.evaluate("() => Array.from(document.querySelectorAll('#tl-svg a.tl-bar'))"
                             ".map(a => [a.dataset.first, a.dataset.last])")
    first, last = min(bars, key=lambda b: (dt.date.fromisoformat(b[1]) - dt.date.fromisoformat(b[0])).days)
    start = dt.date.fromisoformat(first) - dt.timedelta(days=4)
    stop = dt.date.fromisoformat(last) + dt.timedelta(days=4)
    tab.page.goto(base + f"timeline.html#from={start.isoformat()}&to={stop.isoformat()}")
    tab.page.wait_for_selector("#tl-zoom:not([hidden])")
    plot_w = float(tab.page.get_attribute("#tl-svg", "data-plot-w"))
    width = float(tab.page.get_attribute(f"#tl-svg a.tl-bar[data-first='{first}'][data-last='{last}'] .tl-shape",
                                         "width"))
    days = (dt.date.fromisoformat(last) - dt.date.fromisoformat(first)).days + 1
    span = (stop - start).days + 1
    assert abs(width - plot_w * days / span) <= 0.05 * plot_w * days / span + 1, (width, plot_w, days, span)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_stuck_year_heading_is_opaque_and_above_the_events(watched, base, scheme):
    tab = watched(viewport={"width": 1280, "height": 700}, color_scheme=scheme)
    tab.page.goto(base + "timeline.html")
    on_top = tab.page.evaluate("""() => {
        const section = document.querySelector('#y2024');
        window.scrollTo(0, section.getBoundingClientRect().top + window.scrollY + 400);
        const heading = section.querySelector('.year-heading');
        const box = heading.getBoundingClientRect();
        const at = f => document.elementFromPoint(box.left + box.width * f, box.top + box.height / 2);
        const found = [0.1, 0.5, 0.9].map(at);
        return {top: box.top, background: getComputedStyle(heading).backgroundColor,
                mine: found.every(el => el && el.closest('.year-heading') === heading)};
    }""")
    assert on_top["top"] == 0 and on_top["mine"], on_top
    assert on_top["background"] not in ("rgba(0, 0, 0, 0)", "transparent")


def page_size(pdf: bytes) -> str:
    """'A4 landscape', or 'portrait' for any other page: from the PDF's first MediaBox."""
    box = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    width, height = float(box.group(1)), float(box.group(2))
    if (round(width), round(height)) == (842, 595):
        return "A4 landscape"
    return "portrait" if width < height else f"{width} x {height}"


def test_in_print_the_drawing_fits_an_a4_landscape_page(watched, base):
    tab = watched(viewport={"width": 1032, "height": 703})     # A4 landscape inside 12 mm margins, at 96 dpi
    tab.page.emulate_media(media="print")
    tab.page.goto(base + "timeline.html")
    box = tab.page.locator("#tl-svg").bounding_box()
    assert box["width"] <= 1032 and box["y"] + box["height"] <= 703, box      # on the first page, whole
    assert tab.page.locator("#timeline .event").first.is_visible()
    assert tab.page.locator(".timeline-filters").is_hidden()
    pdf = tab.page.pdf(prefer_css_page_size=True)
    assert page_size(pdf) == "A4 landscape"
    brief = watched()
    brief.page.emulate_media(media="print")
    brief.page.goto(base + "briefs/kazan-summit.html")
    assert page_size(brief.page.pdf(prefer_css_page_size=True)) == "portrait"


def test_in_print_a_dark_scheme_drawing_is_dark_on_white(watched, base):
    tab = watched(color_scheme="dark")
    tab.page.emulate_media(media="print", color_scheme="dark")
    tab.page.goto(base + "timeline.html")
    def fills(selector):
        return tab.page.evaluate(f"() => [...document.querySelectorAll('{selector}')]"
                                 ".map(e => getComputedStyle(e).fill)")

    def light(fill):
        r, g, b = (int(v) for v in fill[fill.index("(") + 1:fill.index(")")].split(",")[:3])
        return r + g + b > 600
    texts, bands = fills("#tl-svg text"), fills("#tl-svg .tl-era-band")
    assert texts and bands and not any(map(light, texts)) and all(map(light, bands)), (texts, bands)
    shapes = fills("#tl-svg .tl-shape")
    light_scheme = watched(color_scheme="light")
    light_scheme.page.emulate_media(media="print", color_scheme="light")
    light_scheme.page.goto(base + "timeline.html")
    assert shapes == light_scheme.page.evaluate("() => [...document.querySelectorAll('#tl-svg .tl-shape')]"
                                                ".map(e => getComputedStyle(e).fill)")     # the light scheme's
