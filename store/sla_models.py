"""Service-level verdicts kept when a clock ends (migration 21), and their monthly tally
(migration 28, kept by triggers: `store.sla_tally`)."""

from __future__ import annotations

from peewee import (
    AutoField,
    BooleanField,
    DateTimeField,
    IntegerField,
    TextField,
)

from store.models import BaseModel


class SlaVerdict(BaseModel):
    """One clock's verdict, written in the transaction of the change that ended it (a reply
    meeting a response target, the ticket resolved or closed) and never updated: what the
    policy was then, its target, the business minutes counted, met or breached, and who and
    which usergroup it is put down to. Ids are kept without foreign keys so that deleting a
    policy, person or usergroup never changes what was said. One row per end of a clock
    (`ticket`, `metric`, `ended_at`): a reopened ticket resolved again gets a second one."""

    id = AutoField()
    ticket = IntegerField()
    metric = TextField()  # first_response, next_response, resolution
    policy_id = IntegerField(null=True)
    policy_name = TextField()
    target_minutes = IntegerField()
    business_minutes = IntegerField()
    met = BooleanField()
    started_at = DateTimeField()
    ended_at = DateTimeField()
    agent = IntegerField(null=True)  # the replier of a response, else the assignee then
    usergroup = IntegerField(null=True)
    source = IntegerField()

    class Meta:
        indexes = (
            (("ticket", "metric", "ended_at"), True),
            # The report reads a period's verdicts from the index alone: all it groups by.
            (
                (
                    "ended_at",
                    "metric",
                    "met",
                    "business_minutes",
                    "agent",
                    "usergroup",
                    "source",
                    "ticket",
                ),
                False,
            ),
        )


VERDICT_MODELS: list[type[BaseModel]] = [SlaVerdict]


class SlaTally(BaseModel):
    """Per month of the verdicts' ends (UTC, `2026-11`), clock kind, agent, usergroup or source
    (`dimension`, and `member` its id, 0 for none) and business minutes taken: how many
    verdicts met and breached. The counts a month's report reads, and the minutes' histogram
    its exact medians are found in."""

    id = AutoField()
    period = TextField()
    metric = TextField()
    dimension = TextField()  # agent, usergroup, source
    member = IntegerField()
    minutes = IntegerField()
    met = IntegerField()
    breached = IntegerField()

    class Meta:
        # In the order a month's medians read it.
        indexes = ((("period", "dimension", "member", "metric", "minutes"), True),)


class SlaTicketTally(BaseModel):
    """Per month, agent, usergroup or source: how many tickets have a first-response or
    resolution verdict there (a ticket once, however many it has)."""

    id = AutoField()
    period = TextField()
    dimension = TextField()
    member = IntegerField()
    tickets = IntegerField()

    class Meta:
        indexes = ((("period", "dimension", "member"), True),)


SLA_TALLY_MODELS: list[type[BaseModel]] = [SlaTally, SlaTicketTally]
