"""Dates that keep their precision: a year, a month or a day.

An event known only to the year is shown as "2023", never as "1 January 2023",
so a date is a year with an optional month and an optional day, and every
display and sort key is computed from what is actually known.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

MONTHS = (None, "January", "February", "March", "April", "May", "June", "July",
          "August", "September", "October", "November", "December")

_PARTIAL_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


@dataclass(frozen=True)
class PartialDate:
    year: int
    month: int | None = None
    day: int | None = None

    @property
    def precision(self) -> str:
        if self.day is not None:
            return "day"
        return "month" if self.month is not None else "year"

    def first_day(self) -> dt.date:
        """The first day of the period; a year or month sorts at its start."""
        return dt.date(self.year, self.month or 1, self.day or 1)

    def last_day(self) -> dt.date:
        if self.day is not None:
            return self.first_day()
        month = self.month or 12
        return dt.date(self.year, month, calendar.monthrange(self.year, month)[1])

    def iso(self) -> str:
        parts = [f"{self.year:04d}"]
        if self.month is not None:
            parts.append(f"{self.month:02d}")
        if self.day is not None:
            parts.append(f"{self.day:02d}")
        return "-".join(parts)

    def display(self) -> str:
        if self.day is not None:
            return f"{self.day} {MONTHS[self.month]} {self.year}"
        if self.month is not None:
            return f"{MONTHS[self.month]} {self.year}"
        return str(self.year)


def parse_partial_date(value: object) -> PartialDate:
    """Accept what YAML hands over (int, str or date) and keep its precision.

    Raises ValueError with a message fit to show the author.
    """
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return PartialDate(value.year, value.month, value.day)
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(f"{value!r} is not a date; write YYYY, YYYY-MM or YYYY-MM-DD")
    text = str(value).strip()
    match = _PARTIAL_DATE.fullmatch(text)
    if not match:
        raise ValueError(f"{text!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = (int(g) if g else None for g in match.groups())
    if month is not None and not 1 <= month <= 12:
        raise ValueError(f"{text!r} has no month {month}; months run from 01 to 12")
    if day is not None:
        last = calendar.monthrange(year, month)[1]
        if not 1 <= day <= last:
            raise ValueError(f"{text!r} is not a real date: {MONTHS[month]} {year} has {last} days")
    return PartialDate(year, month, day)


def parse_full_date(value: object) -> PartialDate:
    date = parse_partial_date(value)
    if date.precision != "day":
        raise ValueError(f"{date.iso()!r} must be a full date, YYYY-MM-DD")
    return date


def display_range(start: PartialDate, end: PartialDate | None, circa: bool = False) -> str:
    """'15–16 June 2024', 'June–July 2024', '2022–2024', with 'c. ' for circa."""
    prefix = "c. " if circa else ""
    if end is None or end == start:
        return prefix + start.display()
    if start.precision == end.precision and start.year == end.year:
        if start.precision == "day" and start.month == end.month:
            return f"{prefix}{start.day}–{end.display()}"
        if start.precision == "day":
            return f"{prefix}{start.day} {MONTHS[start.month]} – {end.display()}"
        if start.precision == "month":
            return f"{prefix}{MONTHS[start.month]}–{end.display()}"
    if start.precision == end.precision == "year":
        return f"{prefix}{start.year}–{end.year}"
    return f"{prefix}{start.display()} – {end.display()}"
