"""Planning gives exactly the posts the straightforward expansion gave, for varied inputs.

The digests in `tests/data/plan_digests.json` were made by the expansion before it kept zone
conversions, slots and titles between posts and cohorts (`tests/plan_cases.py`).
"""

from __future__ import annotations

import json
from pathlib import Path

from bot.rollouts.plan import _placed
from content.loader import LoadedPack
from tests.plan_cases import cases, digest, plan_of

DIGESTS = Path(__file__).parent / "data" / "plan_digests.json"


def test_every_case_plans_the_same_posts_cold_and_warm(packs: dict[str, LoadedPack]) -> None:
    by_name = {name: loaded.pack for name, loaded in packs.items()}
    expected = [tuple(case) for case in json.loads(DIGESTS.read_text(encoding="utf-8"))]
    every = list(cases())
    assert len(every) == len(expected)
    _placed.cache_clear()
    cold = [(len(posts), digest(posts)) for posts in (plan_of(c, by_name) for c in every)]
    # Planned again, every slot and instant is the one kept from the first time.
    warm = [(len(posts), digest(posts)) for posts in (plan_of(c, by_name) for c in every)]
    assert _placed.cache_info().hits > 0
    for index, (was, now_cold, now_warm) in enumerate(zip(expected, cold, warm, strict=True)):
        assert now_cold == was, f"case {index} plans differently"
        assert now_warm == was, f"case {index} plans differently from kept answers"
    assert sum(count for count, _ in expected) > 5_000
