"""Business durations as targets and settings write them (`4h`, `3d`, `1d4h`): a day is a
working day of the calendar counted in. What the inbox's due column and the settings need of
the service levels; the policies' rules are `access.sla_rules`, loaded by the clocks and the
admin, which says these again for its users.
"""

from __future__ import annotations

import functools
import re
from typing import Final

from access.business_time import MINUTES_A_DAY, Calendar
from access.errors import InvalidInput

# The longest target: a year of working days is more than any promise a team makes.
TARGET_LIMIT_DAYS = 366

_DURATION = r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?"


class Duration:
    """Business time: working days of the calendar, and minutes.

    Never changed once made (mypy holds its fields `Final`). A plain class with slots rather
    than a frozen dataclass, as `Calendar`: the settings make one before the first frame."""

    __slots__ = ("days", "minutes")

    def __init__(self, days: int = 0, minutes: int = 0) -> None:
        self.days: Final = days
        self.minutes: Final = minutes

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Duration)
        return (self.days, self.minutes) == (other.days, other.minutes)

    def __hash__(self) -> int:
        return hash((self.days, self.minutes))

    def __repr__(self) -> str:
        return f"Duration(days={self.days!r}, minutes={self.minutes!r})"

    def business_minutes(self, calendar: Calendar) -> int:
        return self.days * working_day_minutes(calendar) + self.minutes

    def __str__(self) -> str:
        hours, minutes = divmod(self.minutes, 60)
        text = "".join(
            f"{n}{unit}" for n, unit in ((self.days, "d"), (hours, "h"), (minutes, "m")) if n
        )
        return text or "0m"


# How long before a due time its warning is made, unless the settings say otherwise.
WARN_BEFORE = Duration(0, 60)


def parse_duration(text: str) -> Duration:
    """`4h`, `3d`, `90m`, `1d4h`, `2h30m` (spaces allowed between the parts)."""
    compact = "".join(text.lower().split())
    match = re.fullmatch(_DURATION, compact)
    if not compact or match is None:
        raise InvalidInput(f"{text!r} is not a duration; write e.g. 30m, 4h, 3d or 1d4h")
    days, hours, minutes = (int(part or 0) for part in match.groups())
    duration = Duration(days, hours * 60 + minutes)
    if duration.days == 0 and duration.minutes == 0:
        raise InvalidInput(f"{text!r}: a target must be longer than nothing")
    if duration.days + duration.minutes // MINUTES_A_DAY > TARGET_LIMIT_DAYS:
        raise InvalidInput(f"{text!r}: a target is at most {TARGET_LIMIT_DAYS}d")
    return duration


def working_day_minutes(calendar: Calendar) -> int:
    """The length of the calendar's average working day, in minutes."""
    return _working_day_minutes(calendar)


@functools.lru_cache(maxsize=256)
def _working_day_minutes(calendar: Calendar) -> int:
    """Worked out once per calendar: every target in days of every ticket asks for it."""
    working_days = sum(1 for shifts in calendar.shifts if shifts)
    return calendar.weekly_minutes() // working_days if working_days else 0
