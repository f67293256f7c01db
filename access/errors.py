"""The gate's refusals. Each message is one sentence a person can act on."""

from __future__ import annotations


class AccessError(Exception):
    """Base of every refusal the gate raises; nothing was written."""


class PermissionDenied(AccessError):
    """The person lacks the right for this action on this object."""


class NotFound(AccessError):
    """The object does not exist, or does not exist for this person (out of scope)."""


class Conflict(AccessError):
    """Someone else changed the object since it was read; reload and try again."""


class NoChange(AccessError):
    """What was asked is already so (assign to the assignee, close a closed ticket): nothing
    was written and no event recorded. Not a failure: say so and carry on."""


class InvalidInput(AccessError):
    """The request is malformed: an unknown status, an empty body, a bad field value."""


class UnknownPerson(AccessError):
    """The acting person does not exist or is deactivated."""


class NoSuchPerson(UnknownPerson):
    """No person has the name the session acts as."""


class StillHeld(InvalidInput):
    """A role people still hold was to be deleted without saying so was meant."""
