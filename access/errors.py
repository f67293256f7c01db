"""The gate's refusals. Each message is one sentence a person can act on."""

from __future__ import annotations

from store.errors import EXIT_CONFLICT, EXIT_OK, EXIT_PERSON, EXIT_REFUSED, TickettyError


class AccessError(TickettyError):
    """Base of every refusal the gate raises; nothing was written."""

    exit_code = EXIT_REFUSED


class PermissionDenied(AccessError):
    """The person lacks the right for this action on this object."""


class NotFound(AccessError):
    """The object does not exist, or does not exist for this person (out of scope)."""


class Conflict(AccessError):
    """Someone else changed the object since it was read; reload and try again."""

    exit_code = EXIT_CONFLICT


class NoChange(AccessError):
    """What was asked is already so (assign to the assignee, close a closed ticket): nothing
    was written and no event recorded. Not a failure: say so and carry on."""

    exit_code = EXIT_OK


class InvalidInput(AccessError):
    """The request is malformed: an unknown status, an empty body, a bad field value."""


class UnknownPerson(AccessError):
    """The acting person does not exist or is deactivated."""

    exit_code = EXIT_PERSON


class NoSuchPerson(UnknownPerson):
    """No person has the name the session acts as."""


class StillHeld(InvalidInput):
    """A role people still hold was to be deleted without saying so was meant."""
