"""Links between tickets and the addresses copied on a ticket (migration 20).

A link runs from `ticket` to `other` with a kind (`store.words.LINK_KINDS`, or `MERGED`: the
ticket's conversation moved into `other`). A copy is an address that gets the replies in Cc and
whose mail may thread onto the ticket.
"""

from __future__ import annotations

from peewee import AutoField, DateTimeField, ForeignKeyField, TextField

from store.models import BaseModel, Person, Ticket, utcnow


class TicketLink(BaseModel):
    id = AutoField()
    ticket_id: int
    other_id: int
    created_by_id: int | None

    ticket = ForeignKeyField(Ticket, on_delete="CASCADE", index=False)
    other = ForeignKeyField(Ticket, on_delete="CASCADE")
    kind = TextField()
    created_by = ForeignKeyField(Person, null=True, on_delete="SET NULL", index=False)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("ticket", "other", "kind"), True),)


class TicketCopy(BaseModel):
    id = AutoField()
    ticket_id: int

    ticket = ForeignKeyField(Ticket, on_delete="CASCADE", index=False)
    address = TextField()  # lower case, as `mail.parse.valid_address` reads senders
    added_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("ticket", "address"), True), (("address",), False))


LINK_MODELS = [TicketLink, TicketCopy]


def copies_of(number: int) -> list[str]:
    """The addresses copied on ticket `number`, in the order they were added."""
    rows = TicketCopy.select(TicketCopy.address).where(TicketCopy.ticket == number)
    return [str(row.address) for row in rows.order_by(TicketCopy.id)]
