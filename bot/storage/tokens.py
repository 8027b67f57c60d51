"""Per-item digests that let a person find their own anonymous items, and nobody link them.

A digest of the person's pseudonym and one item's id: recomputing it needs the pseudonym (so the
pseudonym key), and two items by the same person share nothing, so the stored tokens tie no items
together and name nobody.
"""

from __future__ import annotations

import hashlib


def item_token(person: str, kind: str, item_id: int) -> str:
    """The token `person` (a pseudonym) leaves on item `item_id` of `kind`."""
    return hashlib.sha256(f"{kind}:{item_id}:{person}".encode()).hexdigest()
