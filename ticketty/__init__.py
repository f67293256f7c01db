"""The entry point: the one place that knows every layer, so the layers need not know it.

`ticketty.main` is the `ticketty` command; `ticketty.launch` builds store -> gate -> app and
hands the app its home screen.
"""

import store  # noqa: F401  # first: peewee is imported without the PostgreSQL driver
