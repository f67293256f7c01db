"""What every Ticketty screen shares: the typed app and gate, what the person may do, and the
screen's action table.

A screen declares each of its actions once, in `ACTIONS`: the key, the binding id (for keymaps),
the label, and the permission it needs. Its `BINDINGS` are made from that table and
`check_action` reads it, so the footer, the command palette and the help (which show the enabled
bindings) all follow from the one table. A permission is a constant of `access.catalogue`, and
an action naming one the catalogue does not know fails at import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual import getters, work
from textual.binding import Binding, BindingType
from textual.screen import Screen

from access.catalogue import PERMISSIONS, PermissionKey
from tui.app import TickettyApp

if TYPE_CHECKING:
    from access import Gate

ResultType = TypeVar("ResultType")


class Action:
    """One row of a screen's action table. `name` is the action (the method `action_<name>`).

    A plain class with slots rather than a frozen dataclass: every screen module builds its
    table as it is imported, the inbox's before the first frame, and a dataclass compiles its
    methods then (bench/NOTES.md). Never changed once made."""

    __slots__ = ("binding_id", "key", "label", "name", "permission", "priority", "show")

    def __init__(
        self,
        key: str,
        name: str,
        label: str,
        binding_id: str,
        permission: PermissionKey | None = None,
        show: bool = True,
        priority: bool = False,
    ) -> None:
        if permission is not None and permission not in PERMISSIONS:
            raise KeyError(f"{permission!r} is not in the permission catalogue")
        self.key, self.name, self.label, self.binding_id = key, name, label, binding_id
        self.permission, self.show, self.priority = permission, show, priority

    def __repr__(self) -> str:
        return f"Action({self.key!r}, {self.name!r}, {self.label!r}, {self.binding_id!r})"

    @property
    def binding(self) -> Binding:
        return Binding(
            self.key,
            self.name,
            self.label,
            show=self.show,
            priority=self.priority,
            id=self.binding_id,
        )


class GateAccess(Screen[ResultType]):
    """The typed app, the gate, and the person's permissions: the base of full and modal screens.

    The person's permissions live in one place, `app.permissions` (read with the inbox's first
    page); `refresh_permissions` reads them again after a change that may alter them."""

    app = getters.app(TickettyApp)  # Textual's typed `app`: this app, not any App
    ACTIONS: ClassVar[tuple[Action, ...]] = ()
    BINDINGS: ClassVar[list[BindingType]]
    _needs: ClassVar[dict[str, PermissionKey]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        if "ACTIONS" in cls.__dict__:
            cls.BINDINGS = [action.binding for action in cls.ACTIONS]  # read by Screen's hook
        super().__init_subclass__(**kwargs)
        cls._needs = {
            action.name.split("(")[0]: action.permission  # `jump_view(3)` checks `jump_view`
            for base in reversed(cls.__mro__)
            for action in base.__dict__.get("ACTIONS", ())
            if action.permission is not None
        }

    @property
    def gate(self) -> Gate:
        return self.app.gate

    def can(self, permission: PermissionKey) -> bool:
        """The person holds `permission` somewhere (the gate still checks each record)."""
        return permission in self.app.permissions

    def allows(self, permission: PermissionKey) -> bool:
        """Whether an action needing `permission` is offered here; a screen about one record
        (a ticket) narrows this to what counts on that record."""
        return self.can(permission)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        needed = self._needs.get(action)
        return needed is None or self.allows(needed)


class TickettyScreen(GateAccess[ResultType]):
    """A full screen of Ticketty."""

    @work(group="permissions", exit_on_error=False)
    async def refresh_permissions(self) -> None:
        """Read the person's permissions again (a screen whose changes may alter them), then
        show the actions they now allow."""
        self.app.permissions = await self.app.gate_call(self.gate.me.capabilities)
        self.refresh_bindings()


# The base of a part of a screen (a mixin of some of its actions): typed as the screen it is
# mixed into, a plain class when run, so that Textual sets up the one screen class (its bindings,
# handlers, CSS) and not one per part.
if TYPE_CHECKING:
    ScreenPart = TickettyScreen[None]
else:
    ScreenPart = object
