"""Saving the world to `data_dir` and loading it back, so a restart keeps credentials, conversations,
mailbox UIDs (and their UIDVALIDITY), the eBay signing key and the truth."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from sandbox.mail.mailstore import MailAccount
from sandbox.models import AfterSale, Buyer, Store, Thread
from sandbox.signing import EbayNotificationKey
from sandbox.state import LostPush, SandboxState
from sandbox.tokens import TokenRecord
from sandbox.truth import Truth

FILENAME = "sandbox-state.json"


class Snapshot(BaseModel):
    version: int = 1
    seed: int
    clock_offset_seconds: float
    stores: list[Store]
    buyers: list[Buyer]
    buyer_keys: list[tuple[str, str, str]]
    threads: list[Thread]
    tokens: list[TokenRecord]
    mail: list[MailAccount]
    truth: Truth
    lost_pushes: list[LostPush]
    ebay_key_id: str
    ebay_key_pem: str
    id_sequence: int
    # How many times this world was restored: each life draws ids from its own stream.
    generation: int = 0
    after_sales: list[AfterSale] = []


def path_for(data_dir: Path) -> Path:
    return data_dir / FILENAME


def save(state: SandboxState, data_dir: Path) -> Path:
    data_dir.mkdir(parents=True, exist_ok=True)
    snapshot = Snapshot(
        seed=state.config.seed,
        clock_offset_seconds=state.clock.offset_seconds,
        stores=list(state.stores.values()),
        buyers=list(state.buyers.values()),
        buyer_keys=[(store_id, key, buyer_id) for (store_id, key), buyer_id in state.buyer_keys().items()],
        threads=list(state.threads.values()),
        tokens=state.tokens.all(),
        mail=list(state.mail.accounts.values()),
        truth=state.truth,
        lost_pushes=state.lost_pushes,
        ebay_key_id=state.ebay_key.kid,
        ebay_key_pem=state.ebay_key.private_pem(),
        id_sequence=state.ids.next_sequence(),
        generation=state.generation,
        after_sales=list(state.after_sales.values()),
    )
    target = path_for(data_dir)
    temporary = target.with_suffix(".tmp")
    temporary.write_text(snapshot.model_dump_json())
    temporary.replace(target)
    return target


def load(state: SandboxState, data_dir: Path) -> bool:
    """Restore a saved world into a fresh state; False when there is nothing to restore."""
    source = path_for(data_dir)
    if not source.exists():
        return False
    snapshot = Snapshot.model_validate_json(source.read_text())
    state.clock.restore(snapshot.clock_offset_seconds)
    state.stores = {s.id: s for s in snapshot.stores}
    state.buyers = {b.id: b for b in snapshot.buyers}
    state.restore_buyer_keys({(store_id, key): buyer_id for store_id, key, buyer_id in snapshot.buyer_keys})
    state.threads = {t.id: t for t in snapshot.threads}
    state.tokens.restore(snapshot.tokens)
    state.mail.restore(snapshot.mail)
    state.truth = snapshot.truth
    state.after_sales = {a.id: a for a in snapshot.after_sales}
    state.lost_pushes = snapshot.lost_pushes
    state.ebay_key = EbayNotificationKey.from_pem(snapshot.ebay_key_id, snapshot.ebay_key_pem)
    state.generation = snapshot.generation + 1
    state.ids.reseed(state.generation)
    state.ids.restore_sequence(snapshot.id_sequence)
    state.ids.remember([t.id for t in snapshot.threads] + [m.id for t in snapshot.threads for m in t.messages])
    state.rebuild_indexes()
    return True
