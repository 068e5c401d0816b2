"""Mailboxes behind the IMAP server: one account per mail-relay store, an INBOX each.

UIDVALIDITY is fixed when a mailbox is created and saved with the world: a client may cache UIDs
for as long as it stays the same. A mailbox that is not restored from `data_dir` gets a new
UIDVALIDITY (its creation time), because its UIDs start again at 1.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

SYSTEM_FLAGS = ("\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft")


class MailItem(BaseModel):
    model_config = ConfigDict(ser_json_bytes="base64", val_json_bytes="base64")

    uid: int
    flags: list[str] = Field(default_factory=list)
    internal_date: datetime
    raw: bytes


class Mailbox(BaseModel):
    name: str = "INBOX"
    uidvalidity: int
    uidnext: int = 1
    items: list[MailItem] = Field(default_factory=list)

    def by_uid(self, uid: int) -> MailItem | None:
        for item in self.items:
            if item.uid == uid:
                return item
        return None


class MailAccount(BaseModel):
    login: str
    password: str
    store_id: str
    mailboxes: dict[str, Mailbox]


class MailStore:
    def __init__(self) -> None:
        self.accounts: dict[str, MailAccount] = {}
        self._events: dict[str, asyncio.Event] = {}

    def create_account(self, login: str, password: str, store_id: str) -> MailAccount:
        account = MailAccount(
            login=login,
            password=password,
            store_id=store_id,
            mailboxes={
                "INBOX": Mailbox(uidvalidity=int(time.time()) + len(self.accounts)),
                # Where a mail client saves copies of what it sent (RFC 6154 \Sent), by APPEND.
                "Sent": Mailbox(name="Sent", uidvalidity=int(time.time()) + len(self.accounts) + 1),
            },
        )
        self.accounts[login.lower()] = account
        return account

    def account(self, login: str) -> MailAccount | None:
        return self.accounts.get(login.lower())

    def authenticate(self, login: str, password: str) -> MailAccount | None:
        account = self.account(login)
        if account is None or account.password != password:
            return None
        return account

    def account_for_store(self, store_id: str) -> MailAccount | None:
        return next((a for a in self.accounts.values() if a.store_id == store_id), None)

    def create_mailbox(self, login: str, name: str) -> Mailbox:
        account = self.accounts[login.lower()]
        mailbox = account.mailboxes.get(name)
        if mailbox is None:
            # A new mailbox's UIDs start at 1: its UIDVALIDITY must differ from any earlier one of that name.
            mailbox = account.mailboxes[name] = Mailbox(name=name, uidvalidity=int(time.time() * 1000) % 2**31)
        return mailbox

    def append(
        self,
        login: str,
        raw: bytes,
        internal_date: datetime,
        flags: list[str] | None = None,
        mailbox_name: str = "INBOX",
    ) -> int:
        account = self.accounts[login.lower()]
        mailbox = account.mailboxes[mailbox_name]
        uid = mailbox.uidnext
        mailbox.uidnext += 1
        mailbox.items.append(MailItem(uid=uid, flags=list(flags or []), internal_date=internal_date, raw=raw))
        self.notify(login)
        return uid

    # IDLE support: sessions wait on the account's current event; an append sets it and starts a new one.
    def change_event(self, login: str) -> asyncio.Event:
        key = login.lower()
        if key not in self._events:
            self._events[key] = asyncio.Event()
        return self._events[key]

    def notify(self, login: str) -> None:
        key = login.lower()
        event = self._events.pop(key, None)
        if event is not None:
            event.set()

    def restore(self, accounts: list[MailAccount]) -> None:
        for account in accounts:
            self.accounts[account.login.lower()] = account
