"""The e-mail channel, beside the terminal app and the command line: reading mail, fetching it
over IMAP, delivering replies over SMTP, taking files in, and `ticketty serve`. It calls the
gate's checked operations as the person running it (`mail.channel`); the gate does no network
I/O and reads no mail."""
