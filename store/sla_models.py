"""Service-level verdicts kept when a clock ends (migration 21)."""

from __future__ import annotations

from peewee import AutoField, BooleanField, DateTimeField, IntegerField, TextField

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
