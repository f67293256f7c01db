"""Side answers of the ticket reads tell nothing beyond the reader's scope: a filter by a
person answers alike whether the name exists or not to someone who may not list people, and a
follow-up's link in the audit trail names the closed ticket only to who may see it. A search
is bounded in words, with one clear line."""

from __future__ import annotations

import peewee
import pytest

from access import Gate, InvalidInput
from access.catalogue import AUDIT_VIEW, PEOPLE_LIST
from access.views import TicketQuery
from store.models import GroupMember, Ticket
from tests import builders as b
from ticketty.main import main


@pytest.fixture
def w(db: peewee.Database) -> b.World:
    world = b.world()
    b.role("Lister", ["tickets.list", "tickets.view", AUDIT_VIEW], holders=[b.person("vic")])
    b.role("Admin", ["tickets.list", "tickets.view", PEOPLE_LIST], holders=[b.person("ada")])
    b.person("quiet")  # a person with no tickets at all
    return world


@pytest.mark.parametrize("field", ["assignee", "requester"])
def test_a_filter_by_a_name_answers_alike_whether_it_exists(db, w, field: str) -> None:
    def by(name: str) -> TicketQuery:
        return TicketQuery(assignee=name) if field == "assignee" else TicketQuery(requester=name)

    vic = Gate(db, "vic")
    known = vic.inbox.list_tickets(by("quiet"))
    unknown = vic.inbox.list_tickets(by("nobody-here"))
    assert known == unknown == []
    assert vic.inbox.count_tickets(by("nobody-here")) == 0
    with pytest.raises(InvalidInput, match="no person named 'nobody-here'"):
        Gate(db, "ada").inbox.list_tickets(by("nobody-here"))


def test_the_command_line_answers_alike_too(db, db_location: str, w, capsys) -> None:
    said = []
    for name in ("quiet", "nobody-here"):
        code = main(["--db", db_location, "--user", "vic", "tickets", "list", "--assignee", name])
        said.append((code, capsys.readouterr()))
    assert said[0] == said[1]
    assert said[0][0] == 0


def test_a_follow_up_link_hides_the_closed_ticket_from_who_may_not_see_it(db, w) -> None:
    """The follow-up stays in Returns; the closed ticket moved to Accounting since: a member
    of Returns sees the follow-up's history, not the closed ticket's number."""
    b.role(
        "Returns team",
        ["tickets.list", "tickets.view", AUDIT_VIEW],
        scope="usergroups",
        holders=[b.person("rita")],
    )
    GroupMember.create(usergroup=w.g1, person=Gate(db, "rita").person_id)
    Ticket.update(status="closed").where(Ticket.number == w.t_g1).execute()
    Gate(db, "cust").messages.reply(w.t_g1, "It broke again")
    follow_up = Ticket.select().order_by(Ticket.number.desc()).get().number
    Ticket.update(usergroup=w.g2).where(Ticket.number == w.t_g1).execute()
    rita = Gate(db, "rita")
    with pytest.raises(Exception, match="no ticket"):
        rita.tickets.get_ticket(w.t_g1)
    for events in (rita.tickets.ticket_history(follow_up), rita.audit.list_audit(ticket=follow_up)):
        link = next(e for e in events if e.action == "ticket.follow_up")
        shown = (link.target_id, link.before, link.target, link.target_label)
        assert str(w.t_g1) not in repr(shown), shown
        assert link.after == str(follow_up)
    seen = next(
        e for e in Gate(db, "vic").tickets.ticket_history(follow_up) if e.action.endswith("up")
    )
    assert (seen.target_id, seen.before) == (w.t_g1, str(w.t_g1))


def test_a_search_of_more_than_32_words_is_one_clear_refusal(db, db_location: str, w, capsys):
    vic = Gate(db, "vic")
    assert vic.inbox.list_tickets(TicketQuery(search=" ".join(["ticket"] * 32))) is not None
    texts = {words: " ".join(f"word{i}" for i in range(words)) for words in (33, 300, 600)}
    for words, text in texts.items():
        for read in (vic.inbox.list_tickets, vic.inbox.count_tickets, vic.inbox.group_counts):
            with pytest.raises(InvalidInput, match=f"at most 32 words; this one has {words}"):
                read(TicketQuery(search=text))
    # The command line's after the gate's: it opens a database of its own for the models, which
    # a gate made before would then read through (and open again once the command closed it).
    for text in texts.values():
        code = main(["--db", db_location, "--user", "vic", "tickets", "list", "--search", text])
        err = capsys.readouterr().err
        assert code == 1 and err.count("\n") == 1 and "at most 32 words" in err
