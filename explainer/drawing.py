"""The timeline drawn to scale, as plain geometry: pure functions from the events to
draw and the eras to show to a frozen `Layout`, which templates/_drawing.html writes
out as inline SVG. Nothing here knows about pages or the graph; render.py makes the
items and passes the result on, so the template only prints numbers it is given.

How the drawing reads: time runs left to right; stretches with events are drawn to
one common scale (linear in time within each), and an empty stretch longer than
`collapsible` allows is cut out and shown as a break mark on the axis. Each lane is
one story (or topic); an event that overlaps another in its lane moves to a row
below. A day is a dot, a range of days a bar, a month or year a lighter, taller bar
over the whole period, and a `circa` event fades out at both ends.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

ROW = 32            # a lane's row: also the height of every mark's link, so each target is tall enough
HIT = 32            # the least width of a mark's link, in drawing units
LANE_COLOURS = 4    # style.css gives lanes 0-3 their colours in both schemes
LANE_HEAD = 18      # the lane's name above its rows
ERA_ROW = 20
AXIS = 34           # the axis line and its tick labels
PAD = 14            # space either side of each stretch, so marks at its ends are whole
BREAK = 26          # the width a collapsed gap takes
GAP_DAYS = 365      # an empty stretch longer than this is always collapsed...
SHARE_DAYS = 90     # ...and one longer than this when it is more than SHARE of the whole span
SHARE = 0.3
MIN_SPAN = 14       # the shortest span drawn: one day alone would fill the width
LABEL_CHARS = 34
CHAR = 7.0          # a generous average width of a label character at 12px, so labels never touch
TICK_GAP = 8        # the least space between two tick labels
MAX_ROWS = 4


@dataclass(frozen=True)
class Item:
    """One event to draw. `first` and `last` are the first and last days of its period."""
    key: str            # the element id of its entry in the list
    title: str
    when: str           # its date as the list shows it
    first: dt.date
    last: dt.date
    precise: bool       # known to the day (start and end)
    circa: bool
    lane: str           # lane slug
    topics: str = ""    # for the filters, as the list's entries carry them
    entities: str = ""
    story: str = ""


@dataclass(frozen=True)
class Lane:
    slug: str
    name: str


@dataclass(frozen=True)
class Band:
    """An era to draw: a period, its title and its row."""
    title: str
    first: dt.date
    last: dt.date


@dataclass(frozen=True)
class Mark:
    key: str
    name: str           # accessible name and tooltip: its date and title
    shape: str          # "point", "bar" (a range of days) or "period" (a month or year)
    circa: bool
    x: str              # the bar's box, or the dot's centre (cx, cy) and radius
    y: str
    w: str
    h: str
    cx: str
    cy: str
    r: str
    hit_x: str
    hit_y: str
    hit_w: str
    label: str          # "" when there is no room: the list below has it
    label_x: str
    label_side: str     # text-anchor: "start" (after the mark) or "end" (before it)
    label_y: str
    lane: int           # colour number
    topics: str
    entities: str
    story: str
    first: str          # ISO days, for the tests and the zoom
    last: str


@dataclass(frozen=True)
class Tick:
    x: str
    label: str
    level: int          # 0: the one level drawn at build time (a zoom makes its own ticks)
    line: bool


@dataclass(frozen=True)
class Break:
    x: str
    after: str          # the last day before the gap and the first after it (ISO)
    before: str
    text: str


@dataclass(frozen=True)
class EraBox:
    title: str
    label: str
    x: str
    w: str
    y: str              # its label strip
    band_y: str         # the band behind the lanes
    band_h: str
    row: int
    start: str
    end: str


@dataclass(frozen=True)
class LaneBox:
    name: str
    y: str
    label_y: str
    h: str
    number: int


@dataclass(frozen=True)
class Segment:
    x1: str
    x2: str


@dataclass(frozen=True)
class Layout:
    width: int
    height: int
    title: str
    desc: str
    marks: tuple[Mark, ...]
    lanes: tuple[LaneBox, ...]
    eras: tuple[EraBox, ...]
    ticks: tuple[Tick, ...]
    breaks: tuple[Break, ...]
    axis: tuple[Segment, ...]
    axis_y: str
    tick_y: str
    plot_x: str
    plot_w: str
    knots: str          # "day:x day:x …": where days fall, for the zoom (days since 1970-01-01)
    colours: tuple[int, ...]    # the lane colour numbers the styles define (gradients for each)
    hit_h: int          # the height of every mark's link (ROW)


EPOCH = dt.date(1970, 1, 1).toordinal()


def number(value: float) -> str:
    """One decimal, no trailing zero: short, and the same bytes on every machine."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


@dataclass(frozen=True)
class Scale:
    """Days to x: stretches of time, each linear at one common rate, with breaks between."""
    stretches: tuple[tuple[int, int, float], ...]   # (first day, day after last, x of first day)
    per_day: float
    left: float
    right: float

    def x(self, day: float) -> float:
        for index, (start, stop, x0) in enumerate(self.stretches):
            if day < start:
                if index == 0:
                    return x0
                # inside a collapsed gap: across the break, so eras that begin in it still show
                prev_start, prev_stop, prev_x0 = self.stretches[index - 1]
                gap_x0 = prev_x0 + (prev_stop - prev_start) * self.per_day + PAD
                gap_x1 = x0 - PAD
                return gap_x0 + (gap_x1 - gap_x0) * (day - prev_stop) / (start - prev_stop)
            if day <= stop:
                return x0 + (day - start) * self.per_day
        start, stop, x0 = self.stretches[-1]
        return x0 + (stop - start) * self.per_day


def collapsible(gap_days: int, span_days: int) -> bool:
    """An empty stretch is cut out when it is over a year, or over three months and a
    large share of the whole span."""
    return gap_days > GAP_DAYS or (gap_days > SHARE_DAYS and gap_days > SHARE * span_days)


def stretches_of(items: tuple[Item, ...], extra: tuple[tuple[int, int], ...] = ()) -> list[list[int]]:
    """The stretches of time that hold events: [first day, day after last), gaps cut out."""
    spans = sorted([(i.first.toordinal(), i.last.toordinal() + 1) for i in items] + list(extra))
    span = spans[-1][1] - spans[0][0] if spans else 0
    found: list[list[int]] = []
    for start, stop in spans:
        if found and not collapsible(start - found[-1][1], span):
            found[-1][1] = max(found[-1][1], stop)
        else:
            found.append([start, stop])
    total = sum(stop - start for start, stop in found)
    if total < MIN_SPAN:        # a few days alone: widen evenly around them
        grow = MIN_SPAN - total
        found[0][0] -= grow // 2
        found[-1][1] += grow - grow // 2
    return found


def scale_for(stretches: list[list[int]], left: float, right: float) -> Scale:
    days = sum(stop - start for start, stop in stretches)
    room = (right - left) - 2 * PAD * len(stretches) - BREAK * (len(stretches) - 1)
    per_day = room / days
    placed, x = [], left
    for start, stop in stretches:
        placed.append((start, stop, x + PAD))
        x += 2 * PAD + (stop - start) * per_day + BREAK
    return Scale(tuple(placed), per_day, left, right)


def short(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit - 1].rsplit(" ", 1)[0].rstrip(",;:–-")
    return cut + "…"


def text_width(text: str) -> float:
    return len(text) * CHAR


def shape_of(item: Item) -> str:
    if not item.precise:
        return "period"
    return "point" if item.first == item.last else "bar"


@dataclass
class Placed:
    item: Item
    x0: float
    x1: float
    row: int
    label: str
    side: str = "start"     # the label's side: "start" after the mark, "end" before it

    def label_span(self) -> tuple[float, float]:
        width = text_width(self.label)
        if self.side == "start":
            start = self.x1 + label_offset(self.item)
            return start - 2, start + width + 3
        stop = self.x0 - label_offset(self.item)
        return stop - width - 3, stop + 2


def placed_in_lane(items: list[Item], scale: Scale, left: float, right: float, max_rows: int) -> list[Placed]:
    """Each event in the first of `max_rows` rows where it and its label fit (after it, else
    before it); else in the first row, of any number, where its mark fits without its label
    (the list has it): a lane grows a row rather than put one mark over another."""
    rows: list[float] = []          # the right end of what each row holds
    found = []
    order = sorted(items, key=lambda i: (i.first, -(i.last - i.first).days, i.key))
    for item in order:
        x0, x1 = extent(item, scale)
        hit0 = min(x0, (x0 + x1) / 2 - HIT / 2)
        hit1 = max(x1, (x0 + x1) / 2 + HIT / 2)
        label = short(item.title, LABEL_CHARS)
        after = Placed(item, x0, x1, 0, label, "start")
        before = Placed(item, x0, x1, 0, label, "end")
        options = []        # (side, the leftmost x it needs free, the right end it leaves)
        if after.label_span()[1] <= right:
            options.append(("start", hit0, max(hit1, after.label_span()[1])))
        if before.label_span()[0] >= left:
            options.append(("end", min(hit0, before.label_span()[0]), hit1))
        options.append(("", hit0, hit1))
        labelled = rows[:max_rows] + ([-1e9] if len(rows) < max_rows else [])
        choice = next(((n, side, end) for side, needs, end in options[:-1]
                       for n, row_end in enumerate(labelled) if row_end <= needs), None)
        if choice is None:
            _, needs, end = options[-1]
            choice = next((n, "", end) for n, row_end in enumerate(rows + [-1e9]) if row_end <= needs)
        row, side, end = choice
        if row == len(rows):
            rows.append(0.0)
        rows[row] = end + 3
        found.append(Placed(item, x0, x1, row, label if side else "", side or "start"))
    return without_collisions(found)


def hit_extent(p: Placed) -> tuple[float, float]:
    middle = (p.x0 + p.x1) / 2
    return min(p.x0, middle - HIT / 2), max(p.x1, middle + HIT / 2)


def without_collisions(placed: list[Placed]) -> list[Placed]:
    """A label that would cross another mark or label of its row (a full row forces marks
    together) is left to the list: labels never overlap anything."""
    by_row: dict[int, list[Placed]] = {}
    for p in placed:
        by_row.setdefault(p.row, []).append(p)
    for members in by_row.values():
        taken: list[tuple[float, float]] = []
        for p in sorted(members, key=lambda p: p.x0):
            if not p.label:
                continue
            start, stop = p.label_span()
            others = [hit_extent(o) for o in members if o is not p] + taken
            if any(a < stop and start < b for a, b in others):
                p.label = ""
            else:
                taken.append((start, stop))
    return placed


def label_offset(item: Item) -> float:
    return 10 if shape_of(item) == "point" else 5


def extent(item: Item, scale: Scale) -> tuple[float, float]:
    """Where a mark begins and ends: a dot at the middle of its day, a bar over its days."""
    first, stop = item.first.toordinal(), item.last.toordinal() + 1
    if shape_of(item) == "point":
        middle = scale.x(first + 0.5)
        return middle, middle
    x0, x1 = scale.x(first), scale.x(stop)
    if x1 - x0 < 4:             # still visible as a bar
        middle = (x0 + x1) / 2
        x0, x1 = middle - 2, middle + 2
    return x0, x1


def era_rows(bands: list[Band]) -> list[int]:
    """An era that overlaps one already placed takes a row of its own."""
    ends: list[int] = []
    rows = []
    for band in bands:
        start = band.first.toordinal()
        for number_, end in enumerate(ends):
            if end < start:
                ends[number_] = band.last.toordinal()
                rows.append(number_)
                break
        else:
            ends.append(band.last.toordinal())
            rows.append(len(ends) - 1)
    return rows


LEVELS = (("day", 1), ("day", 7), ("month", 1), ("month", 3), ("month", 6),
          ("year", 1), ("year", 2), ("year", 5), ("year", 10))
MONTH_ABBR = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def tick_days(unit: str, step: int, start: int, stop: int) -> list[dt.date]:
    """The boundaries of days, weeks (the 1st, 8th, 15th and 22nd), months or years in [start, stop)."""
    first, last = dt.date.fromordinal(start), dt.date.fromordinal(stop - 1)
    found = []
    if unit == "year":
        for year in range(first.year, last.year + 1):
            if year % step == 0 and start <= dt.date(year, 1, 1).toordinal() < stop:
                found.append(dt.date(year, 1, 1))
        return found
    if unit == "month":
        year, month = first.year, first.month
        while (year, month) <= (last.year, last.month):
            day = dt.date(year, month, 1)
            if (month - 1) % step == 0 and day.toordinal() >= start:
                found.append(day)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return found
    for ordinal in range(start, stop):
        day = dt.date.fromordinal(ordinal)
        if step == 1 or (day.day in (1, 8, 15, 22)):
            found.append(day)
    return found


def tick_label(day: dt.date, unit: str, with_year: bool) -> str:
    if unit == "year":
        return str(day.year)
    if unit == "month":
        return f"{MONTH_ABBR[day.month]} {day.year}" if with_year or day.month == 1 else MONTH_ABBR[day.month]
    return f"{day.day} {MONTH_ABBR[day.month]}" + (f" {day.year}" if with_year else "")


def level_spacing(unit: str, step: int, per_day: float) -> float:
    days = {"day": 1, "month": 30.4, "year": 365.25}[unit] * step
    return days * per_day


def chosen_level(per_day: float) -> int:
    """The finest level whose ticks are far enough apart for their labels."""
    for index, (unit, step) in enumerate(LEVELS):
        room = {"day": 56, "month": 60, "year": 44}[unit]
        if level_spacing(unit, step, per_day) >= room:
            return index
    return len(LEVELS) - 1


def ticks_for(scale: Scale) -> list[Tick]:
    """Ticks at the level the span allows, with labels that would touch the one before left
    out, and a label for a stretch with no tick. (A zoom's finer ticks are made in the
    browser, for the span it shows.)"""
    unit, step = LEVELS[chosen_level(scale.per_day)]
    found: list[Tick] = []
    last_end = -1e9
    previous_year = None
    for stretch_start, stop, _ in scale.stretches:
        for day in tick_days(unit, step, stretch_start, stop):
            x = scale.x(day.toordinal())
            label = tick_label(day, unit, with_year=previous_year != day.year)
            previous_year = day.year
            half = text_width(label) / 2
            shown = label if x - half >= last_end + TICK_GAP and x + half <= scale.right else ""
            if shown:
                last_end = x + half
            found.append(Tick(number(x), shown, 0, True))
    return found + stretch_labels(scale, unit, [t for t in found if t.label])


def stretch_labels(scale: Scale, unit: str, labelled: list[Tick]) -> list[Tick]:
    """A stretch too short for a tick of its own still says when it is."""
    extra = []
    for start, stop, x0 in scale.stretches:
        x1 = x0 + (stop - start) * scale.per_day
        if any(x0 - PAD <= float(t.x) <= x1 + PAD for t in labelled):
            continue
        label = tick_label(dt.date.fromordinal(start), "month" if unit == "day" else unit, with_year=True)
        middle = (x0 + x1) / 2
        extra.append(Tick(number(max(scale.left + text_width(label) / 2, middle)), label, 0, False))
    return extra


def breaks_for(scale: Scale) -> list[Break]:
    found = []
    for (start, stop, x0), (next_start, _, _) in zip(scale.stretches, scale.stretches[1:]):
        x = x0 + (stop - start) * scale.per_day + PAD + BREAK / 2
        years = (next_start - stop) / 365.25
        text = f"{round(years)} years with no events left out" if years >= 1.5 else \
            f"{round((next_start - stop) / 30.4)} months with no events left out"
        found.append(Break(number(x), dt.date.fromordinal(stop - 1).isoformat(),
                           dt.date.fromordinal(next_start).isoformat(), text))
    return found


def layout(items: tuple[Item, ...], lanes: tuple[Lane, ...], eras: tuple[Band, ...], width: int,
           title: str, show_lane_names: bool = True, max_rows: int = MAX_ROWS) -> Layout | None:
    """The drawing of `items` in `lanes` (in that order; an empty lane is left out) with
    `eras` behind them, `width` units wide; None when there is nothing to draw."""
    if not items:
        return None
    left, right = 8.0, width - 8.0
    scale = scale_for(stretches_of(items), left, right)
    first_day = scale.stretches[0][0]
    last_day = scale.stretches[-1][1]
    shown_eras = [band for band in eras
                  if band.last.toordinal() >= first_day and band.first.toordinal() < last_day]
    rows_of_eras = era_rows(shown_eras)
    era_height = (max(rows_of_eras) + 1) * ERA_ROW if rows_of_eras else 0
    y = era_height + 4
    lane_boxes, marks = [], []
    for number_, lane in enumerate(lanes):
        members = [i for i in items if i.lane == lane.slug]
        if not members:
            continue
        placed = placed_in_lane(members, scale, left, right, max_rows)
        rows = max(p.row for p in placed) + 1
        head = LANE_HEAD if show_lane_names else 0
        lane_boxes.append(LaneBox(lane.name, number(y), number(y + 13), number(head + rows * ROW),
                                  number_ % LANE_COLOURS))
        for p in sorted(placed, key=lambda p: (p.item.first, p.item.key)):
            marks.append(mark_for(p, y + head, number_ % LANE_COLOURS))
        y += head + rows * ROW + 4
    lanes_bottom = y
    era_boxes = []
    for band, row in zip(shown_eras, rows_of_eras):
        x0 = scale.x(max(band.first.toordinal(), first_day))
        x1 = scale.x(min(band.last.toordinal() + 1, last_day))
        label = fitted(band.title, x1 - x0 - 8)
        era_boxes.append(EraBox(band.title, label, number(x0), number(max(x1 - x0, 1)), number(row * ERA_ROW),
                                number(row * ERA_ROW), number(lanes_bottom - row * ERA_ROW), row % 3,
                                band.first.isoformat(), band.last.isoformat() if band.last != dt.date.max else ""))
    axis_y = lanes_bottom + 6
    axis = [Segment(number(x0 - PAD + 2), number(x0 + (stop - start) * scale.per_day + PAD - 2))
            for start, stop, x0 in scale.stretches]
    breaks = breaks_for(scale)
    span = f"{dt.date.fromordinal(first_day).year}–{dt.date.fromordinal(last_day - 1).year}"
    names = [box.name for box in lane_boxes if box.name]
    desc = (f"{len(items)} events, {span}, drawn to scale from left to right"
            + (f", in lanes: {', '.join(names)}" if len(names) > 1 else "")
            + (f"; eras: {', '.join(b.title for b in shown_eras)}" if shown_eras else "")
            + (f"; {len(breaks)} long stretch{'es' if len(breaks) != 1 else ''} without events cut out"
               if breaks else "")
            + ". Each mark links to its entry in the list below.")
    knots = " ".join(f"{day - EPOCH}:{number(scale.x(day))}"
                     for start, stop, _ in scale.stretches for day in (start, stop))
    return Layout(width=width, height=int(axis_y + AXIS), title=title, desc=desc, marks=tuple(marks),
                  colours=tuple(range(LANE_COLOURS)), hit_h=ROW,
                  lanes=tuple(lane_boxes), eras=tuple(era_boxes), ticks=tuple(ticks_for(scale)),
                  breaks=tuple(breaks), axis=tuple(axis), axis_y=number(axis_y), tick_y=number(axis_y + 22),
                  plot_x=number(left), plot_w=number(right - left), knots=knots)


def fitted(text: str, room: float) -> str:
    """As much of an era's title as fits its band; nothing when not even a word does."""
    if text_width(text) <= room:
        return text
    chars = int(room / CHAR)
    return short(text, chars) if chars >= 6 and " " in text[:chars] else ""


def mark_for(p: Placed, top: float, colour: int) -> Mark:
    item, shape = p.item, shape_of(p.item)
    row_top = top + p.row * ROW
    middle_y = row_top + ROW / 2
    height = 10 if shape == "bar" else 16
    middle_x = (p.x0 + p.x1) / 2
    hit0 = min(p.x0, middle_x - HIT / 2)
    hit1 = max(p.x1, middle_x + HIT / 2)
    label_x = p.x1 + label_offset(item) if p.side == "start" else p.x0 - label_offset(item)
    return Mark(key=item.key, name=f"{item.when}: {item.title}", shape=shape, circa=item.circa,
                x=number(p.x0), y=number(middle_y - height / 2), w=number(p.x1 - p.x0), h=number(height),
                cx=number(middle_x), cy=number(middle_y), r="6" if not item.circa else "8",
                hit_x=number(hit0), hit_y=number(row_top), hit_w=number(hit1 - hit0),
                label=p.label, label_x=number(label_x), label_side=p.side, label_y=number(middle_y + 4), lane=colour,
                topics=item.topics, entities=item.entities, story=item.story,
                first=item.first.isoformat(), last=item.last.isoformat())

