"""The timeline drawn to scale, read back from built sites: its geometry (linear in time
within a stretch, long gaps cut out behind a break mark, every event a mark, bars over
their days), lanes and eras from site.yml, shared events, and the page's size."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from explainer import drawing

from conftest import brief, run_cli


def marks(run, page="timeline.html") -> list:
    return run.html(page).select("svg.tl-svg a.tl-mark")


def day(text: str) -> int:
    return dt.date.fromisoformat(text).toordinal()


def centre(mark) -> float:
    return float(mark.select_one("circle.tl-shape")["cx"])


def point_marks(run, page="timeline.html") -> dict[str, float]:
    """First day -> x of each dot."""
    return {m["data-first"]: centre(m) for m in marks(run, page) if "tl-point" in m["class"]}


SPREAD = brief(title="Spread", topics="[trade]", events="""
  - {date: 2010-03-04, title: "Early"}
  - {date: 2010-05-20, title: "Early too"}
  - {date: 2024-01-10, title: "January"}
  - {date: 2024-02-29, title: "Leap day"}
  - {date: 2024-04-01, title: "April"}
  - {date: 2024-06-15, end: 2024-06-20, title: "A range of six days"}
  - {date: 2024-07-01, title: "July"}
  - {date: 2024-09-30, title: "Late September"}
  - {date: "2024-11", title: "November, known to the month"}
  - {date: 2023, title: "A year, roughly", circa: true}""")


@pytest.fixture
def spread(make_site):
    run = make_site({"spread.md": SPREAD})
    assert run.code == 0, run.err
    return run


def fit(points: dict[str, float], stretch: tuple[str, str]):
    """The straight line through the first and last dots of a stretch: day -> x."""
    inside = sorted((day(d), x) for d, x in points.items() if stretch[0] <= d <= stretch[1])
    (d0, x0), (d1, x1) = inside[0], inside[-1]
    return (lambda d: x0 + (d - d0) * (x1 - x0) / (d1 - d0)), inside


def test_within_a_stretch_a_marks_x_is_linear_in_its_date_to_within_a_pixel(spread):
    line, inside = fit(point_marks(spread), ("2024-01-01", "2024-12-31"))
    assert len(inside) == 5
    for d, x in inside:
        assert abs(line(d) - x) <= 1, (dt.date.fromordinal(d), x, line(d))
    assert [x for _, x in inside] == sorted(x for _, x in inside)


def test_a_gap_longer_than_the_threshold_is_cut_out_behind_a_break_mark(spread):
    svg = spread.html("timeline.html").select_one("svg.tl-svg")
    breaks = svg.select("g.tl-break")
    assert len(breaks) == 1
    gap = breaks[0]
    assert gap["data-after"] == "2010-05-20" and gap["data-before"] == "2023-01-01"
    assert drawing.collapsible(day(gap["data-before"]) - day(gap["data-after"]), 5400)
    assert gap.select_one("path") and "years with no events left out" in gap.select_one("title").text
    points = point_marks(spread)
    line, _ = fit(points, ("2024-01-01", "2024-12-31"))
    per_day = line(1) - line(0)
    # 13 years, mostly cut out: a tenth of the room they would take to scale is plenty
    assert points["2024-01-10"] - points["2010-05-20"] < per_day * (day("2024-01-10") - day("2010-05-20")) / 10
    assert float(points["2010-05-20"]) < float(gap["data-x"]) < points["2024-01-10"]


def test_a_gap_under_the_threshold_is_drawn_to_scale(make_site):
    days = ["2022-01-01", "2022-03-01", "2022-05-01", "2023-03-01", "2023-06-01", "2023-09-01", "2023-12-01",
            "2024-03-01", "2024-06-01", "2024-09-01", "2024-12-01"]     # ten months without events in 2022-23
    assert not drawing.collapsible(day("2023-03-01") - day("2022-05-02"), day("2024-12-02") - day("2022-01-01"))
    run = make_site({"a.md": brief(events="[" + ", ".join(f"{{date: {d}, title: E{d}}}" for d in days) + "]")})
    assert run.code == 0, run.err
    assert run.html("timeline.html").select("g.tl-break") == []
    line, inside = fit(point_marks(run), ("2022-01-01", "2024-12-31"))
    assert len(inside) == len(days)
    for d, x in inside:
        assert abs(line(d) - x) <= 1


def test_every_marks_link_and_its_focus_ring_are_inside_the_drawings_clip(spread):
    svg = spread.html("timeline.html").select_one("svg.tl-svg")
    clip = svg.select_one("clipPath#tl-clip rect")
    x0, width = float(clip["x"]), float(clip["width"])
    ring = 3        # a focus outline's width
    for mark in marks(spread):
        hit = mark.select_one("rect.tl-hit")
        left, right = float(hit["x"]), float(hit["x"]) + float(hit["width"])
        assert x0 <= left - ring and right + ring <= x0 + width, (mark["aria-label"], left, right, x0, width)


def test_every_event_in_the_list_has_one_mark_that_links_to_it(spread):
    page = spread.html("timeline.html")
    entries = [li["id"] for li in page.select("#timeline .event")]
    hrefs = [m["href"] for m in marks(spread)]
    assert sorted(hrefs) == sorted(f"#{key}" for key in entries) and len(entries) == 10
    for mark in marks(spread):
        title = mark.select_one("title").text
        assert mark["aria-label"] == title and ": " in title
        entry = page.select_one(mark["href"])
        assert entry.select_one(".event-title").text in title


def test_a_ranges_bar_spans_its_days_and_periods_are_lighter_bars(spread):
    line, _ = fit(point_marks(spread), ("2024-01-01", "2024-12-31"))
    bar = next(m for m in marks(spread) if m["data-first"] == "2024-06-15")
    assert "tl-bar" in bar["class"] and bar["data-last"] == "2024-06-20"
    rect = bar.select_one("rect.tl-shape")
    x, width = float(rect["x"]), float(rect["width"])
    assert abs(x - line(day("2024-06-15"))) <= 1
    assert abs(x + width - line(day("2024-06-21"))) <= 1       # through the end of its last day
    month = next(m for m in marks(spread) if m["data-first"] == "2024-11-01")
    assert "tl-period" in month["class"] and month["data-last"] == "2024-11-30"
    year = next(m for m in marks(spread) if m["data-first"] == "2023-01-01")
    assert {"tl-period", "tl-circa"} <= set(year["class"]) and year["data-last"] == "2023-12-31"
    svg = spread.html("timeline.html").select_one("svg.tl-svg")
    assert svg.select_one("linearGradient#tl-fade-0 stop[stop-opacity='0']")


def test_the_drawing_has_its_size_title_and_description_in_the_html(spread):
    svg = spread.html("timeline.html").select_one("svg.tl-svg")
    assert svg["viewbox"] == f"0 0 {svg['width']} {svg['height']}" and int(svg["height"]) > 100
    assert svg["aria-labelledby"] == "tl-title tl-desc"
    assert "10 events" in svg.select_one("title#tl-title").text
    assert "Each mark links to its entry" in svg.select_one("desc#tl-desc").text
    ticks = [t.text for t in svg.select("g.tl-level-0 text")]
    assert "2024" in " ".join(ticks) and all(ticks)


def test_a_brief_with_events_has_a_smaller_drawing_of_its_own(spread):
    page = spread.html("briefs/spread.html")
    svg = page.select_one("#brief-timeline ~ figure svg.tl-svg, .brief-events svg.tl-svg")
    assert int(svg["width"]) < int(spread.html("timeline.html").select_one("svg.tl-svg")["width"])
    hrefs = {m["href"] for m in svg.select("a.tl-mark")}
    assert hrefs == {f"#{li['id']}" for li in page.select("#brief-events-list .event")}


def test_labels_never_overlap_marks_or_each_other_in_a_crowded_lane():
    items = tuple(drawing.Item(f"ev-{n}", f"Event number {n} with a long title", "when",
                               dt.date(2024, 1, 1) + dt.timedelta(days=n * 3),
                               dt.date(2024, 1, 1) + dt.timedelta(days=n * 3 + (n % 3) * 5), True, False, "a")
                  for n in range(60))
    layout = drawing.layout(items, (drawing.Lane("a", "A"),), (), 1000, "T")
    assert len(layout.marks) == 60
    rows: dict[str, list] = {}
    for mark in layout.marks:
        rows.setdefault(mark.hit_y, []).append(mark)
    labelled = 0
    for members in rows.values():
        spans = []
        for mark in members:
            spans.append((float(mark.hit_x), float(mark.hit_x) + float(mark.hit_w), "hit", mark.key))
            if mark.label:
                labelled += 1
                width = drawing.text_width(mark.label)
                x = float(mark.label_x)
                spans.append((x, x + width, "label", mark.key) if mark.label_side == "start"
                             else (x - width, x, "label", mark.key))
        for a in spans:
            for b in spans:
                if a is not b and a[2] == "label" and a[3] != b[3]:
                    assert not (a[0] < b[1] and b[0] < a[1]), (a, b)
    assert labelled >= 3


def test_no_mark_covers_another_even_when_many_fall_on_one_day():
    """Every mark stays a link of its own: when its lane's rows are full, the lane grows a row."""
    items = tuple(drawing.Item(f"ev-{n}", f"Event {n}", "when", dt.date(2024, 6, 15 + n // 6),
                               dt.date(2024, 6, 15 + n // 6), True, False, "a") for n in range(18))
    layout = drawing.layout(items, (drawing.Lane("a", "A"),), (), 1000, "T")
    assert len(layout.marks) == 18
    boxes = [(float(m.hit_x), float(m.hit_x) + float(m.hit_w), float(m.hit_y)) for m in layout.marks]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not (a[2] == b[2] and a[0] < b[1] and b[0] < a[1]), (a, b)
    assert len({box[2] for box in boxes}) > drawing.MAX_ROWS


def test_stories_make_lanes_in_their_order_and_eras_that_overlap_take_their_own_band(make_site, tmp_path):
    (tmp_path / "site.yml").write_text(
        "title: T\nstories:\n  - {name: Trade story, topics: [trade]}\n  - {name: Summit story, topics: [summits]}\n"
        "eras:\n  - {title: Long era, start: 2024-01}\n  - {title: Overlapping era, start: 2024-03, end: 2024-05}\n"
        "  - {title: Later era, start: 2024-07, end: 2024-08-15}\n", encoding="utf-8")
    later = "[{date: 2024-09-01, title: T}, {date: 2024-04-01, title: U, topics: [other]}]"
    run = make_site({"a.md": brief(topics="[summits]", events="[{date: 2024-02-01, title: S}]"),
                     "b.md": brief(title="B", topics="[trade]", events=later)})
    assert run.code == 0, run.err
    svg = run.html("timeline.html").select_one("svg.tl-svg")
    assert [t.text for t in svg.select("text.tl-lane-name")] == ["Trade story", "Summit story", "Other events"]
    eras = {g.select_one("title").text: g for g in svg.select("g.tl-era")}
    assert set(eras) == {"Long era", "Overlapping era", "Later era"}
    assert "tl-era-0" in eras["Long era"]["class"] and "tl-era-1" in eras["Overlapping era"]["class"]
    assert "tl-era-1" in eras["Later era"]["class"]       # after the overlapping one ends, its band is free
    stories = {m.select_one("title").text.split(": ", 1)[1]: m["data-story"] for m in svg.select("a.tl-mark")}
    assert stories == {"S": "summit-story", "T": "trade-story", "U": "other"}
    options = [o["value"] for o in run.html("timeline.html").select("#filter-story option")]
    assert options == ["", "trade-story", "summit-story", "other"]


def test_without_stories_lanes_follow_each_events_first_topic(spread, make_site):
    svg = spread.html("timeline.html").select_one("svg.tl-svg")
    assert [t.text for t in svg.select("text.tl-lane-name")] == ["Trade"]
    assert spread.html("timeline.html").select("#filter-story") == []


@pytest.mark.parametrize("config, expected", [
    ("stories:\n  - {name: Trade}\n", "site.yml:3: stories[0].topics: is required; list the topics"),
    ("stories:\n  - {name: Trade, topics: []}\n", "site.yml:3: stories[0].topics: is empty; list the topics"),
    ("eras:\n  - {title: E, start: 2024-01}\n  - {title: e, start: 2024-05}\n",
     "site.yml:4: eras[1].title: the era 'e' is named twice (also on line 3)"),
    ("eras:\n  - {title: E, start: 2024-13}\n", "site.yml:3: eras[0].start: '2024-13' has no month 13"),
    ("eras:\n  - {title: E, start: 2024-05, end: 2024-01}\n",
     "site.yml:3: eras[0].end: 2024-01 is before the era's start 2024-05"),
])
def test_bad_stories_and_eras_are_errors_naming_site_yml_and_the_line(make_site, tmp_path, config, expected):
    (tmp_path / "site.yml").write_text("title: T\n" + config, encoding="utf-8")
    run = make_site({"a.md": brief()})
    assert run.code == 1
    assert any(line.endswith(expected) or expected in line for line in run.err.splitlines()), run.err


def test_a_story_topic_no_brief_has_is_a_warning_with_the_nearest(make_site, tmp_path):
    (tmp_path / "site.yml").write_text("title: T\nstories:\n  - {name: S, topics: [tarde]}\n", encoding="utf-8")
    run = make_site({"a.md": brief(topics="[trade]")})
    assert run.code == 0
    assert "site.yml:3: warning: stories: 'S': no brief has the topic 'tarde'" in run.err
    assert "did you mean 'Trade'?" in run.err


SHARED = {
    "kazan.md": brief(title="Kazan", topics="[BRICS]", events="""
  - {id: kazan-summit-2024, date: 2024-10-22, end: 2024-10-24, title: "BRICS summit in Kazan", entities: [BRICS]}
  - {date: 2024-10-23, title: "Declaration"}"""),
    "bid.md": brief(title="Bid", topics="[diplomacy]", events="""
  - {id: kazan-summit-2024, date: 2024-10-22, end: 2024-10-24, title: "BRICS summit in Kazan",
     entities: [Pakistan]}"""),
    "trade.md": brief(title="Trade", events="[{ref: kazan-summit-2024}]"),
}


def test_a_shared_event_is_one_entry_that_lists_every_brief_that_tells_of_it(make_site):
    run = make_site(SHARED, "--site-url", "https://example.org/")
    assert run.code == 0, run.err
    page = run.html("timeline.html")
    entries = page.select("#timeline .event")
    assert len(entries) == 2
    kazan = page.select_one("#ev-kazan-summit-2024")
    assert [a.text for a in kazan.select("a.event-brief")] == ["Bid", "Kazan", "Trade"]
    assert set(kazan["data-entities"].split()) == {"brics", "pakistan"}
    assert len(page.select("a.tl-mark[href='#ev-kazan-summit-2024']")) == 1
    referring = run.html("briefs/trade.html")
    assert referring.select_one("#ev-kazan-summit-2024 .event-title").text == "BRICS summit in Kazan"
    assert [a.text for a in referring.select("#ev-kazan-summit-2024 .event-also a")] == ["Bid", "Kazan"]
    exported = json.loads((run.site / "timeline.json").read_text(encoding="utf-8"))["events"]
    assert [e["unique_id"] for e in exported].count("kazan-summit-2024") == 1 and len(exported) == 2
    calendar = (run.site / "timeline.ics").read_text(encoding="utf-8")
    assert calendar.count("UID:kazan-summit-2024@explainer") == 1 and calendar.count("BEGIN:VEVENT") == 2
    entity = run.html("entities/pakistan.html")
    assert len(entity.select(".event")) == 1


SIZE_BUDGET = 1_200_000     # bytes: README, "The timeline drawing"


def test_a_timeline_of_a_thousand_events_stays_under_the_size_budget(make_site):
    files = {}
    start = dt.date(2015, 1, 1)
    for n in range(100):
        events = ", ".join(f'{{date: {start + dt.timedelta(days=n * 30 + k * 3)}, title: "Event {n}-{k} of the '
                           f'sample timeline", entities: [E{k}]}}' for k in range(10))
        files[f"b{n}.md"] = brief(title=f"Brief {n}", topics=f"[t{n % 5}]", events=f"[{events}]")
    run = make_site(files)
    assert run.code == 0, run.err
    page = run.site / "timeline.html"
    assert len(marks(run)) == 1000
    assert page.stat().st_size < SIZE_BUDGET, page.stat().st_size


def test_the_shipped_site_shares_events_and_draws_its_stories(tmp_path):
    code, _, err = run_cli("build", "--out", str(tmp_path / "site"), "--no-cache")
    assert code == 0, err
    from bs4 import BeautifulSoup
    page = BeautifulSoup((tmp_path / "site" / "timeline.html").read_text(encoding="utf-8"), "html.parser")
    assert len(page.select("#ev-kazan-summit-2024 a.event-brief")) >= 2
    assert [t.text for t in page.select("svg.tl-svg text.tl-lane-name")][:3] == [
        "Russia–Pakistan trade under sanctions", "Pakistan's BRICS bid",
        "The 2024 Ukraine peace summit and the Global South"]
    assert {g.select_one("title").text for g in page.select("g.tl-era")} >= {
        "Russia's full-scale invasion and sanctions", "BRICS enlargement"}
    assert page.select("g.tl-break")
