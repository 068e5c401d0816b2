"""Mail-relay connectors (Amazon, Walmart, generic email): IMAP in, SMTP out, and pure parsing."""
