"""Build real sites and read the HTML back: layout, links, backlinks, pages, escaping."""
from __future__ import annotations

import re

import pytest

from conftest import brief
from sitecheck import broken_links, html_files

TRADE = """
---
title: Russia and Pakistan trade under sanctions
date: 2024-09-19
updated: 2024-10-01
summary: Trade reached about $1 billion in 2023.
topics: [trade, sanctions]
entities: [Russia, Pakistan, Ishaq Dar, Bürgenstock, Россия]
related: [overview]
figures:
  - {label: "Bilateral trade, 2023", value: "$1 billion", source: ki, note: "Calendar year, as reported"}
events:
  - {date: 2024-09-18, title: "Overchuk and Dar meet in Islamabad", entities: [Ishaq Dar]}
  - {date: 2023, title: "Trade reaches $1 billion", circa: true}
  - {date: "2024-10", title: "BRICS summit in Kazan", topics: [brics]}
sources:
  - {id: ki, title: "Russia, Pakistan strengthen ties", publisher: Kyiv Independent,
     url: "https://kyivindependent.com/a", date: 2024-09-19}
  - {id: ap, title: "Moscow backs bid", publisher: AP, url: "https://apnews.com/b"}
---

## What was decided

Dar spoke of banking limits [@ki]. Russia backs the bid [@ap; @ki].

See [[pakistan-brics-bid]] and [[pakistan-brics-bid#what-membership-means|what it would mean]].
Also [the summit](peace/summit.md#who-came) and [above](#what-was-decided).
"""

BID = """
---
title: Pakistan's bid to join BRICS
date: 2024-09-20
summary: Pakistan applied in 2023.
topics: [brics]
entities: [Pakistan, Russia]
slug: pakistan-brics-bid
events:
  - {date: 2023-11, title: "Pakistan applies to BRICS"}
---

## What membership means

Trade matters: [[trade]].
"""

SUMMIT = """
---
title: The peace summit at Bürgenstock
date: 2024-06-17
summary: Ninety-two countries came.
topics: [ukraine]
entities: [Burgenstock, Ukraine]
events:
  - {date: 2024-06-15, end: 2024-06-16, title: "Summit on Peace in Ukraine"}
  - {date: 2023, title: "An earlier 2023 event in file order"}
---

## Who came

Back to [trade](../trade.md).
"""

OVERVIEW = """
---
title: Overview
date: 2024-09-01
summary: How it connects.
topics: [trade]
---

Nothing links here but `related`.
"""

SITE = {"trade.md": TRADE, "brics/bid.md": BID, "peace/summit.md": SUMMIT, "overview.md": OVERVIEW}


@pytest.fixture
def built(make_site):
    run = make_site(SITE)
    assert run.code == 0, run.err
    return run


def test_output_layout(built):
    names = {p.relative_to(built.site).as_posix() for p in built.site.rglob("*") if p.is_file()}
    for expected in ["index.html", "timeline.html", "404.html", ".nojekyll", "static/style.css",
                     "briefs/trade.html", "briefs/pakistan-brics-bid.html", "briefs/summit.html",
                     "topics/trade.html", "topics/brics.html", "entities/ishaq-dar.html",
                     "entities/burgenstock.html", "entities/rossiia.html"]:
        assert expected in names
    assert "sitemap.xml" not in names and "feed.xml" not in names   # no site URL given


def test_every_internal_link_and_anchor_resolves(built):
    assert broken_links(built.site) == []


def test_the_link_checker_reports_each_kind_of_broken_link(built, tmp_path):
    import shutil
    site = tmp_path / "copy"
    shutil.copytree(built.site, site)
    page = site / "briefs" / "trade.html"
    page.write_text(page.read_text(encoding="utf-8").replace(
        "</main>", '<a href="/index.html">a</a><a href="gone.html">b</a><a href="../index.html#nowhere">c</a>'
                   '<img src="../static/none.png" alt="d"></main>', 1), encoding="utf-8")
    assert sorted(broken_links(site)) == ["briefs/trade.html: ../index.html#nowhere: no element with that id",
                                          "briefs/trade.html: ../static/none.png: no such file",
                                          "briefs/trade.html: /index.html: root-relative",
                                          "briefs/trade.html: gone.html: no such file"]


def test_no_root_relative_or_folder_urls(built):
    for page in html_files(built.site):
        html = page.read_text(encoding="utf-8")
        for url in re.findall(r'(?:href|src)="([^"]*)"', html):
            assert not url.startswith("/"), (page, url)
            assert not url.endswith("/"), (page, url)


def test_links_in_all_forms_become_relative_links(built):
    links = [a["href"] for a in built.html("briefs/trade.html").select(".prose a")]
    assert "pakistan-brics-bid.html" in links
    assert "pakistan-brics-bid.html#what-membership-means" in links
    assert "summit.html#who-came" in links
    assert "#what-was-decided" in links
    wikilink = built.html("briefs/trade.html").find("a", href="pakistan-brics-bid.html")
    assert wikilink.get_text() == "Pakistan's bid to join BRICS"   # default text is the title


def test_backlinks_list_every_linking_brief(built):
    referenced = built.html("briefs/trade.html").find(id="brief-backlinks").find_parent("section")
    titles = [a.get_text() for a in referenced.select("a")]
    assert titles == ["Pakistan's bid to join BRICS", "The peace summit at Bürgenstock"]
    summit = built.html("briefs/summit.html").find(id="brief-backlinks").find_parent("section")
    assert [a.get_text() for a in summit.select("a")] == ["Russia and Pakistan trade under sanctions"]
    assert built.html("briefs/overview.html").find(id="brief-backlinks") is None


def test_related_puts_declared_first_then_shared_names(built):
    related = built.html("briefs/trade.html").find(id="brief-related").find_parent("section")
    titles = [a.get_text() for a in related.select("a.brief-card-title")]
    assert titles[0] == "Overview"
    assert "Pakistan's bid to join BRICS" in titles


def test_citations_number_sources_and_link_to_them(built):
    page = built.html("briefs/trade.html")
    cites = page.select(".prose sup.cite a")
    assert [(a.get_text(), a["href"]) for a in cites] == [("1", "#src-ki"), ("2", "#src-ap"), ("1", "#src-ki")]
    sources = page.find(id="brief-sources").find_parent("section").select("li")
    assert [li["id"] for li in sources] == ["src-ki", "src-ap"]
    assert sources[0].select_one("a[href^='https:']")["href"] == "https://kyivindependent.com/a"
    # Each source links back to every citation of it, and each citation has that id.
    assert [a["href"] for a in sources[0].select(".cited-at a")] == ["#cite-ki-1", "#cite-ki-2", "#cite-ki-figure-1"]
    assert page.find(id="cite-ki-figure-1").find_parent("figure") is not None      # the key-figure card cites it too
    assert [a.get("id") for a in cites] == ["cite-ki-1", "cite-ap-1", "cite-ki-2"]


def test_brief_page_shows_dates_figures_events_and_neighbours(built):
    text = built.text("briefs/trade.html")
    assert "Published 19 September 2024" in text and "Updated 1 October 2024" in text
    assert "$1 billion Bilateral trade, 2023" in text
    card = built.html("briefs/trade.html").select_one(".figure-card figcaption")
    assert [c.get("class") for c in card.find_all("span", recursive=False)] == [["figure-label"], ["figure-note"]]
    assert card.select_one(".figure-label sup.cite") is not None      # the source marker ends the label
    assert card.select_one(".figure-note").get_text() == "Calendar year, as reported"
    events = [li.select_one(".event-date").get_text() for li in built.html("briefs/trade.html").select(".event")]
    assert events == ["c. 2023", "18 September 2024", "October 2024"]
    pager = built.html("briefs/trade.html").select_one(".pager")
    assert pager.select_one("[rel=prev]")["href"] == "overview.html"
    assert pager.select_one("[rel=next]")["href"] == "pakistan-brics-bid.html"


def test_timeline_is_complete_ordered_and_keeps_precision(built):
    page = built.html("timeline.html")
    rows = [(li.select_one(".event-date").get_text(), li.select_one(".event-title").get_text())
            for li in page.select("#timeline .event")]
    assert rows == [
        ("2023", "An earlier 2023 event in file order"),   # ties: peace/summit.md sorts before trade.md
        ("c. 2023", "Trade reaches $1 billion"),
        ("November 2023", "Pakistan applies to BRICS"),
        ("15–16 June 2024", "Summit on Peace in Ukraine"),
        ("18 September 2024", "Overchuk and Dar meet in Islamabad"),
        ("October 2024", "BRICS summit in Kazan"),
    ]
    assert [h.get_text() for h in page.select(".year-heading")] == ["2023", "2024"]
    first = page.select_one("#timeline .event")
    assert first.select_one(".event-brief")["href"] == "briefs/summit.html"


def test_events_inherit_the_brief_topics_unless_they_have_their_own(built):
    events = built.html("timeline.html").select("#timeline .event")
    by_title = {e.select_one(".event-title").get_text(): e["data-topics"].split() for e in events}
    assert by_title["Overchuk and Dar meet in Islamabad"] == ["trade", "sanctions"]
    assert by_title["BRICS summit in Kazan"] == ["brics"]


def test_topic_and_entity_pages_gather_briefs_and_events(built):
    dar = built.text("entities/ishaq-dar.html")
    assert "Russia and Pakistan trade under sanctions" in dar
    assert "Overchuk and Dar meet in Islamabad" in dar
    brics = built.html("topics/brics.html")
    assert [a.get_text() for a in brics.select(".brief-card-title")] == ["Pakistan's bid to join BRICS"]
    assert "BRICS summit in Kazan" in built.text("topics/brics.html")


def test_names_that_slug_alike_are_one_entity_with_a_warning(built):
    page = built.html("entities/burgenstock.html")
    assert len(page.select(".brief-card")) == 2
    # The spelling met first in file order (peace/summit.md) is the name; the other is the warning.
    shown = built.err.replace(f"{built.content.as_posix()}/", "")
    assert "trade.md:7: warning: entity 'Bürgenstock' is also spelt 'Burgenstock'" in shown, shown
    assert "also spelt 'Bürgenstock'" not in shown


def test_non_ascii_names_get_ascii_files_and_percent_safe_links(built):
    link = built.html("briefs/trade.html").find("a", string="Россия")
    assert link["href"] == "../entities/rossiia.html"


def test_index_lists_briefs_newest_first_and_links_everything(built):
    page = built.html("index.html")
    titles = [a.get_text() for a in page.select("#latest + .brief-list .brief-card-title")]
    assert titles == ["Pakistan's bid to join BRICS", "Russia and Pakistan trade under sanctions",
                      "Overview", "The peace summit at Bürgenstock"]
    hrefs = {a["href"] for a in page.select("a")}
    assert {"timeline.html", "topics/trade.html", "entities/russia.html"} <= hrefs


def test_front_matter_is_escaped_and_templates_never_evaluate_content(make_site):
    run = make_site({"a.md": brief(title='"Banks & <sanctions>"', summary='"<script>alert(1)</script>"',
                                   body="Math: {{ 7*7 }} and {% if x %}")})
    assert run.code == 0, run.err
    page = run.html("briefs/a.html")
    assert page.h1.get_text() == "Banks & <sanctions>"
    assert page.find("sanctions") is None and not page.select("main script")
    assert "{{ 7*7 }}" in run.text("briefs/a.html")
    assert "49" not in run.text("briefs/a.html")


def test_drafts_are_skipped_unless_asked(make_site, tmp_path):
    files = {"a.md": brief(), "b.md": brief(title="Draft", draft="true")}
    run = make_site(files)
    assert run.code == 0 and not (run.site / "briefs/b.html").exists()
    run = make_site(files, "--drafts")
    assert run.code == 0 and (run.site / "briefs/b.html").exists()


def test_drafts_carry_a_banner_and_stay_out_of_feeds_sitemap_and_exports(make_site):
    files = {"a.md": brief(title="Published", events='[{date: 2024-09-18, title: "Public event"}]'),
             "b.md": brief(title="Unfinished", draft="true", events='[{date: 2024-09-19, title: "Draft event"}]')}
    run = make_site(files, "--drafts", "--site-url", "https://user.github.io/repo/")
    assert run.code == 0, run.err
    draft = run.html("briefs/b.html").select_one("p.draft-banner")
    assert draft is not None and draft.get_text(" ", strip=True).startswith("Draft — not published")
    assert run.html("briefs/a.html").select_one("p.draft-banner") is None
    for export in ("feed.xml", "sitemap.xml", "briefs.json", "timeline.json", "timeline.ics"):
        text = (run.site / export).read_text(encoding="utf-8")
        assert "briefs/a.html" in text or "Published" in text or "Public event" in text, export
        assert "briefs/b.html" not in text and "Unfinished" not in text and "Draft event" not in text, export
    assert "Unfinished" in run.text("index.html")          # still listed where the preview is read


def test_topic_names_start_with_a_capital_unless_written_with_one(make_site):
    run = make_site({"a.md": brief(topics="[trade, BRICS, Ukraine war]", entities="[iPhone maker]")})
    assert run.code == 0, run.err
    page = run.html("briefs/a.html")
    chips = [a.get_text(strip=True) for a in page.select("a[href*='topics/']")]
    assert "Trade" in chips and "BRICS" in chips and "Ukraine war" in chips and "trade" not in chips, chips
    assert run.html("topics/trade.html").h1.get_text(strip=True).endswith("Trade")
    assert (run.site / "topics/trade.html").exists()        # file names and links stay as they are
    assert "iPhone maker" in run.text("entities/iphone-maker.html")


def test_site_url_adds_absolute_sitemap_feed_and_canonical(make_site):
    run = make_site({"a.md": brief()}, "--site-url", "https://user.github.io/repo")
    assert run.code == 0, run.err
    sitemap = (run.site / "sitemap.xml").read_text()
    assert "<loc>https://user.github.io/repo/briefs/a.html</loc>" in sitemap
    feed = (run.site / "feed.xml").read_text()
    assert '<link rel="alternate" type="text/html" href="https://user.github.io/repo/briefs/a.html"/>' in feed
    assert run.html("briefs/a.html").find("link", rel="canonical")["href"] == \
        "https://user.github.io/repo/briefs/a.html"


def test_404_page_inlines_css_and_links_home_absolutely(make_site):
    run = make_site({"a.md": brief()}, "--site-url", "https://user.github.io/repo/")
    page = run.html("404.html")
    assert page.find("link", rel="stylesheet") is None
    assert "--bg" in page.style.get_text()
    assert page.find("a", class_="button")["href"] == "https://user.github.io/repo/index.html"


def test_a_folder_of_bare_briefs_builds_with_defaults(tmp_path, make_site):
    run = make_site({"only.md": "---\ntitle: Only\ndate: 2024-01-02\nsummary: S.\n---\nBody.\n"})
    assert run.code == 0, run.err
    assert broken_links(run.site) == []


def test_a_brief_in_a_right_to_left_language_gets_lang_and_dir(make_site):
    run = make_site({"ur.md": brief(title="'پاکستان اور برکس'", lang="ur"), "en.md": brief(title="English")})
    assert run.code == 0, run.err
    html = run.html("briefs/ur.html").html
    assert html["lang"] == "ur" and html["dir"] == "rtl"
    english = run.html("briefs/en.html").html
    assert english["lang"] == "en" and not english.get("dir")


def test_the_sitemap_leaves_out_pages_that_only_drafts_make(make_site):
    files = {"a.md": brief(title="Published", topics="[trade]"),
             "b.md": brief(title="Unfinished", draft="true", topics="[only-draft]", entities="[Draft Person]")}
    run = make_site(files, "--drafts", "--site-url", "https://user.github.io/repo/")
    assert run.code == 0 and (run.site / "topics/only-draft.html").exists()
    sitemap = (run.site / "sitemap.xml").read_text()
    assert "topics/trade.html" in sitemap and "only-draft" not in sitemap and "draft-person" not in sitemap
