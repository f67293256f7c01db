"""Reports: per-agent workload and response times, and service-level attainment. One's own
figures need `reports.own`, everyone's need `reports.team`; both count only tickets the viewer
may see."""

from __future__ import annotations

import statistics
from datetime import timedelta

import peewee

from access import scope
from access.catalogue import REPORTS_OWN, REPORTS_TEAM
from access.errors import InvalidInput, PermissionDenied
from access.grants import Grants
from access.request import Part
from access.sla_reports import SlaReport, month, sla_report
from access.views import WorkloadRow
from access.vocabulary import OPEN_STATUSES, REPLY
from store.models import Message, Person, Ticket
from store.rows import dict_rows, tuple_rows

# The periods a report is usually asked for, in days.
PERIODS = (7, 30, 90, 365)


class Reports(Part):
    """`gate.reports`: figures per agent."""

    def workload(self, days: int = 30) -> list[WorkloadRow]:
        """Per agent: tickets open and assigned now; over the last `days`, replies written and
        the median time from a ticket's filing to the agent's first reply on it."""
        if not 1 <= days <= 3660:
            raise InvalidInput("the period is 1 to 3660 days")
        request = self._open()
        grants = request.grants()
        agents = _agents(grants)
        visible = scope.visible(grants)
        open_counts = (
            Ticket.select(Ticket.assignee, peewee.fn.COUNT(Ticket.number).alias("n"))
            .where(visible & Ticket.assignee.is_null(False) & Ticket.status.in_(OPEN_STATUSES))
            .group_by(Ticket.assignee)
        )
        if agents is not None:
            open_counts = open_counts.where(Ticket.assignee.in_(agents))
        open_by = {row["assignee"]: row["n"] for row in dict_rows(open_counts)}
        since = request.now - timedelta(days=days)
        replies = (
            Message.select(Message.author, Message.ticket, Message.created_at, Ticket.created_at)
            .join(Ticket, on=(Message.ticket == Ticket.number))
            .where(visible & (Message.kind == REPLY) & (Message.created_at >= since))
        )
        if agents is not None:
            replies = replies.where(Message.author.in_(agents))
        recent: dict[int, int] = {}
        first: dict[tuple[int, int], float] = {}
        for row in tuple_rows(replies):
            author, number, replied_at, opened_at = row
            recent[author] = recent.get(author, 0) + 1
            minutes = (replied_at - opened_at).total_seconds() / 60
            key = (author, number)
            first[key] = min(first.get(key, minutes), minutes)
        per_agent: dict[int, list[float]] = {}
        for (author, _), minutes in first.items():
            per_agent.setdefault(author, []).append(minutes)
        ids = set(open_by) | set(recent) | set(per_agent)
        if agents is not None:
            ids |= set(agents)
        names = {
            p.id: p.username for p in Person.select().where(Person.id.in_(sorted(ids) or [-1]))
        }
        return sorted(
            (
                WorkloadRow(
                    username=names[pid],
                    open_assigned=open_by.get(pid, 0),
                    days=days,
                    replies=recent.get(pid, 0),
                    median_first_response_minutes=(
                        round(statistics.median(per_agent[pid]), 1) if pid in per_agent else None
                    ),
                )
                for pid in ids
                if pid in names
            ),
            key=lambda row: row.username,
        )

    def sla(self, period: str | None = None) -> SlaReport:
        """Service-level attainment and median business times per agent, usergroup and source,
        over the verdicts given in `period` (a month, `2026-11`; None: this month); see
        `access.sla_reports` for what counts."""
        request = self._open()
        grants = request.grants()
        agents = _agents(grants)
        visible = scope.visible(grants)
        everything = visible is scope.TRUE
        return sla_report(month(period, request.now), None if everything else visible, agents)


def _agents(grants: Grants) -> list[int] | None:
    """Whose figures the viewer may see: everyone's (None) or their own."""
    if grants.holds(REPORTS_TEAM):
        return None
    if grants.holds(REPORTS_OWN):
        return [grants.person_id]
    raise PermissionDenied(f"{grants.username} lacks reports.own")
