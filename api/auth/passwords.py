"""Password strength, estimated by zxcvbn (Dropbox's estimator: dictionaries, keyboard patterns,
repeats, sequences, dates, l33t) rather than by composition rules, which `password12` satisfies.

Pure: no I/O. The reason returned is zxcvbn's own feedback, so the caller can show what is weak.
"""

from __future__ import annotations

import re

from zxcvbn import zxcvbn

# zxcvbn score 3: "safely unguessable: moderate protection from an offline slow-hash scenario"
# (about 10^8 to 10^10 guesses). Our hashes are argon2 and logins are throttled, so 3 is enough;
# 4 would refuse many memorable passphrases.
MIN_SCORE = 3
# zxcvbn refuses inputs over 72 characters (its matching grows faster than linearly with length). A
# weak password shows its weakness in its first 72 characters (repeats, sequences, dictionary words);
# checking only the prefix errs on the side of refusing.
CHECKED_PREFIX = 72


def user_inputs(*values: str) -> list[str]:
    """What an attacker knows about the account: the address, its parts, the person's name."""
    words: list[str] = []
    for value in values:
        value = value.lower()
        local = value.split("@", 1)[0]
        parts = [p for p in re.split(r"[@.\s_+-]+", value) if len(p) >= 3]
        # Whole, local part, run together ("mandymoore"), and each part: people build passwords from all.
        words.extend([value, local, re.sub(r"[.\s_+-]+", "", local), *parts])
    return list(dict.fromkeys(w for w in words if w))


def password_weakness(password: str, known: list[str] | None = None) -> str | None:
    """None if the password is strong enough, else why it is not (in zxcvbn's words)."""
    result = zxcvbn(password[:CHECKED_PREFIX], user_inputs=known or [])
    if result["score"] >= MIN_SCORE:
        return None
    feedback = result.get("feedback") or {}
    parts = [feedback.get("warning") or "", *(feedback.get("suggestions") or [])]
    advice = " ".join(p.strip() for p in parts if p and p.strip())
    return "too easy to guess" + (f": {advice}" if advice else "")
