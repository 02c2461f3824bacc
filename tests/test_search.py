"""Site search: the index made at build time (explainer/searchindex.py) and what a reader
gets from it in Chromium, from file:// and over HTTP under a sub-path."""
from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import test_browser
from bs4 import BeautifulSoup

from explainer.prose import sentences
from explainer.searchindex import member_set, normalize, prefix_groups, terms

# The browser fixtures of test_browser.py: one site, one Chromium, file:// and HTTP.
browser, site, http_base, base, watched = (test_browser.browser, test_browser.site, test_browser.http_base,
                                           test_browser.base, test_browser.watched)
SAMPLES = ["Bürgenstock", "São Paulo", "İstanbul", "ÉCOLE", "Zürich–Genève", "Россия", "Straße", "naïve café",
           "Ångström 2024", "Dvořák", "Łódź", "Ελλάδα", "x_y", "a²b", "e\u0301te\u0301", "ﬁnance", "日本語"]


def test_normalizing_folds_case_and_diacritics():
    assert normalize("Bürgenstock") == "burgenstock"
    assert terms("The Bürgenstock summit, 2024!") == ["the", "burgenstock", "summit", "2024"]
    assert terms("a I x") == []     # one letter is not a term


def test_the_browser_normalizes_and_splits_as_the_build_does(watched, base):
    tab = watched()
    tab.page.goto(base + "search.html?q=x")     # a query loads the engine
    tab.page.wait_for_function("() => window.ExplainerSearch !== undefined")
    in_browser = tab.page.evaluate("(samples) => samples.map(s => [window.ExplainerSearch.normalize(s), "
                                   "window.ExplainerSearch.terms(s)])", SAMPLES)
    assert in_browser == [[normalize(s), terms(s)] for s in SAMPLES]
    assert tab.problems == []


def test_sentences_read_well():
    html = ('<h2 id="x">Background</h2><p>Five countries joined, among them <sup class="cite"><a href="#s1">[1]</a>'
            '</sup>. Energy\nwas one aim. Gen. Asim Munir spoke.</p><p>The chair said "no."</p>'
            '<table><thead><tr><th>Joined</th><th>Members</th></tr></thead>'
            '<tbody><tr><td>2009</td><td>Brazil, Russia</td></tr></tbody></table>'
            '<p>Sources for the table: <sup class="cite">[2]</sup>.</p>')
    assert sentences(html) == ["Five countries joined, among them.", "Energy was one aim.",
                               "Gen. Asim Munir spoke.", 'The chair said "no."',
                               "Joined: 2009; Members: Brazil, Russia.", "Sources for the table."]


def test_member_sets_and_prefix_files():
    assert member_set([0, 3, 4], 2000) == [1, 3, 1]             # a few members: gaps
    assert isinstance(member_set(range(0, 2000, 2), 2000), str)  # many: a bitmap
    sizes = {"kazakhstan": 5000, "kazan": 5000, "kazakh": 5000, "kyiv": 100}
    prefixes = [g[0] for g in prefix_groups(sizes, budget=9000)]
    # "kazakh" is its own prefix; "kazakhs…" holds the longer words; a small letter stays whole
    assert prefixes == ["kazakh", "kazakhs", "kazan", "ky"]


def manifest(site_dir: Path) -> tuple[dict, dict]:
    text = (site_dir / "search-index.js").read_text(encoding="utf-8")
    return tuple(json.loads("[" + re.search(r"explainerSearchIndex\((.*)\);", text).group(1) + "]"))


def test_the_index_is_cut_into_small_files(site):
    paths, data = manifest(site)
    term_files = sorted((site / "search/terms").glob("*.js"))
    assert len(term_files) == len(data["files"]) > 5
    assert len(list((site / "search/docs").glob("*.js"))) == data["documents"]
    assert (site / paths["facets"]).is_file()
    assert not (site / "static/vendor/minisearch.js").exists()


def search_page(watched, base, query: str, **context):
    tab = watched(**context)
    tab.page.goto(base + "search.html?" + query)
    tab.page.wait_for_function("() => / for |No page/.test(document.getElementById('search-page-status').textContent)")
    return tab


def titles(tab) -> list[str]:
    return tab.page.locator("#search-page-results .search-result-title").all_text_contents()


def test_prefix_search_finds_a_name_from_its_first_letters(watched, base):
    tab = search_page(watched, base, "q=kaz")
    assert "Kazan" in titles(tab) and "Kazakhstan" in titles(tab)
    assert tab.problems == []


def test_an_entity_page_comes_first_for_its_name_and_its_aliases(watched, base, site):
    tab = search_page(watched, base, "q=kazan")
    assert titles(tab)[0] == "Kazan"
    link = tab.page.locator("#search-page-results .search-result-title").first.get_attribute("href")
    assert link.endswith("entities/kazan.html")
    tab = search_page(watched, base, "q=SCO")      # an alias of the Shanghai Cooperation Organisation
    assert titles(tab)[0] == "Shanghai Cooperation Organisation"


def test_diacritics_and_case_are_ignored(watched, base):
    plain = search_page(watched, base, "q=burgenstock")
    assert titles(plain)[0] == "Bürgenstock"
    marked = search_page(watched, base, "q=B%C3%9CRGENSTOCK")
    assert titles(marked) == titles(plain)
    assert "Bürgenstock" in plain.page.locator("#search-page-results mark").first.text_content()


def word_in_one_title_and_other_bodies(site: Path) -> str:
    """A word of one brief's title that other briefs have only in their text."""
    titles_, bodies = {}, {}
    for page in sorted((site / "briefs").glob("*.html")):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        titles_[page.name] = set(re.findall(r"[a-z]{6,}", soup.h1.get_text().lower()))
        bodies[page.name] = set(re.findall(r"[a-z]{6,}", soup.select_one(".prose").get_text().lower()))
    for name, words in sorted(titles_.items()):
        for word in sorted(words):
            others = [n for n in bodies if n != name and word in bodies[n] and word not in titles_[n]]
            if len(others) >= 2 and sum(word in t for t in titles_.values()) == 1:
                return word
    raise AssertionError("no such word")


def test_a_title_match_ranks_above_a_body_match(watched, base, site):
    word = word_in_one_title_and_other_bodies(site)
    tab = search_page(watched, base, "q=" + word)
    links = tab.page.locator("#search-page-results .search-result-title").all()
    briefs = [a.text_content() for a in links if "briefs/" in a.get_attribute("href")]
    assert len(briefs) >= 3
    assert word in briefs[0].lower(), (word, briefs)


def test_snippets_come_from_sentences_with_the_match_marked(watched, base):
    tab = search_page(watched, base, "q=lng")
    snippets = tab.page.locator("#search-page-results .search-snippet").all_text_contents()
    assert snippets and all(" ." not in s and ".…" not in s and "…." not in s for s in snippets)
    assert tab.page.locator("#search-page-results .search-snippet mark").first.text_content() == "LNG"


def test_facets_narrow_the_results_with_counts_and_stay_in_the_address(watched, base):
    tab = search_page(watched, base, "q=pakistan")
    tab.page.wait_for_selector("#search-page-facets input[name=topic]")
    everything = int(re.match(r"(\d+)", tab.page.locator("#search-page-status").text_content()).group(1))
    energy = tab.page.locator("#search-page-facets label", has=tab.page.locator("input[value=energy]"))
    count = int(re.search(r"\((\d+)\)", energy.text_content()).group(1))
    assert 0 < count < everything
    energy.locator("input").check()
    tab.page.wait_for_function(
        f"() => document.getElementById('search-page-status').textContent.startsWith('{count} ')")
    assert parse_qs(urlsplit(tab.page.url).query) == {"q": ["pakistan"], "topic": ["energy"]}
    assert len(titles(tab)) == min(count, 20)
    # the address alone gives the same results, and facets combine
    again = search_page(watched, base, "q=pakistan&topic=energy")
    assert titles(again) == titles(tab)
    again.page.wait_for_selector("#search-page-facets input[name=year]")
    year = again.page.locator("#search-page-facets input[name=year]").first
    value = year.get_attribute("value")
    year.check()
    again.page.wait_for_function("() => location.search.indexOf('year=') > 0")
    assert parse_qs(urlsplit(again.page.url).query) == {"q": ["pakistan"], "topic": ["energy"], "year": [value]}
    assert tab.problems == [] and again.problems == []


def test_a_query_loads_only_the_files_it_needs(watched, base, site):
    tab = watched()
    loaded: list[str] = []
    tab.page.on("request", lambda r: loaded.append(r.url))
    tab.page.goto(base + "index.html")
    tab.page.fill("#site-search-input", "kazan")
    tab.page.wait_for_selector(".search-result")
    terms_loaded = [u for u in loaded if "/search/terms/" in u]
    docs_loaded = [u for u in loaded if "/search/docs/" in u]
    assert 1 <= len(terms_loaded) <= 3
    assert 1 <= len(docs_loaded) <= 8 < len(list((site / "search/docs").glob("*.js")))
    assert not any("facets" in u for u in loaded)


def test_the_header_box_is_a_combobox_announced_by_a_live_region(watched, base):
    tab = watched()
    tab.page.goto(base + "index.html")
    tab.page.keyboard.press("/")
    tab.page.keyboard.type("putin")
    tab.page.wait_for_selector("#site-search-results .search-result")
    box = tab.page.locator("#site-search-input")
    assert box.get_attribute("role") == "combobox" and box.get_attribute("aria-expanded") == "true"
    listbox = tab.page.locator("#site-search-results [role=listbox]")
    assert box.get_attribute("aria-controls") == listbox.get_attribute("id")      # the list itself
    status = tab.page.locator("#site-search-status")
    assert status.get_attribute("role") == "status" and status.get_attribute("aria-live") == "polite"
    tab.page.wait_for_function("() => /^\\d+ results?$/.test(document.getElementById('site-search-status')"
                               ".textContent)")
    tab.page.keyboard.press("ArrowDown")
    first = tab.page.locator("#site-search-results [role=option]").first
    assert first.get_attribute("aria-selected") == "true"
    assert box.get_attribute("aria-activedescendant") == first.get_attribute("id")
    title = first.locator(".search-result-title").text_content()
    tab.page.keyboard.press("Enter")
    tab.page.wait_for_load_state()
    assert tab.page.locator("h1").text_content() == title
    tab.page.go_back()
    tab.page.locator("#site-search-input").fill("zzzqqq")
    tab.page.wait_for_function("() => document.getElementById('site-search-status').textContent === 'No results'")
    assert box.get_attribute("aria-controls") == "site-search-results"   # no list box: the panel
    tab.page.keyboard.press("Escape")
    assert tab.page.get_attribute("#site-search-input", "aria-expanded") == "false"
    box.fill("putin")
    tab.page.wait_for_selector("#site-search-results .search-result")
    tab.page.keyboard.press("Tab")      # focus moves on: the list closes rather than stay open behind it
    assert tab.page.locator("#site-search-results").is_hidden() and box.get_attribute("aria-expanded") == "false"
    assert tab.page.evaluate("() => document.activeElement.id") != "site-search-input"
    assert [p for p in tab.problems if "ERR_ABORTED" not in p] == []      # leaving a page aborts its icon


def test_without_javascript_the_page_is_a_form_that_explains_and_links(watched, base):
    tab = watched(java_script_enabled=False)
    tab.page.goto(base + "search.html?q=kazan")
    soup = BeautifulSoup(tab.page.content(), "html.parser")
    assert "needs JavaScript" in soup.select_one("#search-page-status").get_text()
    form = soup.select_one("form.search-page-form")
    assert form.select_one("input[name=q]") and form.select_one("button[type=submit]")
    assert tab.page.locator("a[href$='topics.html']:visible").count() >= 1
    assert tab.page.locator("a[href$='entities.html']:visible").count() >= 1
    assert tab.page.locator("#search-page-results li").count() == 0


def test_pages_named_for_the_query_come_before_pages_that_only_mention_it(watched, base, site):
    """Every result whose title holds the word ranks above every result that only has it in
    its text: a record's boost is for its own name, not for its description."""
    for query in ("burgenstock", "kazan", "sco"):
        tab = search_page(watched, base, "q=" + query)
        shown = [title.lower() for title in titles(tab)]
        named = [normalize(title).find(query) >= 0 or (query == "sco" and "shanghai" in title) for title in shown]
        assert any(named), (query, shown)
        assert named == sorted(named, reverse=True), (query, shown)


def test_a_word_only_in_a_heading_is_found(watched, base, site):
    heading = BeautifulSoup((site / "briefs" / "russia-pakistan-trade.html").read_text(encoding="utf-8"),
                            "html.parser").select_one(".prose h2")
    words = [w for w in terms(heading.get_text(" ")) if len(w) >= 5]
    prose = set()
    for page in (site / "briefs").glob("*.html"):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for block in soup.select(".prose p, .prose li, .prose td, .lede"):
            prose.update(terms(block.get_text(" ")))
    word = next(w for w in words if w not in prose)      # in a heading, in no paragraph of any brief
    tab = search_page(watched, base, "q=" + word)
    assert any("trade" in t.lower() for t in titles(tab)), (word, titles(tab))


def test_a_chosen_facet_with_no_results_stays_on_show_and_can_be_cleared(watched, base):
    tab = search_page(watched, base, "q=pakistan&year=1999")
    assert tab.page.locator("#search-page-status").text_content().startswith("No page matches")
    stuck = tab.page.locator("#search-page-facets input[name=year][value='1999']")
    stuck.wait_for()
    label = tab.page.locator("#search-page-facets label", has=tab.page.locator("input[name=year][value='1999']"))
    assert stuck.is_checked() and "(0)" in label.text_content()
    tab.page.click("#search-page-facets .search-facets-clear")
    tab.page.wait_for_function("() => /^\\d+ /.test(document.getElementById('search-page-status').textContent)")
    assert parse_qs(urlsplit(tab.page.url).query) == {"q": ["pakistan"]}
    assert titles(tab) and tab.problems == []


def test_typing_a_query_letter_by_letter_never_blinks_to_no_results(watched, base):
    """A word too short to match as a prefix asks to keep typing; a short last word being
    typed is left out; the live region speaks once typing pauses, never "No results"."""
    tab = watched()
    tab.page.goto(base + "index.html")
    tab.page.evaluate("""() => { window.spoken = [];
        const status = document.getElementById('site-search-status');
        new MutationObserver(() => window.spoken.push(status.textContent))
            .observe(status, {childList: true, characterData: true, subtree: true}); }""")
    tab.page.click("#site-search-input")
    tab.page.keyboard.type("ka")
    tab.page.wait_for_selector("#site-search-results .search-empty")
    assert "Keep typing" in tab.page.locator("#site-search-results").text_content()
    for letter in "zan summit":
        tab.page.keyboard.type(letter, delay=60)
        if letter in "su":
            assert "No page matches" not in (tab.page.locator("#site-search-results").text_content() or "")
    tab.page.wait_for_function("() => /^\\d+ results?$/.test("
                               "document.getElementById('site-search-status').textContent)")
    spoken = [text for text in tab.page.evaluate("window.spoken") if text]
    assert spoken and "No results" not in spoken and len(spoken) <= 3, spoken


def test_typing_on_the_search_page_announces_once_typing_pauses(watched, base):
    tab = watched()
    tab.page.goto(base + "search.html")
    tab.page.evaluate("""() => { window.spoken = [];
        new MutationObserver(() => window.spoken.push(document.getElementById('search-page-status').textContent))
          .observe(document.getElementById('search-page-status'), { childList: true, characterData: true,
                                                                     subtree: true }); }""")
    tab.page.locator("#search-page-input").press_sequentially("kaz", delay=60)
    tab.page.wait_for_function("() => window.spoken.some(text => text.includes('kaz'))")
    tab.page.wait_for_timeout(600)
    spoken = tab.page.evaluate("() => window.spoken")
    assert len(spoken) == 1 and "“kaz”" in spoken[0], spoken       # not "k", then "ka", then "kaz"
    assert tab.problems == []


def test_a_chosen_facet_with_no_results_keeps_its_name(watched, base):
    tab = search_page(watched, base, "q=kazan&topic=global-south&entity=alexei-overchuk&year=1999")
    chosen = (("topic", "global-south", "Global South"), ("entity", "alexei-overchuk", "Alexei Overchuk"))
    for kind, value, name in chosen:
        box = tab.page.locator(f"input[name={kind}][value='{value}']")
        label = tab.page.locator("#search-page-facets label", has=box)
        label.wait_for()
        assert name in label.text_content() and "(0)" in label.text_content(), label.text_content()
    assert tab.problems == []
