"""Failover benchmark: two schedulers on one private PostgreSQL, the server killed mid fan-out.

Each round makes 640 posts due at once across 40 channels of a fake platform (about 1.5 posts a
second per channel), kills the server with `pg_ctl stop -m immediate` a quarter of the way
through, and starts it again 4-5 s later, while the leader goes on sending. Rounds alternate
ports that can look a post up on the platform with ports that cannot (as Slack and Teams).
It prints, per round and in total, the duplicates and the lost posts as the fake platform
counted them (both must be 0), and what the ledger says.

    .venv/bin/python bench/failover.py            # 10 rounds, about 3.5 minutes
    .venv/bin/python bench/failover.py --quick    # 3 rounds, about a minute

It needs the PostgreSQL server programs (initdb, pg_ctl); the machine's own server is never used.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.failover import Round, rounds  # noqa: E402
from tests.private_postgres import Unavailable, private_cluster  # noqa: E402


def report(results: list[Round], seconds: float) -> int:
    """Print the figures; 1 if any post was duplicated, lost or left unsettled."""
    for number, result in enumerate(results, 1):
        ledger = ", ".join(f"{status} {count}" for status, count in sorted(result.statuses.items()))
        print(
            f"round {number:2}: {result.posts} posts, server down {result.down:.1f} s, "
            f"{'lookup' if result.lookup else 'no lookup'}: {result.duplicates} duplicates, "
            f"{result.lost} lost; ledger: {ledger}"
        )
    duplicates = sum(r.duplicates for r in results)
    lost = sum(r.lost for r in results)
    unsettled = sum(r.posts - r.statuses.get("sent", 0) for r in results)
    print(
        f"{len(results)} rounds, {sum(r.posts for r in results)} posts in {seconds:.0f} s: "
        f"{duplicates} duplicates, {lost} lost, {unsettled} not recorded as sent"
    )
    return 1 if duplicates or lost or unsettled else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds instead of 10")
    parser.add_argument("--rounds", type=int, help="how many rounds (overrides --quick)")
    parser.add_argument("--seed", type=int, default=0, help="picks each round's outage")
    args = parser.parse_args()
    count = args.rounds or (3 if args.quick else 10)
    # The schedulers' own warnings (the database away, outcomes waiting) would drown the figures.
    logging.basicConfig(level=logging.ERROR)
    started = time.monotonic()
    try:
        with private_cluster() as server, tempfile.TemporaryDirectory() as data:
            results = asyncio.run(rounds(server, Path(data), count, seed=args.seed))
    except Unavailable as missing:
        print(f"skipped: {missing}", file=sys.stderr)
        return 2
    return report(results, time.monotonic() - started)


if __name__ == "__main__":
    sys.exit(main())
