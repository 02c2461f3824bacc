"""Tables of the small pure functions: dates at their precision, relative URLs, slugs."""
from __future__ import annotations

import datetime as dt

import pytest

from explainer.dates import PartialDate, display_range, parse_partial_date
from explainer.urls import name_slug, relative_url

from conftest import PROJECT


@pytest.mark.parametrize("value, iso, shown", [
    pytest.param(2023, "2023", "2023", id="year-int"),
    pytest.param("2023", "2023", "2023", id="year-str"),
    pytest.param("2024-10", "2024-10", "October 2024", id="month"),
    pytest.param("2024-9", "2024-09", "September 2024", id="month-one-digit"),
    pytest.param(dt.date(2024, 9, 18), "2024-09-18", "18 September 2024", id="date-object"),
    pytest.param("2024-02-29", "2024-02-29", "29 February 2024", id="leap-day"),
])
def test_dates_keep_their_precision(value, iso, shown):
    date = parse_partial_date(value)
    assert (date.iso(), date.display()) == (iso, shown)


@pytest.mark.parametrize("value", ["2023-02-29", "2024-00", "2024-13-01", "24-01-01", "", "2024/01/01", True, 1.5])
def test_impossible_dates_are_refused(value):
    with pytest.raises(ValueError):
        parse_partial_date(value)


@pytest.mark.parametrize("start, end, circa, shown", [
    ("2024-06-15", "2024-06-16", False, "15–16 June 2024"),
    ("2024-06-28", "2024-07-02", False, "28 June – 2 July 2024"),
    ("2024-12-30", "2025-01-02", False, "30 December 2024 – 2 January 2025"),
    ("2024-06", "2024-08", False, "June–August 2024"),
    ("2022", "2024", False, "2022–2024"),
    ("2023", None, True, "c. 2023"),
    ("2023", "2024-03", False, "2023 – March 2024"),
])
def test_ranges_are_written_compactly(start, end, circa, shown):
    end_date = parse_partial_date(end) if end else None
    assert display_range(parse_partial_date(start), end_date, circa) == shown


def test_periods_sort_at_their_start():
    assert PartialDate(2024).first_day() == dt.date(2024, 1, 1)
    assert PartialDate(2024, 2).last_day() == dt.date(2024, 2, 29)


@pytest.mark.parametrize("source, target, anchor, href", [
    ("index.html", "briefs/a.html", "", "briefs/a.html"),
    ("briefs/a.html", "briefs/b.html", "x", "b.html#x"),
    ("briefs/a.html", "index.html", "", "../index.html"),
    ("topics/t.html", "entities/e.html", "", "../entities/e.html"),
    ("briefs/a.html", "briefs/a.html", "sec", "#sec"),
    ("index.html", "briefs/россия.html", "", "briefs/%D1%80%D0%BE%D1%81%D1%81%D0%B8%D1%8F.html"),
    ("briefs/a.html", "briefs/b.html", "a b", "b.html#a%20b"),
])
def test_relative_urls(source, target, anchor, href):
    assert relative_url(source, target, anchor) == href


@pytest.mark.parametrize("name, slug", [
    ("Bürgenstock", "burgenstock"), ("Россия", "rossiia"), ("Ishaq Dar", "ishaq-dar"),
    ("BRICS", "brics"), ("Saudi Arabia", "saudi-arabia"),
])
def test_names_become_ascii_slugs(name, slug):
    assert name_slug(name) == slug


def test_cached_records_come_back_equal():
    """What the store holds (briefs and bodies, as JSON) decodes to records equal to the originals."""
    from explainer.inputs import declared_inputs, take_snapshot
    from explainer.link import link_index
    from explainer.load import load_content
    from explainer.markup import Renderer
    from explainer.options import Options
    from explainer.state import body_from, body_to, loaded_from, loaded_to
    options = Options(project=PROJECT, content=PROJECT / "content", out=PROJECT / "site")
    loaded = load_content(options.content, take_snapshot(declared_inputs(options)).of("content"))
    assert loaded.fresh and all(loaded_from(loaded_to(result)) == result for result in loaded.fresh.values())
    renderer, index = Renderer(), link_index(loaded.briefs)
    for brief in loaded.briefs:
        body = renderer.render(brief, index)
        assert body_from(body_to(body)) == body


def test_bodies_with_newlines_and_line_separators_survive_the_store():
    """The store keeps a body's HTML and a brief's Markdown after one line of JSON: a newline,
    U+2028 or a backslash in them must come back exactly."""
    from explainer.models import Body, Heading, Link, Problem
    from explainer.state import body_from, body_to
    html = 'first\nsecond\u2028third\\n "quoted"\r\n\n'
    body = Body(html, (Heading(2, "a\nb", "A\nB"),), frozenset({"x"}), (Link("t", "", "[[t]]", 3),), ("s",),
                (Problem("p.md", 1, "line\nbreak"),), 5, (("title", "t", "T\n"),), "f", ("One.\nTwo\u2028.",))
    assert body_from(body_to(body)) == body


def test_engine_version_reads_the_same_versions_as_importlib_metadata():
    from importlib import metadata

    from explainer.state import OUTPUT_SHAPERS, installed_versions
    found = installed_versions()
    assert {name: found.get(name) for name in OUTPUT_SHAPERS} == {name: metadata.version(name)
                                                                   for name in OUTPUT_SHAPERS}


def test_a_settled_file_changed_in_place_is_hashed_again(tmp_path):
    """The digest memo is used only for a file whose inode, size, mtime and ctime are as
    they were, and only once its last change was well before it was hashed."""
    import os
    import time

    from explainer.inputs import InputSet, file_digest
    path = tmp_path / "a.md"
    path.write_text("version one")
    known: dict = {}
    first = file_digest(str(path), known)
    assert str(path) not in known               # changed just now: not remembered
    os.utime(path, ns=(time.time_ns() - 10**10, time.time_ns() - 10**10))   # mtime can go back; ctime cannot
    time.sleep(2.1)
    assert file_digest(str(path), known) == first and str(path) in known
    path.write_text("version two")              # same size, in place
    assert file_digest(str(path), known) != first
    assert InputSet("content", tmp_path, (".md",)).files() == [str(path)]


def test_derive_each_computes_only_new_items_also_in_a_new_process(tmp_path):
    """A search document analysed once is not analysed again, in memory or from the store;
    a changed one is; an item that is gone is dropped from the store."""
    from explainer.state import ReuseState
    seen: list[str] = []

    def shout(text: str) -> str:
        seen.append(text)
        return text.upper()
    shout.stored = (lambda value: value, lambda text: text)

    state = ReuseState.open(tmp_path / "cache")
    assert state.derive_each("shouts", shout, ("a", "b", "a")) == ("A", "B", "A")
    assert seen == ["a", "b"]
    assert state.derive_each("shouts", shout, ("a", "c")) == ("A", "C")
    assert seen == ["a", "b", "c"]
    state.save()
    state.close()

    later = ReuseState.open(tmp_path / "cache")       # as a new process finds the store
    assert later.derive_each("shouts", shout, ("c", "a", "d")) == ("C", "A", "D")
    assert seen == ["a", "b", "c", "d"]
    later.save()
    assert set(later.store.get("each:shouts", ["a", "b", "c", "d"])) == set()   # keys are digests
    import hashlib
    digest = lambda item: hashlib.sha256(repr(item).encode()).hexdigest()
    kept = later.store.get("each:shouts", [digest(x) for x in "abcd"])
    assert set(kept) == {digest("a"), digest("c"), digest("d")}
    later.close()
