"""How Ticketty says things to a person, the same in the terminal app and on the command line:
text made safe for a terminal, units, and the sentences for follow-ups and mail states."""
