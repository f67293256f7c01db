"""Where the database is when no one says: apart from `store.db`, so that the settings load
without peewee and the models (the app's start reads them before its first frame)."""

from __future__ import annotations

from pathlib import Path

import platformdirs


def default_database_location() -> str:
    """The SQLite file in the user data folder that platformdirs names."""
    return str(Path(platformdirs.user_data_dir("ticketty", appauthor=False)) / "ticketty.db")
