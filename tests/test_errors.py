"""Every kind of bad input is reported as file:line: message, all at once, and
a failed build leaves the previous output exactly as it was."""
from __future__ import annotations

import pytest

from conftest import brief, copy_project, run_cli, write_files

GOOD = brief(title="Good", body="Fine.")


def problems(run) -> list[str]:
    """Error lines with the temporary content folder cut out of every path."""
    lines = run.err.replace(f"{run.content.as_posix()}/", "").splitlines()
    return [line for line in lines[1:] if ": warning: " not in line]


CASES = [
    pytest.param({"a.md": "---\ntitle: A\ndate: 2024-01-01\nsummary: [unclosed\n---\nx\n"},
                 "a.md:5: YAML error:", id="bad-yaml-with-line"),
    pytest.param({"a.md": "---\ntitle: A\ndate: 2024-01-01\n---\nx\n"},
                 "a.md:2: summary: is required; add 'summary: ...'", id="missing-field"),
    pytest.param({"a.md": brief(date="2024-02-30")},
                 "a.md:3: date: '2024-02-30' is not a real date: February 2024 has 29 days", id="impossible-date"),
    pytest.param({"a.md": brief(events='[{date: "2024-13", title: X}]')},
                 "a.md:5: events[0].date: '2024-13' has no month 13; months run from 01 to 12", id="bad-month"),
    pytest.param({"a.md": brief(date="2024-09")},
                 "a.md:3: date: '2024-09' must be a full date, YYYY-MM-DD", id="partial-publication-date"),
    pytest.param({"a.md": brief(date="yesterday")},
                 "a.md:3: date: 'yesterday' is not YYYY, YYYY-MM or YYYY-MM-DD", id="date-not-a-date"),
    pytest.param({"a.md": GOOD, "b/a.md": GOOD},
                 "b/a.md:1: slug 'a' is also used by", id="duplicate-slug"),
    pytest.param({"a.md": brief(body="Text.\n\nSee [[tarde]].\n"), "trade.md": GOOD},
                 "a.md:9: link '[[tarde]]': no brief with slug 'tarde'; did you mean 'trade'?", id="broken-wikilink"),
    pytest.param({"a.md": brief(body="See [x](missing.md).\n"), "mising.md": GOOD},
                 "a.md:7: link 'missing.md': no brief at missing.md in the content folder; did you mean 'mising.md'?",
                 id="broken-md-link"),
    pytest.param({"a.md": brief(body="One.\n\nSee [[b#histroy]].\n"), "b.md": brief(body="## History\n")},
                 "a.md:9: link '[[b#histroy]]': b.md has no heading with id 'histroy'; did you mean 'history'?",
                 id="broken-anchor"),
    pytest.param({"a.md": brief(body="Claim [@nope].\n", sources='[{id: yes, title: T}]')},
                 "a.md:8: citation [@nope]: no source with that id in this brief's sources", id="unknown-citation"),
    pytest.param({"a.md": brief(body="See [[b]].\n"), "b.md": brief(draft="true")},
                 "a.md:7: link '[[b]]' points at the draft b.md", id="link-to-draft"),
    pytest.param({"a.md": brief(related="[nothere]")},
                 "a.md:5: related: no brief with slug 'nothere'", id="unknown-related"),
    pytest.param({"a.md": brief(slug='"Bad Slug"')},
                 "a.md:5: slug: the slug gives the slug 'Bad Slug'", id="bad-slug"),
    pytest.param({"a.md": brief(sources='[{id: s, title: T, url: "javascript:alert(1)"}]')},
                 "a.md:5: sources[0].url: 'javascript:alert(1)' is not an http, https or mailto address",
                 id="javascript-url"),
    pytest.param({"a.md": brief(events='[{date: 2024-06-16, end: 2024-06-15, title: X}]')},
                 "a.md:5: events[0].end: 2024-06-15 is before the event's start 2024-06-16", id="range-backwards"),
    pytest.param({"a.md": brief(events='[{date: 2024}]')},
                 "a.md:5: events[0].title: is required", id="event-without-title"),
    pytest.param({"a.md": "no front matter\n"},
                 "a.md:1: no front matter", id="no-front-matter"),
    pytest.param({"a.md": "---\ntitle: x\n"},
                 "a.md:1: front matter is never closed", id="unclosed-front-matter"),
    pytest.param({"a.md": b"---\ntitle: caf\xe9\n---\n"},
                 "a.md:2: is not valid UTF-8 (byte 0xe9)", id="not-utf8"),
    pytest.param({"a.md": "---\na: &x [1]\nb: *x\n---\n"},
                 "a.md:3: b: YAML anchors and aliases", id="yaml-alias"),
    pytest.param({"a.md": brief(figures='[{label: L, value: V, source: nope}]')},
                 "a.md:5: figures[0].source: no source with id 'nope'", id="figure-unknown-source"),
    pytest.param({"a.md": brief(events='[{id: kazan, date: 2024-10-22, title: "Kazan summit"}]'),
                  "b.md": brief(title="B", events='[{id: kazan, date: 2024-10-23, title: "Kazan summit"}]')},
                 "b.md:5: events: the event 'kazan' has date 2024-10-23 here but 2024-10-22 in ",
                 id="shared-dates-differ"),
    pytest.param({"a.md": brief(events='[{id: kazan, date: 2024-10-22, title: "Kazan summit"}]'),
                  "b.md": brief(title="B", events='[{id: kazan, date: 2024-10-22, title: "Summit in Kazan"}]')},
                 "b.md:5: events: the event 'kazan' has title 'Summit in Kazan' here but 'Kazan summit' in ",
                 id="shared-titles-differ"),
    pytest.param({"a.md": brief(events='[{id: kazan-summit-2024, date: 2024-10-22, title: K}]'),
                  "b.md": brief(title="B", events='[{ref: kazan-sumit-2024}]')},
                 "b.md:5: events: ref 'kazan-sumit-2024': no event has that id; did you mean 'kazan-summit-2024'?",
                 id="unknown-ref"),
    pytest.param({"a.md": brief(events='[{id: "Kazan Summit", date: 2024-10-22, title: K}]')},
                 "a.md:5: events[0].id: 'Kazan Summit' is not lowercase letters, digits and single hyphens; use e.g. "
                 "'kazan-summit'", id="bad-event-id"),
    pytest.param({"a.md": brief(events='[{ref: kazan, date: 2024-10-22}]'),
                  "b.md": brief(title="B", events='[{id: kazan, date: 2024-10-22, title: K}]')},
                 "a.md:5: events[0].date: an event given by 'ref:' takes everything", id="ref-with-a-date"),
    pytest.param({"a.md": brief(events='[{id: kazan, date: 2024-10, title: K}]'),
                  "b.md": brief(title="B", events='[{id: kazan, date: 2024-10, title: K, circa: true}]')},
                 "b.md:5: events: the event 'kazan' has circa true here but false in ", id="shared-circa-differs"),
    pytest.param({"a.md": brief(events='[{ref: ""}]')},
                 "a.md:5: events[0].ref: is empty; give the event's id", id="empty-ref"),
    pytest.param({"a.md": brief(events='[{id: "", date: 2024-10-22, title: K}]')},
                 "a.md:5: events[0].id: is empty; give the event's id (lowercase letters, digits and hyphens, "
                 "e.g. 'kazan-summit-2024'), or remove 'id'", id="empty-event-id"),
]


@pytest.mark.parametrize("files, expected", CASES)
def test_bad_input_is_reported_with_file_and_line(make_site, files, expected):
    run = make_site(files)
    assert run.code == 1, run.err
    assert any(line.startswith(expected) for line in problems(run)), run.err
    assert not run.site.exists()


def test_every_problem_is_listed_at_once(make_site):
    run = make_site({"a.md": brief(date="2024-02-30", body="[[nope]]"), "b.md": "---\ntitle: B\n---\n"})
    assert run.code == 1
    found = problems(run)
    assert len(found) == 4, found       # bad date, broken link, two missing fields
    assert run.err.startswith("4 problems found; nothing was written:")


def test_unknown_keys_are_warnings_not_errors(make_site):
    run = make_site({"a.md": brief(colour="red")})
    assert run.code == 0
    assert "a.md:5: warning: colour: unknown key 'colour' is ignored" in run.err


def test_failed_build_leaves_previous_output_untouched(make_site):
    good = make_site({"a.md": brief(body="Version one.")})
    assert good.code == 0
    before = {p: p.read_bytes() for p in sorted(good.site.rglob("*")) if p.is_file()}
    bad = make_site({"a.md": brief(body="Version two [[missing]].")})
    assert bad.code == 1
    after = {p: p.read_bytes() for p in sorted(good.site.rglob("*")) if p.is_file()}
    assert after == before
    assert not list(good.site.parent.glob(".site.tmp-*"))


def test_refuses_an_output_folder_it_did_not_make(make_site, tmp_path):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.txt").write_text("irreplaceable")
    run = make_site({"a.md": GOOD}, out=precious)
    assert run.code == 2
    assert "not made by Explainer" in run.err
    assert [p.name for p in precious.iterdir()] == ["thesis.txt"]


@pytest.mark.parametrize("where", ["content", "project-root"])
def test_refuses_to_write_over_the_content_or_project(make_site, tmp_path, where):
    from conftest import PROJECT
    out = tmp_path / "content" if where == "content" else PROJECT
    run = make_site({"a.md": GOOD}, out=out)
    assert run.code == 2, run.err
    assert "refusing to write the site" in run.err
    assert (tmp_path / "content" / "a.md").exists()


def test_check_validates_and_writes_nothing(make_site, tmp_path):
    run = make_site({"a.md": GOOD}, command="check")
    assert run.code == 0, run.err
    assert "OK: 1 briefs" in run.out
    assert not (tmp_path / "site").exists()
    run = make_site({"b.md": brief(body="[[zzz]]")}, command="check")
    assert run.code == 1 and "b.md:7: link '[[zzz]]'" in run.err


def test_template_error_names_the_template(tmp_path):
    project = copy_project(tmp_path / "project")
    (project / "templates" / "timeline.html").write_text("{% extends 'base.html' %}{% block content %}"
                                                         "\n{{ no_such_name }}{% endblock %}")
    write_files(tmp_path / "content", {"a.md": GOOD})
    code, _, err = run_cli("build", "--content", str(tmp_path / "content"), "--out", str(tmp_path / "out"),
                           project=project)
    assert code == 1
    assert "templates/timeline.html:2: template error: 'no_such_name' is undefined" in err


# -- the root cause first (issue 12) ---------------------------------------------------------

def test_links_to_a_brief_with_broken_yaml_follow_from_its_error(make_site):
    """One YAML mistake in x.md: its error comes first, and the links to x are listed under
    it as following from it, not as missing briefs of their own."""
    run = make_site({"x.md": "---\ntitle: Broken: colon\ndate: 2024-01-01\nsummary: S.\n---\nx\n",
                     "a.md": brief(title="A", body="See [[x]] and [the file](x.md)."),
                     "b.md": brief(title="B", body="Also [[x#part]].", related="[x]")})
    assert run.code == 1
    lines = run.err.replace(f"{run.content.as_posix()}/", "").splitlines()
    assert lines[0] == "1 problem (and 4 that follow from it) found; nothing was written:", run.err
    assert lines[1].startswith("x.md:2: YAML error:"), run.err
    followers = lines[2:]
    assert len(followers) == 4 and all(line.startswith("  ") for line in followers), run.err
    assert all("because x.md has an error" in line for line in followers), run.err
    assert "no brief with slug" not in run.err


def test_a_renamed_brief_gets_one_hint_with_the_fix(make_site):
    """Renaming old-name.md (linked from three briefs) to new-name.md: the first line says
    which file looks renamed and the one-line fix; the broken links are listed under it."""
    files = {"new-name.md": brief(title="Renamed"),
             "a.md": brief(title="A", body="See [[old-name]]."),
             "b.md": brief(title="B", body="See [[old-name]]."),
             "c.md": brief(title="C", related="[old-name]")}
    run = make_site(files)
    assert run.code == 1
    lines = run.err.replace(f"{run.content.as_posix()}/", "").splitlines()
    assert lines[1] == ("new-name.md:1: looks like a rename of 'old-name': add `slug: old-name` to its front "
                        "matter to keep the links to it working"), run.err
    assert len(lines) == 5 and all(line.startswith("  ") and "(see the rename above)" in line
                                   for line in lines[2:]), run.err
    files["new-name.md"] = brief(title="Renamed", slug="old-name")     # the fix it names
    assert make_site(files).code == 0


def test_a_single_mistyped_link_is_a_typo_not_a_rename(make_site):
    run = make_site({"a.md": brief(body="See [[tarde]]."), "trade.md": GOOD})
    assert "did you mean 'trade'?" in run.err and "rename" not in run.err


def test_a_rename_since_the_last_good_build_is_hinted_even_for_one_link(make_site):
    """With the last good site at hand (the build cache), a slug that disappeared and a
    file that appeared are paired, even when only one brief links to the old slug."""
    assert make_site({"a.md": brief(body="See [[sco-summit]]."), "sco-summit.md": GOOD}).code == 0
    run = make_site({})
    assert run.code == 0
    (run.content / "sco-summit.md").rename(run.content / "islamabad-meeting.md")
    run = make_site({})
    assert run.code == 1
    assert "hint: " in run.err and "islamabad-meeting.md looks like a rename of 'sco-summit': add " \
                                   "`slug: sco-summit` to it to keep the links working" in run.err, run.err
    first = run.err.splitlines()[0]
    assert first.startswith("hint: "), run.err


@pytest.mark.parametrize("key, meant", [("tags", "topics"), ("topcis", "topics"), ("Summary", "summary"),
                                        ("entites", "entities"), ("colour", None)])
def test_an_unknown_key_names_the_key_it_probably_means(make_site, key, meant):
    run = make_site({"a.md": brief(**{key: "[x]"})}, command="check")
    assert run.code == 0
    if meant:
        assert f"unknown key '{key}' is ignored; did you mean '{meant}'?" in run.err, run.err
    else:
        assert f"unknown key '{key}' is ignored (known keys: title, date," in run.err, run.err


def test_check_strict_with_warnings_fails_without_saying_ok(make_site):
    run = make_site({"a.md": brief(tags="[trade]")}, command="check")
    assert run.code == 0 and run.out.startswith("OK") and "warning" in run.err
    run = make_site({}, "--strict", command="check")
    assert run.code == 1
    assert "OK" not in run.out and "warning:" not in run.err, (run.out, run.err)
    assert "a.md:5: tags: unknown key 'tags' is ignored; did you mean 'topics'?" in run.err.replace(
        f"{run.content.as_posix()}/", ""), run.err
    assert "check --strict failed: 1 warning counted as an error" in run.err


def test_links_to_a_brief_not_yet_written_are_not_blamed_on_a_new_draft(make_site):
    run = make_site({"a.md": brief(title="A", body="See [[brics-summit-2025]]."),
                     "b.md": brief(title="B", body="Also [[brics-summit-2025]]."),
                     "brics-summit-2024.md": brief(title="Draft", draft="true")})
    assert run.code == 1 and "rename" not in run.err, run.err
    assert "no brief with slug 'brics-summit-2025'" in run.err


def test_two_close_candidates_give_no_rename_hint(make_site):
    run = make_site({"a.md": brief(title="A", body="See [[pakistan-brics-bid]]."),
                     "b.md": brief(title="B", related="[pakistan-brics-bid]"),
                     "pakistan-bid.md": brief(title="Renamed"), "pakistan-brics.md": brief(title="Another")})
    assert run.code == 1 and "looks like a rename" not in run.err, run.err


def test_a_published_brief_linking_a_draft_is_a_warning_when_drafts_are_shown(make_site):
    files = {"a.md": brief(title="A", body="See [[d]]."), "d.md": brief(title="D", draft="true")}
    assert make_site(files).code == 1
    run = make_site(files, "--drafts")
    assert run.code == 0 and "warning: link '[[d]]' points at the draft" in run.err, run.err
    assert "'build' without drafts will fail" in run.err


def test_check_strict_shows_warnings_as_errors_beside_errors(make_site):
    run = make_site({"a.md": brief(tags="[x]", body="[[nope]]")}, "--strict", command="check")
    assert run.code == 1 and "warning:" not in run.err and "unknown key 'tags'" in run.err, run.err
    assert "2 problems found:" in run.err
