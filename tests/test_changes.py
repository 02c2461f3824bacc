"""Updates and corrections as data (issue 16): validated, shown on the brief and in its
metadata, gathered on corrections.html; and `check --sources`, the editor's report."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from conftest import brief, run_cli

SITE = "https://user.github.io/repo/"
CHANGED = brief(title="Trade talks", date="2024-09-19", sources="[{id: s, title: S}]", body="Text [@s].",
                updates='[{date: 2024-10-25, text: "Added the outcome of the Kazan summit."}]',
                corrections='[{date: 2024-12-01, text: "An earlier version said the two governments signed '
                            'it; the two exchanges did."}, {date: 2024-11-02, text: "Fixed a date."}]')


@pytest.fixture
def built(make_site, tmp_path):
    (tmp_path / "site.yml").write_text("title: Test site\ncorrections_policy: We correct *errors* quickly.\n")
    run = make_site({"a.md": CHANGED, "b.md": brief(title="Plain", date="2024-09-01")}, "--site-url", SITE)
    assert run.code == 0, run.err
    return run


def test_a_corrected_brief_says_so_at_the_top_and_lists_its_changes(built):
    page = built.html("briefs/a.html")
    notices = [(p.get_text(" ", strip=True), p.a["href"]) for p in page.select(".change-notice")]
    assert notices == [("Corrected on 1 December 2024", "#change-2"), ("Updated on 25 October 2024", "#change-1")]
    log = [li.get_text(" ", strip=True) for li in page.select(".change-log li")]
    assert log[0].startswith("Correction , 1 December 2024") or log[0].startswith("Correction, 1 December 2024")
    assert [li["id"] for li in page.select(".change-log li")] == ["change-2", "change-3", "change-1"]
    assert "Changes" in [a.get_text() for a in page.select(".toc a")] or not page.select(".toc")
    assert not built.html("briefs/b.html").select(".change-notice, .change-log")


def test_the_newest_change_is_the_modified_date_everywhere(built):
    data = json.loads(built.html("briefs/a.html").find("script", type="application/ld+json").string)
    assert data["dateModified"] == "2024-12-01"
    assert data["correction"] == [
        {"@type": "CorrectionComment", "text": "An earlier version said the two governments signed it; the two "
                                               "exchanges did.", "datePublished": "2024-12-01"},
        {"@type": "CorrectionComment", "text": "Fixed a date.", "datePublished": "2024-11-02"}]
    assert data["publisher"]["correctionsPolicy"] == SITE + "corrections.html"
    feed = ET.parse(built.site / "feed.xml").getroot()
    atom = "{http://www.w3.org/2005/Atom}"
    updated = {e.find(atom + "title").text: e.find(atom + "updated").text for e in feed.iter(atom + "entry")}
    assert updated["Trade talks"] == "2024-12-01T00:00:00Z"
    sitemap = (built.site / "sitemap.xml").read_text()
    assert f"<loc>{SITE}briefs/a.html</loc>\n    <lastmod>2024-12-01</lastmod>" in sitemap or \
        "<lastmod>2024-12-01</lastmod>" in sitemap
    assert f"<loc>{SITE}corrections.html</loc>" in sitemap


def test_corrections_page_lists_every_correction_newest_first_and_every_page_links_it(built):
    page = built.html("corrections.html")
    items = page.select("ol.corrections li")
    assert [li.time["datetime"] for li in items] == ["2024-12-01", "2024-11-02"]
    assert items[0].a["href"] == "briefs/a.html#change-2"
    assert "We correct errors quickly." in page.get_text(" ", strip=True)
    for name in ("index.html", "briefs/b.html", "timeline.html", "topics.html"):
        footer = built.html(name).select_one("footer")
        assert footer.select_one("a[href$='corrections.html']").get_text() == "Corrections", name
        assert footer.em.get_text() == "errors", name                  # the policy, as Markdown


@pytest.mark.parametrize("field, message", [
    ('corrections: [{date: 2024-09-01, text: "Too early."}]',
     "corrections[0].date: 2024-09-01 is before the brief's date 2024-09-19"),
    ('updates: [{date: 2024-10, text: "Month only."}]', "updates[0].date: '2024-10' must be a full date"),
    ("updates: [{date: 2024-10-01}]", "updates[0].text: is required"),
    ("corrections: [{text: No date}]", "corrections[0].date: is required"),
    ('corrections: [{date: 2024-10-01, text: ""}]', "corrections[0].text: is empty"),
    ('updates: [{date: 2024-10-01, text: "   "}]', "updates[0].text: is empty"),
    ('updated: 2024-12-05\nupdates: [{date: 2024-10-01, text: "Older."}]',
     "updated: 2024-12-05 is after the newest update or correction (2024-10-01)"),
])
def test_bad_change_entries_are_errors_with_file_and_line(make_site, field, message):
    key, _, value = field.partition(": ")
    text = brief(title="T", date="2024-09-19", **{key: value}) if "\n" not in field else \
        brief(title="T", date="2024-09-19").replace("---\n\n", field + "\n---\n\n", 1)
    run = make_site({"a.md": text})
    assert run.code == 1 and message in run.err, run.err


def test_check_sources_reports_citation_coverage_and_writes_nothing(make_site, tmp_path):
    body = ("Cited claim [@a].\n\nTwo sources here [@a; @b].\n\n*Analysis:* a view of our own.\n\n"
            "A bare claim with no source.\n")
    run = make_site({"x.md": brief(title="X", sources="[{id: a, title: A}, {id: b, title: B}, {id: c, title: C}]",
                                   body=body)}, command="check")
    assert run.code == 0, run.err
    before = sorted(p.name for p in tmp_path.rglob("*"))
    code, out, err = run_cli("check", "--sources", "--content", str(run.content),
                             "--config", str(tmp_path / "site.yml"))
    assert code == 0, err
    assert "paragraphs: 2 cited, 1 labelled analysis, 1 uncited (lines 14)" in out, out
    assert "listed but never cited: c" in out
    assert "line 8: rests on [@a] alone: Cited claim." in out
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
    broken = run_cli("check", "--sources", "--content", str(run.content.parent / "nope"),
                     "--config", str(tmp_path / "site.yml"))
    assert broken[0] == 0 and "No sourcing report" in broken[2]      # a report, never a gate


def test_check_sources_writes_nothing_at_all_and_finds_lines_past_apostrophes(tmp_path):
    body = ("The summit's first day [@a].\n\nA full-scale war began [@a].\n\nNon-Western states stayed "
            "away, with no source.\n")
    content = tmp_path / "content"
    content.mkdir()
    (content / "x.md").write_text(brief(title="X", sources="[{id: a, title: A}]", body=body))
    (tmp_path / "site.yml").write_text("title: T\n")
    before = sorted(p.as_posix() for p in tmp_path.rglob("*"))
    code, out, err = run_cli("check", "--sources", "--content", str(content), "--config", str(tmp_path / "site.yml"))
    assert code == 0, err
    assert sorted(p.as_posix() for p in tmp_path.rglob("*")) == before          # not even the build cache
    assert "1 uncited (lines 12)" in out and "line 10: rests on [@a] alone: A full-scale war" in out, out
