"""The ticket screen's flows that tie a ticket to others: merge it into another (its number
typed, then what would move shown before anything is written), link it to another, and the
addresses copied on it (Cc). Each is run in a worker of the screen (`TicketLinking`); each says
True when it changed the ticket, so the screen reads it again."""

from __future__ import annotations

from textual import work

from access.vocabulary import LINK_KINDS, LINK_LABELS, MERGED
from tui.screen import TickettyScreen
from tui.ticket_composing import TicketComposingScreen
from tui.widgets import ConfirmModal, PickerModal, PromptModal

# How a merge reads on either ticket; unlinking does not undo it.
MERGE_LABELS = frozenset(LINK_LABELS[(MERGED, outgoing)] for outgoing in (True, False))


async def _other_ticket(screen: TickettyScreen[None], question: str) -> str | None:
    """The number of another ticket, as typed (the gate reads it); None when none was."""
    typed = await screen.app.asked(PromptModal(question, placeholder="its number, e.g. #42"))
    return typed.strip() if typed and typed.strip() else None


async def merge_flow(screen: TickettyScreen[None], number: int, version: int | None) -> bool:
    """Ask which ticket `number` goes into, show what the merge would move, and merge on yes."""
    app, gate = screen.app, screen.gate
    into = await _other_ticket(screen, f"Merge #{number} into which ticket?")
    if into is None:
        return False
    plan = await app.gate_call(lambda: gate.merging.merge(number, into, dry_run=True))
    if not await app.asked(ConfirmModal(f"{plan.describe()}. Merge?")):
        return False
    done = await app.gate_call(
        lambda: gate.merging.merge(number, into, expected_versions=(version, None))
    )
    screen.notify(f"merged #{done.merged} into #{done.into}")
    return True


async def link_flow(screen: TickettyScreen[None], number: int) -> bool:
    """Ask for the other ticket and the kind of link, then link."""
    app, gate = screen.app, screen.gate
    other = await _other_ticket(screen, f"Link #{number} to which ticket?")
    if other is None:
        return False
    kinds = [(kind, f"#{number} is {LINK_LABELS[(kind, True)]} {other}") for kind in LINK_KINDS]
    kind = await app.asked(PickerModal("Which link?", kinds))
    if not kind:
        return False
    await app.gate_call(lambda: gate.merging.link(number, other, kind))
    screen.notify(f"#{number} linked to {other}")
    return True


async def unlink_flow(screen: TickettyScreen[None], number: int, links: list[str]) -> bool:
    """Pick one of the linked tickets shown (merges are not links to remove), then remove the
    links to it."""
    app, gate = screen.app, screen.gate
    if not links:
        screen.notify(f"#{number} has no links to remove", severity="warning")
        return False
    other = await app.asked(PickerModal(f"Unlink #{number} from", [(n, n) for n in links]))
    if not other:
        return False
    kinds = await app.gate_call(lambda: gate.merging.unlink(number, other))
    screen.notify(f"#{number} unlinked from {other} ({', '.join(kinds)})")
    return True


async def copies_flow(
    screen: TickettyScreen[None], number: int, copies: tuple[str, ...], version: int | None
) -> bool:
    """The copied addresses as one editable line, separated by commas; what was taken out is
    removed, what was added is added."""
    app, gate = screen.app, screen.gate
    typed = await app.asked(
        PromptModal(
            f"Copies (Cc) of #{number}, separated by commas",
            ", ".join(copies),
            "anna@customer.example, bo@customer.example",
        )
    )
    if typed is None:
        return False
    wanted = [a.strip().lower() for a in typed.split(",") if a.strip()]
    add = [a for a in wanted if a not in copies]
    remove = [a for a in copies if a not in wanted]
    if not add and not remove:
        return False
    await app.gate_call(
        lambda: gate.copies.change_copies(number, add=add, remove=remove, expected_version=version)
    )
    screen.notify(f"copies of #{number}: {', '.join(wanted) or 'none'}")
    return True


class TicketLinking(TicketComposingScreen):
    """The merge, link and copies actions of the ticket screen (`screens.ticket_detail`), whose
    table binds their keys."""

    def action_merge(self) -> None:
        self.tie("merge")

    def action_link(self) -> None:
        self.tie("link")

    def action_unlink(self) -> None:
        self.tie("unlink")

    def action_copies(self) -> None:
        self.tie("copies")

    @work(group="ticket-change", exit_on_error=False)
    async def tie(self, flow: str) -> None:
        """Merge this ticket into another, link it, or change its copies; read it again when
        that changed it."""
        copies = self.detail.copies if self.detail is not None else None
        if flow == "merge":
            changed = await merge_flow(self, self.number, self.version)
        elif flow == "link":
            changed = await link_flow(self, self.number)
        elif flow == "unlink":
            changed = await unlink_flow(self, self.number, self._linked())
        else:
            changed = await copies_flow(self, self.number, copies or (), self.version)
        if changed:
            self.load(tell=False)

    def _linked(self) -> list[str]:
        """The tickets this one is linked to ("#57"), each once, the merged ones left out."""
        related = self.detail.related if self.detail is not None else ()
        return list(
            dict.fromkeys(f"#{link.number}" for link in related if link.label not in MERGE_LABELS)
        )
