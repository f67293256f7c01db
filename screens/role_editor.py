"""The role editor: roles, their permission tree with tri-state checkboxes, their scopes and
holders, and "who can do this" for the highlighted permission.

It follows others' changes. Unsaved ticks are never dropped: when the role changed meanwhile
(seen live, or as a conflict on saving), they are laid on top of the role as it now is, and the
summary says what the other change was. Ticks made on an older version are saved only after the
gate has refused them once as a conflict naming the other change: a save never silently takes
in another admin's change, however soon the live refresh brought it (PostgreSQL's at once,
SQLite's at the next poll)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import OptionList, Static, Tree
from textual.widgets.option_list import Option
from textual.widgets.tree import TreeNode

from access.catalogue import CATALOGUE, PERMISSIONS, ROLES_EDIT
from access.views import RoleView
from access.vocabulary import SCOPE_TEXT, describe_scope
from tui.footer import KeyFooter
from tui.gate_funnel import GateCallFailed
from tui.header import TitleBar
from tui.live import OthersChanged
from tui.moving import MovingOptionList, MovingTree
from tui.screen import Action, TickettyScreen
from tui.widgets import ChecklistModal, ConfirmModal, PickerModal, PromptModal
from wording.safe_text import as_text, one_line

ALL_SOURCES = "*"


def tri_state(leaves: Sequence[str], chosen: set[str]) -> str:
    held = sum(1 for leaf in leaves if leaf in chosen)
    return "[x]" if held == len(leaves) else "[-]" if held else "[ ]"


class RoleEditorScreen(TickettyScreen[None]):
    ACTIONS: ClassVar[tuple[Action, ...]] = (
        Action("escape", "back", "Back", "roles.back"),
        Action("tab", "app.focus_next", "Next pane", "roles.next", show=False),
        Action("space", "tick", "Tick", "roles.toggle", ROLES_EDIT, priority=True),
        Action("ctrl+s", "save", "Save", "roles.save", ROLES_EDIT),
        Action("n", "new", "New", "roles.new", ROLES_EDIT),
        Action("c", "copy", "Copy", "roles.copy", ROLES_EDIT),
        Action("R", "rename", "Rename", "roles.rename", ROLES_EDIT),
        Action("d", "delete", "Delete", "roles.delete", ROLES_EDIT),
        Action("o", "scope", "Scope", "roles.scope", ROLES_EDIT),
    )

    def __init__(self) -> None:
        super().__init__()
        self.roles: list[RoleView] = []
        self.current: RoleView | None = None
        self.pending: set[str] = set()
        self.ticked_on: int | None = None
        """The role's version the unsaved ticks were made on: what a save expects."""

    def compose(self) -> ComposeResult:
        yield TitleBar()
        with Horizontal():
            yield MovingOptionList(id="role-list")
            with Vertical(id="role-detail"):
                yield Static("", id="role-summary")
                yield MovingTree("Permissions", id="permission-tree")
                yield Static("", id="who-can")
        yield KeyFooter()

    DEFAULT_CSS = """
    #role-list { width: 30%; min-width: 22; }
    #role-summary { height: auto; padding: 0 1; }
    #permission-tree { height: 1fr; }
    #who-can { height: auto; max-height: 8; padding: 0 1; border-top: solid $panel; }
    """

    def on_mount(self) -> None:
        self.title = "Roles"
        self.refresh_permissions()
        self.load()

    def on_others_changed(self, message: OthersChanged) -> None:
        if message.changes.touches("role", "person", "source"):
            self.load()

    @work(group="roles-read", exit_on_error=False)
    async def load(self, select: str | None = None) -> None:
        """Read the roles again and show them, on `select` or the role shown."""
        self._loaded(await self.app.gate_call(self.gate.roles.list_roles), select)

    def _loaded(self, roles: list[RoleView], select: str | None) -> None:
        self.roles = roles
        options = self.query_one("#role-list", OptionList)
        options.clear_options()
        for role in roles:
            options.add_option(Option(as_text(f"{role.name} ({len(role.holders)})"), id=role.name))
        names = [r.name for r in roles]
        wanted = select or (self.current.name if self.current else None)
        if self.current is not None and self.unsaved and self.current.name not in names:
            self._lost_role(self.current)
        if roles:
            options.highlighted = names.index(wanted) if wanted in names else 0
            self._show(roles[options.highlighted])
        if self.focused is None:  # a reload leaves the focus where the person put it
            options.focus()

    def _lost_role(self, role: RoleView) -> None:
        """The role being edited was renamed or deleted by someone else: its unsaved ticks
        cannot be saved on it, so say which they were, to be ticked again where they belong."""
        ticks = changed_permissions(role.permissions, frozenset(self.pending))
        self.notify(
            one_line(
                f"{role.name} was renamed or deleted by someone else meanwhile; your "
                f"{self.unsaved} unsaved change(s) were not saved: {ticks}"
            ),
            severity="warning",
            timeout=30,
        )
        self.current = None

    @property
    def unsaved(self) -> int:
        """How many permissions are ticked or unticked and not saved yet."""
        if self.current is None:
            return 0
        return len(self.pending ^ set(self.current.permissions))

    async def ticks_may_go(self) -> bool:
        """In a flow: whether nothing unsaved would be lost, or the person says to discard it."""
        if not self.unsaved or self.current is None:
            return True
        question = f"Discard {self.unsaved} unsaved change(s) to {self.current.name}?"
        discard: bool | None = await self.app.asked(ConfirmModal(question))
        return bool(discard)

    @on(OptionList.OptionHighlighted, "#role-list")
    def role_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        role = next((r for r in self.roles if r.name == event.option.id), None)
        if role is None or role == self.current:  # not the one `_loaded` just showed
            return
        if self.unsaved:
            self.switch_role(role)
        else:
            self._show(role)

    @work(group="role-switch", exit_on_error=False)
    async def switch_role(self, role: RoleView) -> None:
        """Show `role` once the person discards the unsaved ticks; else go back to the role
        they are on."""
        current = self.current
        if await self.ticks_may_go():
            self._show(role)
            return
        options = self.query_one("#role-list", OptionList)
        names = [r.name for r in self.roles]
        if current is not None and current.name in names:
            with options.prevent(OptionList.OptionHighlighted):
                options.highlighted = names.index(current.name)

    def _show(self, role: RoleView) -> None:
        """Show `role`; unsaved ticks on it are laid on top of it as it now is."""
        kept = self.current is not None and self.current.name == role.name and self.unsaved
        if self.current is not None and kept:
            base = self.current.permissions
            added, removed = self.pending - base, base - self.pending
            self.pending = (set(role.permissions) | added) - removed
            other = changed_permissions(base, role.permissions)
        else:
            self.pending = set(role.permissions)
            self.ticked_on = role.version
            other = ""
        self.current = role
        scope = describe_scope(role.ticket_scope, role.all_sources, role.sources)
        summary = as_text(f"{role.name}: {scope}\n", "bold")
        summary.append_text(as_text("held by " + (", ".join(role.holders) or "nobody")))
        if other:
            summary.append_text(
                as_text(
                    f"\nChanged by someone else meanwhile: {other}. Your {self.unsaved} "
                    "unsaved change(s) are kept on top; ctrl+s saves",
                    "bold",
                )
            )
        self.query_one("#role-summary", Static).update(summary)
        self._draw_tree()

    def _draw_tree(self) -> None:
        tree = self.query_one("#permission-tree", Tree)
        expanded = {str(n.data) for n in tree.root.children if n.is_expanded}
        cursor = tree.cursor_line
        tree.clear()
        tree.root.expand()
        for group in CATALOGUE:
            keys = [leaf.key for leaf in group.leaves]
            label = Text(f"{tri_state(keys, self.pending)} {group.name}", style="bold")
            label.append(f"  {group.description}", style="dim")
            node = tree.root.add(label, data=group.name, expand=group.name in expanded)
            for leaf in group.leaves:
                mark = "[x]" if leaf.key in self.pending else "[ ]"
                leaf_label = Text(f"{mark} {leaf.leaf}")
                leaf_label.append(f"  {leaf.description}", style="dim")
                node.add_leaf(leaf_label, data=leaf.key)
        if cursor >= 0:
            tree.cursor_line = cursor

    def _node_keys(self, node: TreeNode[Any]) -> list[str]:
        if node.data in PERMISSIONS:
            return [str(node.data)]
        return [leaf.key for g in CATALOGUE if g.name == node.data for leaf in g.leaves]

    @on(Tree.NodeHighlighted, "#permission-tree")
    def permission_highlighted(self, event: Tree.NodeHighlighted[Any]) -> None:
        key = event.node.data
        if key not in PERMISSIONS:
            self.query_one("#who-can", Static).update("")
            return
        self.show_who_can(key)

    @work(group="who", exclusive=True, exit_on_error=False)
    async def show_who_can(self, key: str) -> None:
        """Who holds the permission `key`, and through which role or group."""
        holders = await self.app.gate_call(lambda: self.gate.explain.who(key))
        text = Text(f"Who can {key}: ", style="bold")
        text.append_text(as_text("; ".join(f"{h.username} ({h.via})" for h in holders) or "nobody"))
        self.query_one("#who-can", Static).update(text)

    def action_tick(self) -> None:
        tree = self.query_one("#permission-tree", Tree)
        node = tree.cursor_node
        if node is None or self.current is None:
            return
        keys = self._node_keys(node)
        if all(k in self.pending for k in keys):
            self.pending -= set(keys)
        else:
            self.pending |= set(keys)
        self._draw_tree()
        changed = len(self.pending ^ set(self.current.permissions))
        self.query_one("#role-summary", Static).update(
            as_text(f"{self.current.name}: {changed} unsaved change(s); ctrl+s saves")
        )

    def action_save(self) -> None:
        if self.current is not None:
            self.save_permissions(self.current.name, set(self.pending), self.ticked_on)

    @work(group="role-change", exit_on_error=False)
    async def save_permissions(self, name: str, wanted: set[str], version: int | None) -> None:
        """Save the ticks; when refused, show the role as it is now, ticks kept, so that the
        next save goes on top of what the conflict named."""
        try:
            await self.app.gate_call(
                lambda: self.gate.roles.set_role_permissions(name, wanted, expected_version=version)
            )
        except GateCallFailed:
            roles = await self.app.gate_call(self.gate.roles.list_roles)
            self._loaded(roles, name)
            if self.current is not None:
                self.ticked_on = self.current.version
            return
        self.notify(one_line(f"saved {name}"))
        self.current = None  # nothing unsaved now: show the role as saved
        self.load(name)

    @work(group="role-change", exit_on_error=False)
    async def name_role(self, title: str, value: str, write: Callable[[str], object]) -> None:
        """Ask for a role's name, then `write(name)` (create, copy or rename) and show it."""
        text = await self.app.asked(PromptModal(title, value))
        if not (text and text.strip()):
            return
        name = text.strip()
        await self.app.gate_call(lambda: write(name))
        self.load(name)

    def action_new(self) -> None:
        # A new role reaches nothing until given permissions, sources and a scope.
        self.name_role(
            "Name of the new role",
            "",
            lambda name: self.gate.roles.create_role(name, all_sources=False, ticket_scope="own"),
        )

    def action_copy(self) -> None:
        if self.current is not None:
            source = self.current.name
            self.name_role(
                f"Copy {source} as",
                f"{source} (copy)",
                lambda name: self.gate.roles.copy_role(source, name),
            )

    def action_rename(self) -> None:
        if self.current is not None:
            old = self.current.name
            version = self.current.version
            self.name_role(
                f"Rename {old} to",
                old,
                lambda name: self.gate.roles.rename_role(old, name, expected_version=version),
            )

    def action_delete(self) -> None:
        if self.current is not None:
            self.delete_role(self.current)

    @work(group="role-change", exit_on_error=False)
    async def delete_role(self, role: RoleView) -> None:
        """Confirm (naming who loses what), then delete the role as it was shown."""
        question = f"Delete role {role.name}?"
        if role.holders:
            question = f"Delete role {role.name}, held by {role.who_loses_what()}?"
        if not await self.app.asked(ConfirmModal(question)):
            return
        self.current = None
        await self.app.gate_call(
            lambda: self.gate.roles.delete_role(
                role.name, even_if_held=True, expected_version=role.version
            )
        )
        self.load()

    def action_scope(self) -> None:
        if self.current is not None:
            self.choose_scope(self.current)

    @work(group="role-change", exit_on_error=False)
    async def choose_scope(self, role: RoleView) -> None:
        """Ticket scope, then sources: all, or any chosen ones; then save both."""
        scopes = list(SCOPE_TEXT.items())
        picker = PickerModal("Tickets the role covers", scopes)
        ticket_scope: str | None = await self.app.asked(picker)
        if ticket_scope is None:
            return
        sources = await self.app.gate_call(self.gate.sources.list_sources)
        choices = [(ALL_SOURCES, "all sources, new ones too")] + [(s.name, s.name) for s in sources]
        ticked = [ALL_SOURCES] if role.all_sources else list(role.sources)
        title = "Sources the role covers (none ticked: none)"
        chosen = await self.app.asked(ChecklistModal(title, choices, ticked))
        if chosen is None:
            return
        every = ALL_SOURCES in chosen
        await self.app.gate_call(
            lambda: self.gate.roles.set_role_scope(
                role.name,
                all_sources=every,
                sources=() if every else chosen,
                ticket_scope=ticket_scope,
                expected_version=role.version,
            )
        )
        self.load(role.name)

    def action_back(self) -> None:
        if self.unsaved:
            self.leave_asking()
        else:
            self.app.pop_screen()

    @work(group="role-switch", exit_on_error=False)
    async def leave_asking(self) -> None:
        """Leave the editor once the person discards the unsaved ticks."""
        if await self.ticks_may_go():
            self.app.pop_screen()


def changed_permissions(before: frozenset[str], after: frozenset[str]) -> str:
    """ "added tickets.close; removed tickets.take", or "" when the two are the same."""
    added, removed = sorted(after - before), sorted(before - after)
    parts = [f"added {', '.join(added)}"] if added else []
    parts += [f"removed {', '.join(removed)}"] if removed else []
    return "; ".join(parts)
