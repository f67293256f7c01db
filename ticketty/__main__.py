"""`python -m ticketty`, the same as the `ticketty` command."""

from ticketty.main import main

raise SystemExit(main())
