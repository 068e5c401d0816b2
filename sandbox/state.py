"""The sandbox's state: stores, buyers, threads, mailboxes, tokens, faults and the ground truth.

Exposed as `Sandbox.state` so tests can inspect and steer the world directly in Python; the admin
API (/_sandbox) is a thin JSON layer over the same object.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from pydantic import BaseModel

from sandbox.catalog import Catalog, CatalogBuyer
from sandbox.clock import Clock
from sandbox.config import SandboxConfig
from sandbox.faults import FaultBook
from sandbox.ids import IdFactory
from sandbox.mail.formats import AMAZON_RELAY_DOMAIN, WALMART_RELAY_DOMAIN
from sandbox.mail.mailstore import MailStore
from sandbox.media import MediaStore
from sandbox.models import AfterSale, Buyer, Store, Thread
from sandbox.signing import EbayNotificationKey
from sandbox.tokens import TokenBook
from sandbox.truth import ReadRecord, RejectionRecord, Truth

if TYPE_CHECKING:
    from sandbox.push import PushDispatcher
    from sandbox.traffic import TrafficRunner


class LostPush(BaseModel):
    seq: int
    marketplace: str
    store_id: str
    code: int
    at: datetime
    data: str
    consumed: bool = False


class SandboxState:
    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.clock = Clock()
        self.ids = IdFactory(config.seed)
        # Bumped each time the world is restored from data_dir.
        self.generation = 0
        self.truth = Truth()
        self.faults = FaultBook(config.seed)
        self.catalog = Catalog(config.seed, anchor=self.clock.now(), orders_per_store=config.orders_per_store)
        self.tokens = TokenBook()
        self.mail = MailStore()
        # Buyers' photos and the seller's uploaded images (sandbox/media.py).
        self.media = MediaStore()
        self.stores: dict[str, Store] = {}
        self.buyers: dict[str, Buyer] = {}
        self.threads: dict[str, Thread] = {}
        # eBay returns and inquiries, Walmart return orders (sandbox/aftersales.py), by id.
        self.after_sales: dict[str, AfterSale] = {}
        self.ebay_key = EbayNotificationKey(kid=self._uuid())
        # Set by the server once its parts are running.
        self.http_url = ""
        self.imap_port = 0
        self.imaps_port = 0
        self.smtp_port = 0
        self.pushes: PushDispatcher | None = None
        self.traffic: TrafficRunner | None = None
        # Pushes that never got through, for marketplaces that let a consumer fetch them later
        # (Shopee's v2.push.get_lost_push_message).
        self.lost_pushes: list[LostPush] = []
        self._buyer_keys: dict[tuple[str, str], str] = {}
        self._relay_index: dict[str, str] = {}
        self._mail_index: dict[str, str] = {}

    def _uuid(self) -> str:
        h = self.ids.hex(32)
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    # -- clocks -------------------------------------------------------------------------------

    def market_time(self, marketplace: str, store_id: str | None, world: datetime | None = None) -> datetime:
        """A world instant as the marketplace's (possibly skewed) clock reports it."""
        world = world or self.clock.now()
        return world + timedelta(seconds=self.faults.skew_seconds(marketplace, store_id))

    def signature_epoch(self, marketplace: str, store_id: str | None) -> float:
        """The marketplace's real clock, against which request timestamps are checked."""
        return self.clock.real_epoch() + self.faults.skew_seconds(marketplace, store_id)

    # -- lookups ------------------------------------------------------------------------------

    def store(self, store_id: str) -> Store | None:
        return self.stores.get(store_id)

    def stores_of(self, marketplace: str) -> list[Store]:
        return [s for s in self.stores.values() if s.marketplace == marketplace]

    def store_by_credential(self, marketplace: str, field: str, value: object) -> Store | None:
        for store in self.stores_of(marketplace):
            if str(store.credentials.get(field)) == str(value):
                return store
        return None

    def threads_of(self, store_id: str) -> list[Thread]:
        return [t for t in self.threads.values() if t.store_id == store_id]

    def thread(self, thread_id: str) -> Thread | None:
        return self.threads.get(thread_id)

    def buyer(self, buyer_id: str) -> Buyer:
        return self.buyers[buyer_id]

    def buyer_by_address(self, address: str) -> Buyer | None:
        buyer_id = self._relay_index.get(address.lower())
        return self.buyers.get(buyer_id) if buyer_id else None

    def buyer_by_handle(self, store_id: str, handle: str) -> Buyer | None:
        return next((b for b in self.buyers.values() if b.store_id == store_id and b.handle == handle), None)

    def buyer_by_user_id(self, store_id: str, user_id: str) -> Buyer | None:
        return next((b for b in self.buyers.values() if b.store_id == store_id and b.user_id == user_id), None)

    def thread_by_mail_id(self, message_id: str) -> Thread | None:
        thread_id = self._mail_index.get(message_id)
        return self.threads.get(thread_id) if thread_id else None

    def index_mail(self, message_id: str, thread_id: str) -> None:
        self._mail_index[message_id] = thread_id

    # -- buyers -------------------------------------------------------------------------------

    def buyer_for(self, store: Store, source: CatalogBuyer) -> Buyer:
        """The world buyer behind a catalogue buyer, with the marketplace identity it needs."""
        existing = self._buyer_keys.get((store.id, source.key))
        if existing:
            return self.buyers[existing]
        ids = self.ids
        buyer = Buyer(
            id=f"b-{ids.hex(10)}",
            store_id=store.id,
            name=source.name,
            full_name=source.full_name,
            language=source.language,
            handle=source.handle,
        )
        if store.marketplace == "shopee":
            buyer.user_id = ids.digits(9)
        elif store.marketplace == "tiktok":
            buyer.user_id = ids.digits(19, first="7")
            buyer.im_user_id = ids.digits(19, first="7")
        elif store.marketplace == "amazon":
            # One stable anonymised alias per buyer per seller (derived, so it survives re-creation).
            digest = self._stable_hex(store.id, source.key)
            alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
            local = "".join(alphabet[int(digest[i : i + 2], 16) % 36] for i in range(0, 30, 2))
            buyer.address = f"{local}+{digest[30:38]}@{AMAZON_RELAY_DOMAIN}"
        elif store.marketplace == "walmart":
            buyer.address = f"pc-{self._stable_hex(store.id, source.key)[:32]}@{WALMART_RELAY_DOMAIN}"
        self.buyers[buyer.id] = buyer
        self._buyer_keys[(store.id, source.key)] = buyer.id
        if buyer.address:
            self._relay_index[buyer.address.lower()] = buyer.id
        return buyer

    def buyer_keys(self) -> dict[tuple[str, str], str]:
        return dict(self._buyer_keys)

    def restore_buyer_keys(self, keys: dict[tuple[str, str], str]) -> None:
        self._buyer_keys = dict(keys)

    def _stable_hex(self, store_id: str, key: str) -> str:
        return hashlib.sha256(f"{self.config.seed}:{store_id}:{key}".encode()).hexdigest()

    def rebuild_indexes(self) -> None:
        self._relay_index = {b.address.lower(): b.id for b in self.buyers.values() if b.address}
        self._mail_index = {
            m.mail_message_id: t.id for t in self.threads.values() for m in t.messages if m.mail_message_id
        }

    # -- truth helpers --------------------------------------------------------------------------

    def reject(
        self,
        marketplace: str,
        store_id: str | None,
        channel: str,
        operation: str,
        status: int | str,
        code: str | None,
        message: str,
        injected: bool = False,
    ) -> None:
        self.truth.rejections.append(
            RejectionRecord(
                at=self.clock.now(),
                marketplace=marketplace,
                store_id=store_id,
                channel=channel,
                operation=operation,
                status=status,
                error_code=code,
                message=message,
                injected=injected,
            )
        )

    def record_read(self, store: Store, thread_id: str | None, operation: str, detail: str = "") -> None:
        self.truth.reads.append(
            ReadRecord(
                at=self.clock.now(),
                marketplace=store.marketplace,
                store_id=store.id,
                thread_id=thread_id,
                operation=operation,
                detail=detail,
            )
        )


def utc(value: datetime) -> datetime:
    return value.astimezone(UTC)
