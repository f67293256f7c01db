"""The demo's canned replies (in English and Polish), macros and signatures, so that a newcomer
finds them in the composer and under the macro key. Written after the demo's directory."""

from __future__ import annotations

import json
from collections.abc import Mapping

from access.vocabulary import LOW, PENDING, RESOLVED
from store.reply_models import CannedReply, Macro, Signature

# Name, body, the sources it is offered in (none: all), the usergroups (none: all).
CANNED: list[tuple[str, str, tuple[str, ...], tuple[str, ...]]] = [
    (
        "Refund approved",
        "Hello {{requester.first_name}},\n\nyour refund for #{{ticket.number}} is approved; "
        "the money reaches your account within five working days.\n\nBest regards,\n"
        "{{agent.name}}",
        (),
        (),
    ),
    (
        "Return label",
        "Hello {{requester.first_name}},\n\nplease print the return label we attached and "
        "send the parcel to {{usergroup.Address}}.\n\n{{agent.name}}",
        (),
        ("Returns",),
    ),
    (
        "Parcel on its way",
        "Hello {{requester.first_name}},\n\nyour parcel left our warehouse today; the tracking "
        "number follows in a separate message.\n\n{{agent.name}}",
        (),
        (),
    ),
    (
        "Need order number",
        "Hello {{requester.first_name}},\n\ncould you send us the number of your order? "
        "It is in the confirmation we sent by e-mail.\n\n{{agent.name}}",
        (),
        (),
    ),
    (
        "Invoice corrected",
        "Hello {{requester.name}},\n\nthe corrected invoice is attached. For questions call "
        "{{usergroup.name}} at {{usergroup.Phone}}.\n\n{{agent.name}}",
        (),
        ("Accounting",),
    ),
    (
        "Zwrot zatwierdzony",
        "Dzień dobry {{requester.first_name}},\n\nzwrot za zgłoszenie #{{ticket.number}} "
        "został zatwierdzony; pieniądze wrócą na konto w ciągu pięciu dni roboczych.\n\n"
        "Pozdrawiamy,\n{{agent.name}}",
        ("Allegro PL",),
        (),
    ),
    (
        "Paczka wysłana",
        "Dzień dobry {{requester.first_name}},\n\npaczka wyjechała dziś z magazynu; numer "
        "przesyłki wyślemy w osobnej wiadomości.\n\n{{agent.name}}",
        ("Allegro PL",),
        (),
    ),
    (
        "Prosimy o numer zamówienia",
        "Dzień dobry {{requester.first_name}},\n\nprosimy o numer zamówienia; znajdzie go "
        "Pan/Pani w potwierdzeniu wysłanym e-mailem.\n\n{{agent.name}}",
        ("Allegro PL",),
        (),
    ),
    (
        "Wrong item received",
        "Hello {{requester.first_name}},\n\nwe are sorry you received the wrong item. The "
        "right one leaves today; keep the other, no need to send it back.\n\n{{agent.name}}",
        (),
        (),
    ),
    (
        "Closing after no answer",
        "Hello {{requester.first_name}},\n\nwe have not heard back from you, so we close "
        "#{{ticket.number}} for now. Answer this message and it opens again.\n\n"
        "{{agent.name}}, {{source.name}}",
        (),
        (),
    ),
    (
        "Faktura skorygowana",
        "Dzień dobry {{requester.first_name}},\n\nw załączniku korekta faktury. W razie pytań "
        "prosimy o telefon do działu {{usergroup.name}}: {{usergroup.Phone}}.\n\n{{agent.name}}",
        ("Allegro PL",),
        ("Accounting",),
    ),
    (
        "Etykieta zwrotna",
        "Dzień dobry {{requester.first_name}},\n\nw załączniku etykieta zwrotna; prosimy "
        "nadać paczkę na adres: {{usergroup.Address}}.\n\n{{agent.name}}",
        ("Allegro PL",),
        ("Returns",),
    ),
]

# Name, steps (as `access.macro_steps` keeps them) and the sources it is offered in (none:
# all).
MACROS: list[tuple[str, list[list[str]], tuple[str, ...]]] = [
    (
        "Refund done",
        [["reply", "Refund approved"], ["status", RESOLVED], ["priority", LOW]],
        (),
    ),
    (
        "Ask for the order number",
        [["reply", "Need order number"], ["status", PENDING]],
        (),
    ),
    (
        "Wrong item: resend",
        [
            ["reply", "Wrong item received"],
            ["tag", "wrong-item"],
            ["usergroup", "Warehouse Kraków"],
            ["status", PENDING],
        ],
        (),
    ),
    (
        "Zwrot zatwierdzony",
        [["reply", "Zwrot zatwierdzony"], ["tag", "refund"], ["status", RESOLVED]],
        ("Allegro PL",),
    ),
]

# A source's signature, by source name.
SIGNATURES = {
    "support@shop.example": "-- \nShop Support · support@shop.example · +48 12 345 67 00",
    "Allegro PL": "-- \nObsługa klienta Shop · Allegro",
}


def seed_replies(sources: Mapping[str, int], groups: Mapping[str, int]) -> None:
    """The canned replies, macros and signatures, named by the demo's sources and groups."""
    CannedReply.insert_many(
        [
            {
                "name": name,
                "body": body,
                "sources": json.dumps(sorted(sources[s] for s in in_sources)),
                "usergroups": json.dumps(sorted(groups[g] for g in in_groups)),
            }
            for name, body, in_sources, in_groups in CANNED
        ]
    ).execute()
    Macro.insert_many(
        [
            {
                "name": name,
                "steps": json.dumps(steps),
                "sources": json.dumps(sorted(sources[s] for s in in_sources)),
            }
            for name, steps, in_sources in MACROS
        ]
    ).execute()
    Signature.insert_many(
        [{"source": sources[name], "body": body} for name, body in SIGNATURES.items()]
    ).execute()
