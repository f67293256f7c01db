"""The tallies (migration 27): how many tickets there are per combination of the columns a
saved view filters on and a person's scope reads, kept by triggers on every ticket write
(`store.tallies`), so that a view's count is a sum over a few rows instead of a count of
tickets. No usergroup or no assignee is 0 here (a unique key treats NULLs as distinct).

On SQLite each combination is one row, updated in place (writers take turns anyway). On
PostgreSQL a write appends rows of +1 and -1 (`folded` false) and never updates a shared row,
so concurrent writers neither wait on nor deadlock over one; a fold sums them now and then."""

from __future__ import annotations

from peewee import SQL, AutoField, BooleanField, IntegerField, TextField

from store.models import BaseModel

# The columns a tally shares with `Ticket`, by the tally's attribute names.
TICKET_DIMENSIONS = ("status", "priority", "usergroup", "source", "assignee", "private")
TAG_DIMENSIONS = ("tag", *TICKET_DIMENSIONS)


class ViewTally(BaseModel):
    """Tickets per status, priority, usergroup, source, assignee and privacy."""

    id = AutoField()
    status = TextField()
    priority = TextField()
    usergroup = IntegerField(column_name="usergroup_id")
    source = IntegerField(column_name="source_id")
    assignee = IntegerField(column_name="assignee_id")
    private = BooleanField()
    n = IntegerField()
    folded = BooleanField(default=True, constraints=[SQL("DEFAULT TRUE")])


class TagTally(ViewTally):
    """Tagged tickets per tag and the same columns."""

    tag = IntegerField(column_name="tag_id")


TALLY_MODELS: list[type[BaseModel]] = [ViewTally, TagTally]
