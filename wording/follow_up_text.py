"""A ticket's follow-up links as fields, the same words on the ticket screen and the CLI."""

from __future__ import annotations

from access.views import FollowUpLinks


def follow_up_fields(links: FollowUpLinks) -> list[tuple[str, str]]:
    """("Follow-up of", "#12") and ("Followed up in", "#15 #18"), those that apply."""
    fields = []
    if links.follow_up_of is not None:
        fields.append(("Follow-up of", f"#{links.follow_up_of}"))
    if links.follow_ups:
        fields.append(("Followed up in", " ".join(f"#{n}" for n in links.follow_ups)))
    return fields
