"""Unit tests of the link stage's parts and of the writer, on real records and real folders
(the end-to-end tests reach them only through whole builds)."""
from __future__ import annotations

import os

import pytest

from explainer.dates import PartialDate
from explainer.link import (
    backlinks,
    clear_match,
    companions,
    correction_list,
    group_names,
    neighbours,
    related_briefs,
    spelling_index,
    timeline,
)
from explainer.models import Change, Event, EventRef, UsageError
from explainer.write import MARKER, OutputFile, intact_files, refuse_output, write_site


def event(day: str, title: str, entities=(), event_id: str = "", line: int = 1, topics=()) -> Event:
    return Event(PartialDate(*map(int, day.split("-"))), None, title, "", tuple(topics), tuple(entities), False, line,
                 event_id)


# -- link ----------------------------------------------------------------------------------

def test_backlinks_name_each_linking_brief_once_newest_first_and_never_itself():
    found = backlinks(("c", "b", "a"), (("a", "a", "b"), ("a", "b"), ("c",)))
    assert dict(found) == {"c": ("a",), "b": ("c",), "a": ("c", "b")}


def test_related_briefs_put_declared_ones_first_then_shared_names_up_to_five():
    rows = tuple((f"b{n}", ("b9",) if n == 0 else (), ("trade",) if n < 7 else ("energy",)) for n in range(10))
    related = related_briefs(rows)
    assert related["b0"][0] == "b9" and len(related["b0"]) == 5
    assert set(related["b1"]) <= {f"b{n}" for n in range(7)} and "b1" not in related["b1"]
    assert set(related["b8"]) == {"b7", "b9"}       # only these two share 'energy' with it


def test_neighbours_run_oldest_to_newest():
    assert dict(neighbours(("c", "b", "a"))) == {"a": (None, "b"), "b": ("a", "c"), "c": ("b", None)}


def test_the_timeline_sorts_by_first_day_and_keeps_file_order_for_ties():
    rows = (("x", "x.md", (event("2024-06-15", "Later"), event("2023-01-01", "First")), ()),
            ("y", "y.md", (event("2024-06-15", "Tie"),), ()))
    entries, _, problems = timeline(rows)
    assert [e.event.title for e in entries] == ["First", "Later", "Tie"] and problems == []


def test_events_that_share_an_id_are_one_entry_told_by_every_brief_and_by_refs():
    rows = (("a", "a.md", (event("2024-10-22", "Kazan", ("BRICS",), "kazan", 5, ("BRICS",)),
                           event("2024-10-01", "Other")), ()),
            ("b", "b.md", (event("2024-10-22", "Kazan", ("Russia",), "kazan", 7, ("diplomacy",)),), ()),
            ("c", "c.md", (), (EventRef("kazan", 9),)))
    entries, per_brief, problems = timeline(rows)
    assert problems == []
    assert [e.event.title for e in entries] == ["Other", "Kazan"]
    kazan = entries[1]
    assert kazan.briefs == ("a", "b", "c") and kazan.brief == "a" and kazan.key == "ev-kazan"
    assert kazan.event.entities == ("BRICS", "Russia") and kazan.event.topics == ("BRICS", "diplomacy")
    assert [e.key for e in per_brief["c"]] == ["ev-kazan"] and len(per_brief["a"]) == 2


def test_shared_events_that_disagree_and_unknown_refs_are_errors_naming_both_places():
    rows = (("a", "a.md", (event("2024-10-22", "Kazan summit", event_id="kazan-summit", line=5),), ()),
            ("b", "b.md", (event("2024-10-23", "Kazan summit", event_id="kazan-summit", line=7),), ()),
            ("c", "c.md", (), (EventRef("kazan-sumit", 9), EventRef("nothing-like-it", 10))))
    _, _, problems = timeline(rows)
    messages = [f"{p.path}:{p.line}: {p.message}" for p in problems]
    assert messages[0].startswith("b.md:7: events: the event 'kazan-summit' has date 2024-10-23 here but "
                                  "2024-10-22 in a.md:5")
    assert messages[1] == "c.md:9: events: ref 'kazan-sumit': no event has that id; did you mean 'kazan-summit'?"
    assert messages[2].startswith("c.md:10: events: ref 'nothing-like-it': no event has that id; give the event")
    assert len(messages) == 3


def test_records_claim_spellings_and_two_claims_of_one_are_an_error():
    rows = (("ishaq-dar", "Ishaq Dar", ("ishaq-dar", "Ishaq Dar", "Dar"), "a.md", 3),
            ("other", "Other", ("other", "Other", "DAR"), "b.md", 4))
    index, problems = spelling_index(rows, "entity")
    assert index["ishaq-dar"] == "ishaq-dar" and index["dar"] == "ishaq-dar"
    assert [(p.path, p.line) for p in problems] == [("b.md", 4)] and "'DAR' is also claimed by a.md" in \
        problems[0].message


def test_group_names_resolve_aliases_and_warn_only_for_names_without_records():
    records = (("ishaq-dar", "Ishaq Dar", ("ishaq-dar", "Ishaq Dar", "Mohammad Ishaq Dar"), "r.md", 2),)
    index, _ = spelling_index(records, "entity")
    names = (("a.md", (("Mohammad Ishaq Dar", 5), ("Bürgenstock", 5))), ("b.md", (("Burgenstock", 6),)))
    mentioned = (("a", ("Mohammad Ishaq Dar", "Bürgenstock")), ("b", ("Burgenstock",)))
    groups, slugs, problems = group_names(names, mentioned, (), "entity", records, index)
    assert {g.slug: (g.name, g.briefs) for g in groups} == {"ishaq-dar": ("Ishaq Dar", ("a",)),
                                                            "burgenstock": ("Bürgenstock", ("a", "b"))}
    assert slugs["Mohammad Ishaq Dar"] == "ishaq-dar"
    messages = " | ".join(sorted(p.message for p in problems))
    assert all(p.warning for p in problems) and len(problems) == 2
    assert "entity 'Burgenstock' is also spelt 'Bürgenstock'" in messages
    assert "entity 'Bürgenstock' has no record" in messages and "Ishaq" not in messages


def test_companions_count_shared_briefs_and_keep_eight():
    rows = tuple(("a", f"e{n}") for n in range(10)) + (("a", "e1"),)
    found = companions(rows)
    assert found["a"][0] == ("e1", 2) and len(found["a"]) == 8 and found["e1"] == (("a", 2),)


def test_corrections_are_listed_newest_first_with_their_place_in_the_log():
    day = lambda text: PartialDate(*map(int, text.split("-")))
    rows = (("a", (Change("update", day("2024-10-01"), "U", 1), Change("correction", day("2024-11-02"), "C1", 2))),
            ("b", (Change("correction", day("2024-12-01"), "C2", 3),)))
    assert [(slug, number, c.text) for slug, number, c in correction_list(rows)] == [("b", 1, "C2"), ("a", 2, "C1")]


def test_a_rename_hint_needs_a_clear_winner():
    assert clear_match("pakistan-brics-bid", {"pakistan-bid": 1, "kazan-summit": 2}) == "pakistan-bid"
    assert clear_match("pakistan-brics-bid", {"pakistan-bid": 1, "pakistan-brics": 2}) is None
    assert clear_match("pakistan-brics-bid", {"trade": 1}) is None


# -- write -----------------------------------------------------------------------------------

def test_the_writer_swaps_in_a_whole_site_and_links_what_did_not_change(tmp_path):
    out, staging = tmp_path / "site", tmp_path / "cache" / "site.next"
    first = [OutputFile("index.html", "k1", b"one"), OutputFile("briefs/a.html", "k2", b"a")]
    manifest, written = write_site(iter(first), out, {}, staging)
    assert sorted(written) == ["briefs/a.html", "index.html"] and (out / MARKER).is_file()
    existing = intact_files(out, manifest)
    second = [OutputFile("index.html", "k1"), OutputFile("briefs/a.html", "k3", b"a, edited")]
    manifest, written = write_site(iter(second), out, existing, staging)
    assert written == ["briefs/a.html"] and (out / "briefs/a.html").read_bytes() == b"a, edited"
    assert (out / "index.html").stat().st_ino == existing["index.html"].inode       # the same file, linked
    assert (staging / "briefs/a.html").read_bytes() == b"a"                          # the last site waits there


def test_the_writer_empties_a_staging_folder_holding_a_symbolic_link(tmp_path):
    out, staging = tmp_path / "site", tmp_path / "cache" / "site.next"
    staging.mkdir(parents=True)
    (tmp_path / "precious.txt").write_text("keep me")
    os.symlink(tmp_path / "precious.txt", staging / "index.html")
    write_site(iter([OutputFile("index.html", "k", b"new")]), out, {}, staging)
    assert (tmp_path / "precious.txt").read_text() == "keep me" and (out / "index.html").read_bytes() == b"new"


def test_a_file_can_become_a_folder_between_builds(tmp_path):
    out, staging = tmp_path / "site", tmp_path / "cache" / "site.next"
    manifest, _ = write_site(iter([OutputFile("static/a", "k1", b"file")]), out, {}, staging)
    write_site(iter([OutputFile("static/a", "k1", b"file")]), out, intact_files(out, manifest), staging)
    write_site(iter([OutputFile("static/a/b.css", "k2", b"inside")]), out, {}, staging)
    assert (out / "static/a/b.css").read_bytes() == b"inside"


@pytest.mark.parametrize("where", ["/", "home", "project"])
def test_refuse_output_protects_what_we_did_not_make(tmp_path, where):
    target = {"/": "/", "home": os.path.expanduser("~"), "project": str(tmp_path)}[where]
    from pathlib import Path
    with pytest.raises(UsageError):
        refuse_output(Path(target), [tmp_path])
