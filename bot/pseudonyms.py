"""Keyed pseudonyms: how answers are stored without the user id that gave them."""

from __future__ import annotations

import hashlib
import hmac
import math
from collections import Counter

MIN_LENGTH = 32
# `openssl rand -hex 32` scores about 240 by `estimated_bits`, `openssl rand -base64 32` and
# `secrets.token_urlsafe(32)` about 200 (never under 170 in 50,000 draws); a word or a few
# characters repeated to length score under 50. 100 leaves room for a long passphrase.
MIN_BITS = 100.0
# Windows this long that already occurred add nothing: a repeated pattern is not new secret.
WINDOW = 3
FIX = "set it to 32+ random characters, e.g. the output of `openssl rand -hex 32`"


def estimated_bits(secret: str) -> float:
    """A rough entropy estimate: Shannon bits per character times the characters that are new.

    A character is new when the three characters it starts were not seen earlier in the secret,
    so `abcabc...` or `password` typed four times counts only its first few characters, and
    `aaaa...` has no bits per character at all. It flags the weak; it cannot prove strength.
    """
    if not secret:
        return 0.0
    length = len(secret)
    per_character = -sum(
        count / length * math.log2(count / length) for count in Counter(secret).values()
    )
    seen: set[str] = set()
    for start in range(length):
        seen.add(secret[start : start + WINDOW])
    return per_character * len(seen)


def secret_problem(secret: str) -> str | None:
    """Why `secret` cannot be the pseudonym key (`shorter than 32 characters`), or None."""
    if len(secret) < MIN_LENGTH:
        return f"shorter than {MIN_LENGTH} characters"
    if estimated_bits(secret) < MIN_BITS:
        return "too predictable (a repeated character or pattern)"
    return None


class Pseudonyms:
    """HMAC-SHA256 of tenant and user id under a secret key.

    The same person always gets the same pseudonym (so an answer can be changed), nobody without
    the key can compute it from a user id, and the key never leaves configuration.
    """

    def __init__(self, secret: bytes) -> None:
        # Configuration is checked by the same rule at start-up; this guards other callers.
        problem = secret_problem(secret.decode("utf-8", "surrogateescape"))
        if problem is not None:
            raise ValueError(f"the pseudonym secret is {problem}")
        self._secret = secret

    def of(self, tenant: str, user_id: str) -> str:
        """The pseudonym of `user_id` within `tenant` (64 hex characters)."""
        message = f"{tenant}\x1f{user_id}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()
