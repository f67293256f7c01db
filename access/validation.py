"""Checks on what administrators type: usernames, names, custom field values, permissions.
Each refusal is one sentence naming what was wrong."""

from __future__ import annotations

import re
from collections.abc import Iterable

from access.catalogue import PERMISSIONS
from access.errors import InvalidInput
from access.vocabulary import FIELD_KINDS_HELP, TICKET_SCOPES

_USERNAME = re.compile(r"^[a-z][a-z0-9._-]{0,31}$")
_FIELD_RULES: dict[str, re.Pattern[str]] = {
    "phone": re.compile(r"^\+?[0-9][0-9 ()./-]{3,24}$"),
    "email": re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
    "url": re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE),
}


def checked_username(username: str) -> str:
    if not _USERNAME.match(username or ""):
        raise InvalidInput(
            f"{username!r} is not a valid username (lowercase letters, digits, . _ -)"
        )
    return username


def checked_name(text: str, what: str, limit: int = 80) -> str:
    """A display name or the name of a role, group, source or field: stripped, not empty,
    not too long, no control characters."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput(f"the {what} is empty")
    if len(text) > limit:
        raise InvalidInput(f"the {what} is longer than {limit} characters")
    if any(ord(ch) < 32 or 0x7F <= ord(ch) <= 0x9F for ch in text):
        raise InvalidInput(f"the {what} contains control characters")
    return text


def validate_field_value(kind: str, value: str, required: bool, name: str) -> str:
    """A custom field's value checked against its kind; the message names the field."""
    value = (value or "").strip()
    if not value:
        if required:
            raise InvalidInput(f"{name} is required")
        return ""
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in value):
        raise InvalidInput(f"{name} contains control characters")
    rule = _FIELD_RULES.get(kind)
    if rule is not None and not rule.match(value):
        raise InvalidInput(f"{name} must be {FIELD_KINDS_HELP[kind]}")
    return value


def checked_permissions(permissions: Iterable[str]) -> frozenset[str]:
    chosen = frozenset(permissions)
    unknown = sorted(chosen - PERMISSIONS.keys())
    if unknown:
        raise InvalidInput(f"unknown permission {unknown[0]!r}")
    return chosen


def checked_ticket_scope(ticket_scope: str) -> str:
    if ticket_scope not in TICKET_SCOPES:
        raise InvalidInput(f"unknown ticket scope {ticket_scope!r}; one of all, usergroups, own")
    return ticket_scope
