"""The data layer: Peewee models, the database connection, schema versions and queries.

Nothing here knows about people's rights; the access gate scopes every query it builds.

Peewee imports every database driver it finds when it is imported, and psycopg takes longer to
import than the whole store: imported after this package, peewee is imported without it (a
finder on `sys.meta_path` hides psycopg while peewee's module runs), so a SQLite session never
loads it; `store.postgres` imports it when a PostgreSQL database is first connected. Importing
this package does not import peewee itself: the store's value modules (`store.errors`,
`store.words`) load without it. This holds where `store` is imported before peewee, as the
entry point (`ticketty`) sees to.
"""

import sys
from importlib.machinery import ModuleSpec, PathFinder
from types import ModuleType


class _PeeweeWithoutPsycopg:
    """Finds peewee once, as the path would, and runs its module with psycopg hidden."""

    @staticmethod
    def find_spec(name: str, path: object = None, target: object = None) -> ModuleSpec | None:
        if name != "peewee":
            return None
        sys.meta_path.remove(_PeeweeWithoutPsycopg)
        spec = PathFinder.find_spec(name)
        loader = spec.loader if spec is not None else None
        if loader is None:
            return spec
        run = loader.exec_module

        def run_without_psycopg(module: ModuleType) -> None:
            hidden = "psycopg" not in sys.modules
            if hidden:
                sys.modules["psycopg"] = None  # type: ignore[assignment]  # None: importing fails
            try:
                run(module)
            finally:
                if hidden:
                    del sys.modules["psycopg"]

        loader.exec_module = run_without_psycopg  # type: ignore[method-assign]
        return spec


if "peewee" not in sys.modules and "psycopg" not in sys.modules:
    sys.meta_path.insert(0, _PeeweeWithoutPsycopg)
