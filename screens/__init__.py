"""One module per screen. Screens talk to the access gate only (through `app.gate`)."""
