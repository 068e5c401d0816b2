"""The Amazon and Walmart mail relays: relay-format mail, an IMAP server to read it, SMTP to answer it."""
