"""Dates as the pages print them: `Apr 1, 2022`, `Feb 4` (no year), `2025`."""

from __future__ import annotations

import datetime as dt
import re

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTH_PATTERN = "(?:" + "|".join(MONTHS) + ")"
DATE_PATTERN = rf"{MONTH_PATTERN} \d{{1,2}}(?:, \d{{4}})?"
_DATE = re.compile(rf"(?P<month>{MONTH_PATTERN}) (?P<day>\d{{1,2}})(?:, (?P<year>\d{{4}}))?")


def parse_date(text: str, as_of: dt.date) -> dt.date:
    """Parse `Mon D, YYYY` or `Mon D`; a yearless date is the latest such date not after `as_of`.

    Raises ValueError for anything else (including impossible days such as `Feb 30, 2023`).
    """
    match = _DATE.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"not a date: {text!r}")
    month = MONTHS.index(match["month"]) + 1
    day = int(match["day"])
    if match["year"] is not None:
        try:
            return dt.date(int(match["year"]), month, day)
        except ValueError as error:  # `Feb 30, 2023`: name the date, not just "day is out of range"
            raise ValueError(f"impossible date {text.strip()!r}: {error}") from None
    for year in range(as_of.year, as_of.year - 9, -1):
        try:
            candidate = dt.date(year, month, day)
        except ValueError:  # Feb 29 in a non-leap year
            continue
        if candidate <= as_of:
            return candidate
    raise ValueError(f"no valid year for {text!r} before {as_of.isoformat()}")
