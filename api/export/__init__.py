"""Exports (issue 13): conversations, messages, cases, customers, the audit log and report rollups as
CSV or JSON Lines files, written by a worker with a server-side cursor and downloaded while they last."""
