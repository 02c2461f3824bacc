"""The shipped content: complete, sourced, cross-linked, and valid with no warnings."""
from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

from explainer.inputs import declared_inputs, take_snapshot
from explainer.load import load_content
from explainer.options import Options

from conftest import PROJECT, run_cli
from sitecheck import broken_links

CONTENT = PROJECT / "content"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("shipped") / "site"
    code, _, err = run_cli("build", "--out", str(out))
    assert code == 0, err
    return out


@pytest.fixture(scope="module")
def briefs():
    snapshot = take_snapshot(declared_inputs(Options(project=PROJECT, content=CONTENT, out=PROJECT / "site")))
    loaded = load_content(CONTENT, snapshot.of("content"))
    assert loaded.problems == ()
    return loaded.briefs


def soup(path):
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def test_check_passes_with_no_warnings():
    code, out, err = run_cli("check", "--strict")
    assert code == 0, err
    assert err == "" and "warnings" not in out


def test_at_least_ten_briefs_of_400_to_900_words(briefs):
    assert len(briefs) >= 10
    for brief in briefs:
        words = len(brief.body.split())
        assert 400 <= words <= 900, (brief.path, words)


def test_every_brief_has_sources_and_cites_them(briefs, site):
    for brief in briefs:
        assert brief.sources, brief.path
        page = soup(site / "briefs" / f"{brief.slug}.html")
        cited = {a["href"] for a in page.select(".prose sup.cite a")}
        assert cited, f"{brief.path} cites nothing inline"
        assert all(page.find(id=href[1:]) for href in cited)
        assert "?" not in {a.get_text() for a in page.select("sup.cite a")}


def test_every_brief_links_to_two_others_and_is_linked_from_one(briefs, site):
    slugs = {b.slug for b in briefs}
    for brief in briefs:
        page = soup(site / "briefs" / f"{brief.slug}.html")
        links = page.select(".prose a[href$='.html'], .prose a[href*='.html#']")
        targets = {a["href"].split("#")[0][:-5] for a in links}
        assert len((targets & slugs) - {brief.slug}) >= 2, brief.path
        assert page.find(id="brief-backlinks"), f"nothing links to {brief.path}"


def test_every_event_is_on_the_timeline_at_a_valid_precision(briefs, site):
    events = [e for b in briefs for e in b.events]
    assert len(events) >= 15
    shown = soup(site / "timeline.html").select("#timeline .event")
    assert len(shown) == len([e for e in events if not e.id]) + len({e.id for e in events if e.id})   # shared once
    patterns = {"year": r"\d{4}", "month": r"\d{4}-\d{2}", "day": r"\d{4}-\d{2}-\d{2}"}
    for item in shown:
        time = item.select_one("time")
        assert re.fullmatch(patterns[time["data-precision"]], time["datetime"]), time
    titles = {e.title for e in events}
    assert titles == {item.select_one(".event-title").get_text() for item in shown}


def test_at_least_25_events_each_at_the_precision_its_brief_states(briefs, site):
    """The timeline shows each event at exactly the precision of the date as written in
    its brief's front matter (2024 a year, 2024-10 a month, 2024-10-22 a day)."""
    import yaml
    stated = {}
    for brief in briefs:
        front = (CONTENT / brief.rel_path).read_text(encoding="utf-8").split("\n---", 1)[0].split("---", 1)[1]
        for event in yaml.safe_load(front).get("events") or []:
            if "ref" in event:          # told in full by another brief
                continue
            text = str(event["date"])
            stated[event["title"]] = {4: "year", 7: "month", 10: "day"}[len(text)]
    assert len(stated) >= 25, len(stated)
    shown = {item.select_one(".event-title").get_text(): item.select_one("time")["data-precision"]
             for item in soup(site / "timeline.html").select("#timeline .event")}
    assert shown == stated


def test_every_citation_names_a_source_of_its_brief(briefs):
    for brief in briefs:
        ids = {source.id for source in brief.sources}
        cited = {part.strip()[1:] for group in re.findall(r"\[(@[^\]]+)\]", brief.body)
                 for part in group.split(";")}
        assert cited <= ids, (brief.path, cited - ids)
        assert cited, brief.path


def test_default_build_has_no_broken_links(site):
    assert broken_links(site) == []


def test_index_introduces_the_site_and_says_where_to_start(site):
    page = soup(site / "index.html")
    assert len(page.select(".intro p")) >= 1
    assert len(page.select(".start-here .brief-card")) >= 2
