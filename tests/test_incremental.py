"""Incremental rebuilds: each kind of change rewrites only the files it touches,
and the result always equals a clean build byte for byte."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from explainer import site
from explainer.models import ContentError
from explainer.state import STORE_NAME

from conftest import brief, copy_project, write_files

A = brief(title="Alpha", date="2024-01-01", topics="[trade]", body="## Start\n\nSee [[beta]].\n",
          events="[{date: 2023, title: First event}]")
B = brief(title="Beta", date="2024-02-01", topics="[trade]", body="Beta text.\n\nMore here.\n")
C = brief(title="Gamma", date="2024-03-01", topics="[energy]", body="Gamma text.\n")


@pytest.fixture
def project(tmp_path):
    """A copy of the project's templates and static files, so a test may edit them."""
    root = copy_project(tmp_path / "project")
    write_files(root / "content", {"alpha.md": A, "beta.md": B, "gamma.md": C})
    return root


def options(root: Path, out: str = "site") -> site.Options:
    return site.Options(project=root, content=root / "content", out=root / out, config=root / "none.yml", jobs=1)


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_equals_clean_build(root: Path) -> None:
    clean = options(root, "clean")
    shutil.rmtree(clean.out, ignore_errors=True)
    site.build(site.Options(**{**vars(clean), "use_cache": False}))
    assert tree(root / "site") == tree(root / "clean")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def index_file(slug: str) -> str:
    """Stands for the search files of a brief: its document file (search/docs/<n>.js) and
    the term files of the words that changed; resolved by `search_files_of`."""
    return f"search:{slug}"


def search_doc_of(site_dir: Path, slug: str) -> str:
    for path in sorted((site_dir / "search/docs").glob("*.js")):
        if f'"url":"briefs/{slug}.html"' in path.read_text(encoding="utf-8"):
            return path.relative_to(site_dir).as_posix()
    raise AssertionError(f"no search document for {slug}")


CHANGES = {
    "body": (lambda root: edit(root / "content/beta.md", "Beta text.", "Beta text, longer now."),
             {"briefs/beta.html", index_file("beta")}),
    "title": (lambda root: edit(root / "content/gamma.md", "title: Gamma", "title: Gamma renamed"),
              {"index.html", "briefs/gamma.html", "briefs/beta.html", "topics/energy.html", index_file("gamma"),
               "briefs.json", "previews/briefs/gamma.js"}),
    "events": (lambda root: edit(root / "content/beta.md", "summary: A summary.",
                                 "summary: A summary.\nevents: [{date: 2022-05, title: New event}]"),
               # the front page and the topic list show event counts
               {"briefs/beta.html", "timeline.html", "topics/trade.html", "index.html", "topics.html",
                "timeline.json", "timeline.ics"}),
    "links": (lambda root: edit(root / "content/beta.md", "More here.", "More here, see [[gamma]]."),
              {"briefs/beta.html", "briefs/gamma.html", index_file("beta")}),
    "template": (lambda root: edit(root / "templates/brief.html", "min read", "minutes to read"),
                 {"briefs/alpha.html", "briefs/beta.html", "briefs/gamma.html"}),
    "static": (lambda root: (root / "static/style.css").write_text("body { color: red; }\n"),
               {"static/style.css", "404.html"}),
}


@pytest.mark.parametrize("change", CHANGES)
def test_each_change_rewrites_only_what_it_touches(project, change):
    memory = site.open_state(options(project))
    site.build(options(project), memory)
    apply, expected = CHANGES[change]
    apply(project)
    report = site.build(options(project), memory)
    # the manifest (search-index.js) changes too when a new word brings a new prefix
    searched = {path for path in report.changed if path.startswith(("search/", "search-index.js"))}
    assert set(report.changed) - searched == {path for path in expected if not path.startswith("search:")}
    for marker in (path for path in expected if path.startswith("search:")):
        assert search_doc_of(project / "site", marker[len("search:"):]) in searched
    if not any(path.startswith("search:") for path in expected):
        assert searched == set()
    assert_equals_clean_build(project)


def test_new_renamed_and_deleted_briefs(project):
    memory = site.open_state(options(project))
    site.build(options(project), memory)
    write_files(project / "content", {"delta.md": brief(title="Delta", date="2024-04-01", topics="[energy]")})
    report = site.build(options(project), memory)
    assert "briefs/delta.html" in report.changed and "index.html" in report.changed
    assert_equals_clean_build(project)

    (project / "content/delta.md").rename(project / "content/epsilon.md")
    site.build(options(project), memory)
    assert not (project / "site/briefs/delta.html").exists()
    assert (project / "site/briefs/epsilon.html").exists()
    assert_equals_clean_build(project)

    (project / "content/gamma.md").unlink()
    site.build(options(project), memory)
    assert not (project / "site/briefs/gamma.html").exists()
    energy = (project / "site/topics/energy.html").read_text()      # delta is on energy too
    assert "Delta" in energy and "Gamma" not in energy
    assert_equals_clean_build(project)


def test_a_sequence_of_edits_ends_equal_to_a_clean_build(project):
    memory = site.open_state(options(project))
    site.build(options(project), memory)
    for apply, _ in CHANGES.values():
        apply(project)
        site.build(options(project), memory)
    edit(project / "content/beta.md", "Beta text", "Beta, edited back")
    site.build(options(project), memory)
    assert_equals_clean_build(project)


def test_nothing_changed_is_up_to_date_and_writes_nothing(project):
    site.build(options(project))
    before = {p: p.stat().st_mtime_ns for p in (project / "site").rglob("*") if p.is_file()}
    report = site.build(options(project))
    assert report.up_to_date
    assert {p: p.stat().st_mtime_ns for p in (project / "site").rglob("*") if p.is_file()} == before


def test_a_corrupt_or_foreign_cache_is_ignored(project):
    opts = options(project)
    site.build(opts)
    (opts.cache_dir() / STORE_NAME).write_bytes(b"this is not a database" * 100)
    edit(project / "content/beta.md", "Beta text.", "Beta text again.")
    site.build(opts)
    assert_equals_clean_build(project)


@pytest.mark.parametrize("jobs", [1, 2])
def test_one_or_two_workers_give_the_same_bytes(project, jobs, tmp_path):
    many = {f"b{i:03d}.md": brief(title=f"Brief {i}", date=f"2024-01-{1 + i % 28:02d}", topics="[trade]",
                                  body=f"Text {i}. See [[b{(i + 1) % 120:03d}]].") for i in range(120)}
    write_files(project / "content", many)
    site.build(site.Options(**{**vars(options(project)), "jobs": jobs, "use_cache": False}))
    assert_equals_clean_build(project)


def test_a_static_file_that_becomes_a_folder_and_back(project):
    state = site.open_state(options(project))
    (project / "static/extra").write_text("a file\n")
    site.build(options(project), state)
    site.build(options(project))
    (project / "static/extra").unlink()
    write_files(project / "static/extra", {"inside.txt": "now a folder\n"})
    for builder in (lambda: site.build(options(project), state), lambda: site.build(options(project))):
        builder()
        assert_equals_clean_build(project)
    shutil.rmtree(project / "static/extra")
    (project / "static/extra").write_text("a file again\n")
    for builder in (lambda: site.build(options(project), state), lambda: site.build(options(project))):
        builder()
        assert_equals_clean_build(project)


def test_a_brief_read_through_another_content_folder_is_not_reused(project):
    """The same file seen from another --content folder is another brief: its links resolve
    from there, and a link out of that folder is refused."""
    write_files(project / "content", {"other/cee.md": brief(title="Cee"), "extra/a.md": brief(title="A")})
    (project / "content/extra/linked.md").symlink_to("../other/cee.md")
    site.build(options(project))
    extra = site.Options(**{**vars(options(project, "site2")), "content": project / "content/extra"})
    with pytest.raises(ContentError) as error:
        site.build(extra)
    assert "symbolic link to a file outside the content folder" in str(error.value)
