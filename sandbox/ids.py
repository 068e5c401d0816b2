"""Identifiers in each marketplace's own shape, drawn from a seeded generator.

Same seed and same sequence of operations give the same ids, so a traffic run can be replayed.
Shopee and TikTok ids are 18–19 digit numbers: above 2**53, so any consumer that parses JSON
numbers into doubles corrupts them (Shopee returns some of them as bare JSON numbers).
"""

from __future__ import annotations

import random
import string


class IdFactory:
    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._rng = random.Random(f"ids:{seed}")
        self._issued: set[str] = set()
        self._sequence = 0

    def reseed(self, generation: int) -> None:
        """A restored world draws from a new stream, so it never re-issues a token of its past life."""
        self._rng = random.Random(f"ids:{self._seed}:{generation}")

    def _unique(self, make) -> str:  # type: ignore[no-untyped-def]
        while True:
            value = make()
            if value not in self._issued:
                self._issued.add(value)
                return value

    def digits(self, length: int, first: str = "123456789") -> str:
        return self._unique(lambda: self._rng.choice(first) + "".join(self._rng.choices(string.digits, k=length - 1)))

    def hex(self, length: int) -> str:
        return self._unique(lambda: "".join(self._rng.choices("0123456789abcdef", k=length)))

    def alnum(self, length: int, alphabet: str = string.ascii_uppercase + string.digits) -> str:
        return self._unique(lambda: "".join(self._rng.choices(alphabet, k=length)))

    def secret(self, length: int = 32) -> str:
        return "".join(self._rng.choices(string.ascii_letters + string.digits, k=length))

    def uuid(self) -> str:
        """A UUID-shaped request id (x-amzn-RequestId)."""
        h = self.hex(32)
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def next_sequence(self) -> int:
        """A strictly increasing counter (TikTok's message `index`, mail UIDs stay per mailbox)."""
        self._sequence += 1
        return self._sequence

    def restore_sequence(self, value: int) -> None:
        self._sequence = max(self._sequence, value)

    def remember(self, values: list[str]) -> None:
        self._issued.update(values)

    # -- per marketplace -------------------------------------------------------------------

    def thread_id(self, marketplace: str) -> str:
        if marketplace == "ebay":
            return self.digits(13)
        if marketplace == "shopee":
            return self.digits(18, first="7")
        if marketplace == "tiktok":
            return self.digits(19, first="7")
        # Mail marketplaces have no conversation id of their own: this one is the sandbox's.
        return f"{marketplace[:2]}-{self.hex(12)}"

    def message_id(self, marketplace: str) -> str:
        if marketplace == "ebay":
            return self.digits(12)
        if marketplace in ("shopee", "tiktok"):
            return self.digits(19, first="2" if marketplace == "shopee" else "7")
        return f"{marketplace[:2]}m-{self.hex(12)}"

    def rng(self) -> random.Random:
        return self._rng
