"""Frozen records whose methods are shared, not compiled for each class.

`dataclasses.dataclass` writes the source of six methods for each frozen class and compiles
them as its module is imported; every start imported ten such classes (bench/NOTES.md). `record`
gives a class the same constructor (fields in the order annotated, defaults from the class
body, then `__post_init__`), equality, hash and repr, and refuses assignment, with methods
written once here. The type checker reads it as a frozen dataclass (`dataclass_transform`).
Defaults are shared, so they must be immutable; a class variable is annotated `ClassVar`.
"""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from typing import Any, TypeVar, dataclass_transform

Record = TypeVar("Record")


@dataclass_transform(frozen_default=True)
def record(cls: type[Record]) -> type[Record]:
    """Make `cls` a frozen record of its annotated fields (see the module's docstring)."""
    names = tuple(
        name
        for klass in reversed(cls.__mro__)
        for name, note in vars(klass).get("__annotations__", {}).items()
        if not str(note).startswith(("ClassVar", "typing.ClassVar"))
    )
    names = tuple(dict.fromkeys(names))  # a field a subclass annotates again keeps its place
    cls._record_fields = names  # type: ignore[attr-defined]
    cls._record_defaults = {n: getattr(cls, n) for n in names if hasattr(cls, n)}  # type: ignore[attr-defined]
    own = vars(cls)
    for name, method in _METHODS.items():
        if own.get(name) is None:  # as a dataclass: what the class body defines stays
            setattr(cls, name, method)
    return cls


def _init(self: Any, *args: Any, **kwargs: Any) -> None:
    names: tuple[str, ...] = self._record_fields
    if not kwargs and len(args) == len(names):
        for name, value in zip(names, args, strict=True):
            object.__setattr__(self, name, value)
    else:
        _init_by_name(self, names, args, kwargs)
    post_init = getattr(self, "__post_init__", None)
    if post_init is not None:
        post_init()


def _init_by_name(
    self: Any, names: tuple[str, ...], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    if len(args) > len(names):
        raise TypeError(f"{type(self).__name__} takes {len(names)} fields, {len(args)} given")
    values = dict(zip(names, args, strict=False))
    for name, value in kwargs.items():
        if name not in names or name in values:
            raise TypeError(f"{type(self).__name__}: unexpected or repeated field {name!r}")
        values[name] = value
    defaults: dict[str, Any] = self._record_defaults
    for name in names:
        if name in values:
            value = values[name]
        elif name in defaults:
            value = defaults[name]
        else:
            raise TypeError(f"{type(self).__name__}: missing field {name!r}")
        object.__setattr__(self, name, value)


def _values(self: Any) -> tuple[Any, ...]:
    return tuple(getattr(self, name) for name in self._record_fields)


def _eq(self: Any, other: object) -> bool:
    if other.__class__ is not self.__class__:
        return NotImplemented
    return _values(self) == _values(other)


def _hash(self: Any) -> int:
    return hash(_values(self))


def _repr(self: Any) -> str:
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._record_fields)
    return f"{type(self).__qualname__}({shown})"


def _setattr(self: Any, name: str, value: object) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _delattr(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")


_METHODS = {
    "__init__": _init,
    "__eq__": _eq,
    "__hash__": _hash,
    "__repr__": _repr,
    "__setattr__": _setattr,
    "__delattr__": _delattr,
}


def replace(item: Record, **changes: Any) -> Record:
    """A copy of record `item` with `changes` (its `__post_init__` runs again)."""
    values = {name: getattr(item, name) for name in item._record_fields}  # type: ignore[attr-defined]
    return type(item)(**(values | changes))
