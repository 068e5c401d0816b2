"""@mentions in internal notes (pure): `@Li Na`, `@li.na@example.com` or a unique first name `@Li`.

A mention starts at an `@` that does not continue a word or an address (`buyer@example.com` in a
note is not a mention) and names a colleague by email address, full name, full name without spaces
or, when no other colleague shares it, first name; the longest match wins, case-insensitively. It ends
where the name ends, before anything that could continue a Latin word (`@Li Na,` and `@李娜请看`
both mention 李娜 / Li Na; `@Linda` does not mention Li).
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from dataclasses import dataclass

_WORDISH = re.compile(r"[A-Za-z0-9_@]")
_BEFORE = re.compile(r"[A-Za-z0-9_.+\-@]")


@dataclass(frozen=True)
class Person:
    user_id: uuid.UUID
    name: str
    email: str


@dataclass(frozen=True)
class Mention:
    user_id: uuid.UUID
    name: str
    start: int  # the `@`
    end: int  # one past the name

    def as_json(self) -> dict[str, object]:
        return {"user_id": str(self.user_id), "name": self.name, "start": self.start, "end": self.end}


def _keys(people: list[Person]) -> list[tuple[str, Person]]:
    firsts = Counter(p.name.split()[0].casefold() for p in people if p.name.split())
    keys: list[tuple[str, Person]] = []
    for p in people:
        name = p.name.strip()
        for key in {p.email.strip(), name, "".join(name.split())}:
            if key:
                keys.append((key.casefold(), p))
        parts = name.split()
        if len(parts) > 1 and firsts[parts[0].casefold()] == 1:
            keys.append((parts[0].casefold(), p))
    # Longest first: "@Li Na" is Li Na even when a colleague is called "Li".
    return sorted(keys, key=lambda kp: len(kp[0]), reverse=True)


def _ends(body: str, stop: int) -> bool:
    """Nothing that continues a Latin word or an address follows (`@li.na` is not `@li`)."""
    if stop >= len(body):
        return True
    if _WORDISH.match(body[stop]):
        return False
    return not (body[stop] in ".-+" and stop + 1 < len(body) and _WORDISH.match(body[stop + 1]))


def find_mentions(body: str, people: list[Person]) -> list[Mention]:
    """Every mention in `body`, in order of appearance."""
    keys = _keys(people)
    folded = body.casefold()
    if len(folded) != len(body):  # offsets must index `body`; casefold can lengthen (ß -> ss)
        folded = body.lower()
    found: list[Mention] = []
    i = body.find("@")
    while i >= 0:
        end = i + 1
        if i == 0 or not _BEFORE.match(body[i - 1]):
            for key, person in keys:
                stop = i + 1 + len(key)
                if folded.startswith(key, i + 1) and _ends(body, stop):
                    found.append(Mention(person.user_id, person.name, i, stop))
                    end = stop
                    break
        i = body.find("@", end)
    return found
