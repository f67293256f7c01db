"""A realistic rule set for `bench.rules --mail`, beside the crowded one (`bench.rules`'s
`_mail_rules`, whose rules match every generated message several times over), and the mail
it is measured on.

The mail: the shapes of `bench.mail.generate` (plain, quoted-printable, HTML, 8-bit, replies
to earlier messages, PDFs), but each message written as customers write: mostly everyday words
of a shop's mail, a few words of one topic (a return, an invoice, a delivery, an account), a
fifth of them of no topic at all, one in ten touching a second topic in passing, one in
twenty-five saying it is urgent.

The rules: twenty, as a shop's helpdesk has them after a year of use, owned by the
administrator. Routing by words to a usergroup (returns, billing, delivery, accounts, legal
and privacy, wholesale), a priority bump on "urgent", an acknowledgement of every message
to one source (the one the mail comes to), round-robin assignment in Returns when a ticket
lands there, tags for cancellations, newsletters and broken goods, a requester-group rule
for VIP customers, and rules on the other triggers (a customer writing again, a status, a
priority, an assignee) that the import sets off rarely or never. A message of one topic
meets two of them (its routing and the acknowledgement), a return three (round-robin in the
next round); one of no topic meets the acknowledgement alone."""

from __future__ import annotations

import random
from typing import Any

FILLER = [
    "dzień",
    "dobry",
    "proszę",
    "o",
    "informację",
    "czy",
    "kiedy",
    "moje",
    "zamówienie",
    "numer",
    "hello",
    "please",
    "thanks",
    "regards",
    "pozdrawiam",
    "dziękuję",
    "the",
    "my",
    "is",
    "was",
    "not",
    "nie",
    "jest",
    "było",
    "już",
    "jeszcze",
    "wczoraj",
    "today",
    "yesterday",
    "still",
    "have",
    "question",
    "pytanie",
    "sklep",
    "shop",
    "order",
    "number",
    "when",
    "where",
    "why",
    "można",
    "bardzo",
    "i",
    "a",
    "w",
    "z",
    "na",
    "do",
    "o",
]
TOPICS = {
    "returns": ["zwrot", "refund", "reklamacja", "complaint", "wrong", "size", "broken"],
    "billing": ["faktura", "invoice", "płatność", "przelew", "payment"],
    "delivery": ["kurier", "courier", "tracking", "paczka", "parcel", "dostawa", "delivery"],
    "accounts": ["hasło", "password", "konto", "account"],
}
# How often a message is about each topic; the rest (a fifth) about none.
TOPIC_SHARE = {"returns": 0.25, "billing": 0.2, "delivery": 0.25, "accounts": 0.1}
TOPIC_WORD = 0.08  # of a topical message's words, this share is its topic's
SECOND_TOPIC = 0.1  # messages that name one word of another topic too
URGENT = 0.04  # messages that say they are urgent

GROUPS = ["Returns", "Billing", "Delivery", "Accounts", "Legal", "VIP"]
AGENTS = ["rr1", "rr2", "rr3"]  # Returns' agents, for the round-robin
ACKNOWLEDGEMENT = "Bench acknowledgement"


def words(rng: random.Random) -> tuple[str, str]:
    """A message's text and the word its subject ends with (`bench.mail.generate`'s
    `words`)."""
    draw = rng.random()
    topic = None
    for name, share in TOPIC_SHARE.items():
        if draw < share:
            topic = name
            break
        draw -= share
    text = []
    for _ in range(rng.randint(40, 400)):
        if topic is not None and rng.random() < TOPIC_WORD:
            text.append(rng.choice(TOPICS[topic]))
        else:
            text.append(rng.choice(FILLER))
    if rng.random() < SECOND_TOPIC:
        other = rng.choice([name for name in TOPICS if name != topic])
        text.insert(rng.randrange(len(text)), rng.choice(TOPICS[other]))
    if rng.random() < URGENT:
        text.insert(0, rng.choice(["pilne", "urgent"]))
    about = rng.choice(TOPICS[topic]) if topic is not None and rng.random() < 0.5 else "pytanie"
    return " ".join(text), about


def realistic_rules(gate: Any, source: str) -> None:
    """The twenty rules, with the usergroups, Returns' agents and the canned reply they name
    (those missing made; the bench's database is a fresh helpdesk or a copy)."""
    from store.models import Person, Usergroup
    from store.reply_models import CannedReply

    known = set(Usergroup.select(Usergroup.name).scalars())
    for group in GROUPS:
        if group not in known:
            gate.groups.create_group(group)
    people = set(Person.select(Person.username).scalars())
    if not set(AGENTS) <= people:
        rights = ["tickets.view", "tickets.reply", "tickets.note", "tickets.take"]
        gate.roles.create_role("Bench agent", rights)
        for agent in AGENTS:
            gate.people.add_person(agent, f"Agent {agent}")
            gate.roles.grant_role(agent, "Bench agent")
            gate.groups.add_member("Returns", agent)
    if not CannedReply.select().where(CannedReply.name == ACKNOWLEDGEMENT).exists():
        gate.replies.add_reply(
            ACKNOWLEDGEMENT, "Thank you for writing: we have your message and will answer soon."
        )
    rules: list[tuple[str, str, list[str], list[str]]] = [
        ("Returns routing", "created", ["words=zwrot,refund,reklamacja,complaint"],
         ["move:Returns"]),
        ("Billing routing", "created", ["words=faktura,invoice,płatność,przelew,payment"],
         ["move:Billing"]),
        ("Delivery routing", "created",
         ["words=kurier,courier,tracking,paczka,parcel,dostawa,delivery"], ["move:Delivery"]),
        ("Accounts routing", "created", ["words=hasło,password,konto,account"],
         ["move:Accounts"]),
        ("Urgent", "created", ["words=urgent,pilne"], ["priority:high"]),
        ("Acknowledgement", "created", [f"source={source}"], [f"reply:{ACKNOWLEDGEMENT}"]),
        ("Legal", "created", ["words=prawnik,lawyer,sądzie,court"],
         ["move:Legal", "priority:urgent"]),
        ("Privacy", "created", ["words=rodo,gdpr"], ["move:Legal"]),
        ("Cancellations", "created", ["words=anuluj,anulować,cancellation"], ["tag:cancel"]),
        ("Newsletter", "created", ["words=unsubscribe,newsletter"], ["tag:newsletter"]),
        ("Wholesale", "created", ["words=hurtowe,wholesale"], ["move:Billing"]),
        ("VIP", "created", ["requester-group=VIP"], ["priority:high"]),
        ("Damaged", "created", ["words=uszkodzon,damaged"], ["tag:damaged"]),
        ("Returns round-robin", "group", ["group=Returns"], ["assign:round-robin"]),
        ("Legal note", "group", ["group=Legal"], ["note:Legal: ask before replying"]),
        ("Urgent note", "priority", ["priority=urgent"], ["note:Urgent: answer within the hour"]),
        ("Reopen on answer", "customer", ["status=pending"], ["status:open"]),
        ("Urgent again", "customer", ["words=urgent,pilne"], ["priority:high"]),
        ("Resolved", "status", ["status=resolved"], ["tag:resolved-once"]),
        ("Billing assigned", "assignee", ["group=Billing"], ["tag:billing-taken"]),
    ]  # fmt: skip
    for name, on, conditions, actions in rules:  # beside a demo's own rules, of like names
        gate.rules.create_rule(f"bench {name}", on=on, conditions=conditions, actions=actions)
