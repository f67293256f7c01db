"""A person's settings for all their notifications: quiet hours (in their time zone; mail
waits for their end), mail one by one or as a digest, and the terminal's bell and desktop
notification."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from access.errors import InvalidInput, NoChange
from store.notification_models import NotificationSettings

# The bell and the desktop notification: "auto" rings in a local terminal, not under SSH.
AUTO, ON, OFF = "auto", "on", "off"
TERMINAL_CHOICES = (AUTO, ON, OFF)
MAX_DIGEST_MINUTES = 24 * 60
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class Settings(NamedTuple):
    quiet_from: str  # "HH:MM" in `zone`; equal ends: no quiet hours
    quiet_until: str
    digest_minutes: int  # 0: one mail per event
    bell: str  # auto, on, off
    desktop: str
    zone: str = "UTC"  # the quiet hours' time zone

    def quiet_now(self, now: datetime) -> bool:
        """Whether `now` (naive UTC, as the store keeps times) falls in the quiet hours, read
        on the clock of the person's time zone."""
        local = now.replace(tzinfo=UTC).astimezone(ZoneInfo(self.zone))
        return self.quiet_at(local.hour * 60 + local.minute)

    def quiet_at(self, minute_of_day: int) -> bool:
        """Whether `minute_of_day` (in `zone`) falls in the quiet hours, which may run past
        midnight."""
        start, end = _minutes(self.quiet_from), _minutes(self.quiet_until)
        if start == end:
            return False
        if start < end:
            return start <= minute_of_day < end
        return minute_of_day >= start or minute_of_day < end


DEFAULTS = Settings("00:00", "00:00", 0, AUTO, AUTO)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _minutes(clock: str) -> int:
    match = _CLOCK.match(clock)
    if match is None:
        raise InvalidInput(f"{clock!r} is not a time of day (HH:MM)")
    return int(match[1]) * 60 + int(match[2])


def _zone(name: str) -> str:
    try:
        ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"{name!r} is not a time zone (such as Europe/Warsaw)") from exc
    return name.strip()


def read_settings(person_id: int) -> Settings:
    row = NotificationSettings.get_or_none(NotificationSettings.person == person_id)
    return DEFAULTS if row is None else settings_of(row)


def settings_of(row: NotificationSettings) -> Settings:
    """The settings a stored row holds."""
    return Settings(
        _clock(row.quiet_from),
        _clock(row.quiet_until),
        row.digest_minutes,
        row.bell,
        row.desktop,
        row.zone,
    )


def _checked(changes: Mapping[str, object]) -> dict[str, object]:
    unknown = sorted(set(changes) - set(Settings._fields))
    if unknown:
        raise InvalidInput(f"no notification setting {', '.join(unknown)}")
    columns: dict[str, object] = {}
    for name, value in changes.items():
        if name in ("quiet_from", "quiet_until"):
            columns[name] = _minutes(str(value))
        elif name == "digest_minutes":
            if not isinstance(value, int) or not 0 <= value <= MAX_DIGEST_MINUTES:
                raise InvalidInput(f"the digest is every 0 to {MAX_DIGEST_MINUTES} minutes")
            columns[name] = value
        elif name == "zone":
            columns[name] = _zone(str(value))
        elif value not in TERMINAL_CHOICES:
            raise InvalidInput(f"{name} is one of {', '.join(TERMINAL_CHOICES)}, not {value!r}")
        else:
            columns[name] = value
    return columns


def write_settings(person_id: int, changes: Mapping[str, object]) -> Settings:
    """Inside the caller's write transaction: the settings changed as asked; the new ones."""
    columns = _checked(changes)
    before = read_settings(person_id)
    shown = {
        name: _clock(value) if name.startswith("quiet") and isinstance(value, int) else value
        for name, value in columns.items()
    }
    after = Settings(**{**before._asdict(), **shown})
    if after == before:
        raise NoChange("the notification settings are already so")
    values = {getattr(NotificationSettings, k): v for k, v in columns.items()}
    NotificationSettings.insert({NotificationSettings.person: person_id, **values}).on_conflict(
        conflict_target=[NotificationSettings.person],
        preserve=list(values),
    ).execute()
    return after
