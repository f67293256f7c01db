"""The data layer: Peewee models, the database connection, schema versions and queries.

Nothing here knows about people's rights; the access gate scopes every query it builds.

Peewee imports every database driver it finds when it is imported, and psycopg takes longer to
import than the whole store: imported here first, peewee is imported without it, so a SQLite
session never loads it; `store.postgres` imports it when a PostgreSQL database is opened. This
holds where `store` is imported before peewee, as the entry point (`ticketty`) sees to.
"""

import sys

if "peewee" not in sys.modules and "psycopg" not in sys.modules:
    sys.modules["psycopg"] = None  # type: ignore[assignment]  # None: importing it fails
    try:
        import peewee  # noqa: F401
    finally:
        del sys.modules["psycopg"]
