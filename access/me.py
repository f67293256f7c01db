"""The person themselves: what they hold. Needs no right: it tells them only of themselves."""

from __future__ import annotations

from access.catalogue import SUPERVISOR_RIGHTS, PermissionKey
from access.grants import Grants
from access.request import Part


class Myself(Part):
    """`gate.me`: the person's own grants, read once per call like any request's."""

    def grants(self) -> Grants:
        """The person's grants: a role change made by an admin counts from the next call."""
        return self._open().grants()

    def holds(self, permission: PermissionKey) -> bool:
        """Whether the person holds `permission` somewhere (a role)."""
        return self._open().grants().holds(permission)

    def capabilities(self) -> frozenset[str]:
        """Every permission the person holds somewhere: through a role, or as a supervisor
        (on their groups' tickets). Screens show an action when it is in here; the gate still
        checks each ticket."""
        return capabilities_of(self._open().grants())


def capabilities_of(grants: Grants) -> frozenset[str]:
    """`Myself.capabilities` of `grants`."""
    return grants.permissions | (SUPERVISOR_RIGHTS if grants.supervises else frozenset())
