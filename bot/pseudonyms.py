"""Keyed pseudonyms: how answers are stored without the user id that gave them."""

from __future__ import annotations

import hashlib
import hmac


class Pseudonyms:
    """HMAC-SHA256 of tenant and user id under a secret key.

    The same person always gets the same pseudonym (so an answer can be changed), nobody without
    the key can compute it from a user id, and the key never leaves configuration.
    """

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the pseudonym secret must be at least 16 bytes")
        self._secret = secret

    def of(self, tenant: str, user_id: str) -> str:
        """The pseudonym of `user_id` within `tenant` (64 hex characters)."""
        message = f"{tenant}\x1f{user_id}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()
