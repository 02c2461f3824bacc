"""A catalogue of bad and odd inputs, each with the message it must produce.

Every error names the file, the line where there is one, and what to do about it;
inputs that are merely unusual (a BOM, CRLF line ends, a 10 MB brief, a link cycle)
build normally."""
from __future__ import annotations

import os
import time

import pytest

from conftest import brief, copy_project, run_cli, write_files

GOOD = brief(title="Good", body="Fine.")
NESTED = "---\ntitle: T\ndate: 2024-01-01\nsummary: S\ntopics: " + "[" * 30 + "]" * 30 + "\n---\n"
LAUGHS = "---\ntitle: T\ndate: 2024-01-01\nsummary: S\na: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
    for i in range(8)) + "---\n"

# (id, files, expected start of the problem line, words of the fix that must follow)
CATALOGUE = [
    ("non-utf8", {"a.md": b"---\ntitle: caf\xe9\n---\n"}, "a.md:2: is not valid UTF-8", "save the file as UTF-8"),
    ("empty-file", {"a.md": ""}, "a.md: is empty", "needs front matter"),
    ("whitespace-only", {"a.md": "  \n\n"}, "a.md: is empty", "needs front matter"),
    ("no-front-matter", {"a.md": "# Just a heading\n"}, "a.md:1: no front matter", "starts with a line '---'"),
    ("unclosed-front-matter", {"a.md": "---\ntitle: x\n"}, "a.md:1: front matter is never closed",
     "add a line '---'"),
    ("tabs-in-yaml", {"a.md": "---\ntitle: T\ndate: 2024-01-01\nsummary: S\ntopics:\n\t- a\n---\n"},
     "a.md:6: YAML error", "use spaces"),
    ("bad-yaml", {"a.md": "---\ntitle: [unclosed\ndate: 2024-01-01\n---\n"}, "a.md:", "check the indentation"),
    ("front-matter-is-a-list", {"a.md": "---\n- a\n- b\n---\n"}, "a.md:2: front matter must be a mapping",
     "'title: ...'"),
    ("billion-laughs", {"a.md": LAUGHS}, "a.md:", "write the value out"),
    ("deeply-nested", {"a.md": NESTED}, "a.md:5: topics: nested more than", "flat lists"),
    ("missing-title", {"a.md": "---\ndate: 2024-01-01\nsummary: S\n---\n"}, "a.md:2: title: is required",
     "add 'title: ...'"),
    ("title-is-a-list", {"a.md": brief(title="[a, b]")}, "a.md:2: title: must be text, not a list", "text"),
    ("impossible-date", {"a.md": brief(date="2024-02-30")}, "a.md:3: date: '2024-02-30' is not a real date",
     "has 29 days"),
    ("date-is-a-word", {"a.md": brief(date="soon")}, "a.md:3: date:", "YYYY-MM-DD"),
    ("date-is-boolean", {"a.md": brief(date="true")}, "a.md:3: date:", "YYYY-MM-DD"),
    ("updated-before-date", {"a.md": brief(updated="2024-01-01")}, "a.md:5: updated: 2024-01-01 is before",
     "same day or later"),
    ("range-backwards", {"a.md": brief(events="[{date: 2024-06-16, end: 2024-06-15, title: X}]")},
     "a.md:5: events[0].end:", "swap them"),
    ("event-without-title", {"a.md": brief(events="[{date: 2024}]")}, "a.md:5: events[0].title: is required",
     "add 'title: ...'"),
    ("events-not-a-list", {"a.md": brief(events="yesterday")}, "a.md:5: events: must be a list of mappings",
     "mappings"),
    ("slug-with-slash", {"a.md": brief(slug="'x/y'")}, "a.md:5: slug:", "slug: x-y"),
    ("slug-with-dots", {"a.md": brief(slug="'../etc'")}, "a.md:5: slug:", "slug: etc"),
    ("slug-with-spaces", {"a.md": brief(slug="'my brief'")}, "a.md:5: slug:", "slug: my-brief"),
    ("slug-uppercase", {"a.md": brief(slug="Brief")}, "a.md:5: slug:", "slug: brief"),
    ("file-name-not-a-slug", {"My Brief.md": GOOD}, "My Brief.md:2: slug: the file name gives", "slug: my-brief"),
    ("two-files-one-slug", {"a.md": GOOD, "sub/b.md": brief(slug="a")}, "sub/b.md:5: slug 'a' is also used by",
     "rename one file"),
    ("broken-wikilink", {"a.md": brief(body="[[nowhere]]")}, "a.md:7: link '[[nowhere]]'", "write that brief"),
    ("broken-anchor", {"a.md": brief(body="[[b#nope]]"), "b.md": GOOD}, "a.md:7: link '[[b#nope]]'",
     "what-was-decided"),
    ("unknown-citation", {"a.md": brief(body="Claim [@ghost].")}, "a.md:7: citation [@ghost]",
     "add it under sources"),
    ("duplicate-source-id", {"a.md": brief(sources="[{id: s, title: A}, {id: s, title: B}]")},
     "a.md:5: sources[1].id:", "its own id"),
    ("javascript-source-url", {"a.md": brief(sources="[{id: s, title: T, url: 'javascript:alert(1)'}]")},
     "a.md:5: sources[0].url:", "web address"),
    ("data-source-url", {"a.md": brief(sources="[{id: s, title: T, url: 'data:text/html,<b>x</b>'}]")},
     "a.md:5: sources[0].url:", "web address"),
    ("draft-is-not-boolean", {"a.md": brief(draft="maybe")}, "a.md:5: draft: must be true or false", "true or"),
    ("lang-not-a-tag", {"a.md": brief(lang="'english please'")}, "a.md:5: lang:", "'en'"),
    ("related-missing", {"a.md": brief(related="[nothere]")}, "a.md:5: related: no brief", "existing briefs"),
    ("link-to-draft", {"a.md": brief(body="[[b]]"), "b.md": brief(draft="true")}, "a.md:7: link '[[b]]' points",
     "--drafts"),
]


@pytest.mark.parametrize("files, expected, fix", [pytest.param(f, e, x, id=i) for i, f, e, x in CATALOGUE])
def test_bad_input_gets_a_clear_message_with_its_fix(make_site, files, expected, fix):
    run = make_site(files)
    assert run.code == 1, run.err
    lines = run.err.replace(f"{run.content.as_posix()}/", "").splitlines()
    matching = [line for line in lines if line.startswith(expected)]
    assert matching, run.err
    assert any(fix in line for line in matching), run.err
    assert "Traceback" not in run.err
    assert not run.site.exists()


def test_the_catalogue_holds_35_distinct_cases():
    """Each case has its own name and its own input: no case repeats another."""
    assert len(CATALOGUE) >= 35
    assert len({name for name, *_ in CATALOGUE}) == len(CATALOGUE)
    assert len({repr(sorted(files.items())) for _, files, *_ in CATALOGUE}) == len(CATALOGUE)


def test_symlink_outside_the_content_folder_is_refused(make_site, tmp_path):
    outside = tmp_path / "outside.md"
    outside.write_text(GOOD)
    (tmp_path / "content").mkdir()
    os.symlink(outside, tmp_path / "content" / "leak.md")
    run = make_site({"a.md": GOOD})
    assert run.code == 1
    assert "leak.md: is a symbolic link to a file outside the content folder; copy the file in instead" in run.err


def test_template_with_a_syntax_error_names_template_and_line(tmp_path):
    project = copy_project(tmp_path / "project")
    (project / "templates" / "group.html").write_text("{% extends 'base.html' %}\n{% block content %}\n"
                                                       "{% for x in %}{% endblock %}\n")
    write_files(tmp_path / "content", {"a.md": brief(topics="[t]")})
    code, _, err = run_cli("build", "--content", str(tmp_path / "content"), "--out", str(tmp_path / "out"),
                           project=project)
    assert code == 1
    assert "templates/group.html:3: template syntax error" in err


# -- odd but fine -------------------------------------------------------------------------

def test_a_utf8_bom_and_crlf_line_ends_build_normally(make_site):
    text = brief(title="Windows file", body="Line one.\n\n## Part\n\nSee [[b#part]].")
    files = {"a.md": "\ufeff" + text.replace("\n", "\r\n"), "b.md": brief(title="B", body="## Part\n\nx")}
    run = make_site({name: body.encode("utf-8") for name, body in files.items()})
    assert run.code == 0, run.err
    assert run.html("briefs/a.html").h1.get_text() == "Windows file"


def test_a_link_cycle_and_a_self_link_build(make_site):
    run = make_site({"a.md": brief(body="[[b]] and [[a]]"), "b.md": brief(title="B", body="[[a]]")})
    assert run.code == 0, run.err
    assert "link '[[a]]' points at this brief itself" in run.err      # a warning, not an error


def test_a_10_mb_brief_builds_in_bounded_time(make_site):
    words = "Trade between the two countries grew again this year, officials said, despite the limits. "
    paragraph = words * 6 + "See [[b]] for the background [@s].\n\n"
    body = "## Start\n\n" + paragraph * (10_000_000 // len(paragraph))
    big = brief(title="Big", body=body, sources="[{id: s, title: T}]")
    started = time.monotonic()
    run = make_site({"big.md": big, "b.md": brief(title="B")})
    elapsed = time.monotonic() - started
    assert run.code == 0, run.err[:2000]
    assert (run.site / "briefs" / "big.html").stat().st_size > 10_000_000
    assert elapsed < 120, f"a 10 MB brief took {elapsed:.0f} s"
