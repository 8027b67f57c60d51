"""Prometheus metrics: what an operator watches, never who did what.

Every label value comes from a short fixed list (a platform, an outcome, a command name), so no
user id, answer or message text can reach a label, and a typo cannot grow a new series. The
metrics live in their own registry, not prometheus-client's global one, so a process (or a test)
can build web apps repeatedly without registering anything twice.

Adapters and the scheduler call the small functions below; `/metrics` serves `exposition()`.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Iterable, Set

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

log = logging.getLogger(__name__)

# The registered platforms' names, given by the composition root at start-up.
PLATFORMS: set[str] = set()
OTHER = "other"
REQUEST_OUTCOMES = frozenset({"served", "refused", "failed"})
DELIVERY_OUTCOMES = frozenset({"sent", "retried", "failed"})
# The declared commands' names, given by the router once the handlers are found.
COMMANDS: set[str] = {"unknown"}
# Slack wants an answer within 3 s, so the buckets are fine below it and coarse above.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)
# Every label name a crbot metric may carry (the histograms add `le`).
LABELS = frozenset({"platform", "outcome", "command"})

REGISTRY = CollectorRegistry(auto_describe=True)

REQUESTS = Counter(
    "crbot_requests",
    "Requests answered, by platform and outcome (served, refused, failed).",
    ("platform", "outcome"),
    registry=REGISTRY,
)
COMMAND_SECONDS = Histogram(
    "crbot_command_seconds",
    "Time to answer a request, by command.",
    ("command",),
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
DELIVERIES = Counter(
    "crbot_deliveries",
    "Scheduled posts, by platform and outcome (sent, retried, failed).",
    ("platform", "outcome"),
    registry=REGISTRY,
)
PLATFORM_CALLS = Counter(
    "crbot_platform_calls",
    "Calls to a platform's API (posts, updates, DMs, uploads), by platform and outcome "
    "(sent; retried: another attempt follows; failed: given up).",
    ("platform", "outcome"),
    registry=REGISTRY,
)
DELIVERIES_PENDING = Gauge(
    "crbot_deliveries_pending",
    "Scheduled posts due and not yet sent, as last counted by the scheduler.",
    registry=REGISTRY,
)
RATE_LIMIT_WAITS = Counter(
    "crbot_rate_limit_waits",
    "Times a send waited for a platform's rate limit.",
    ("platform",),
    registry=REGISTRY,
)
RATE_LIMIT_SECONDS = Counter(
    "crbot_rate_limit_wait_seconds",
    "Seconds spent waiting for platforms' rate limits.",
    ("platform",),
    registry=REGISTRY,
)
SCHEDULER_LAG = Gauge(
    "crbot_scheduler_lag_seconds",
    "How late the scheduler's last run started after it was due.",
    registry=REGISTRY,
)
LEADER = Gauge(
    "crbot_scheduler_leader",
    "1 while this process runs the scheduler (holds the leader lock), else 0.",
    registry=REGISTRY,
)


def platform_of(tenant: str) -> str:
    """The platform label for a tenant id (`slack:T123` -> `slack`); unknown ones are `other`."""
    prefix = tenant.partition(":")[0]
    return prefix if prefix in PLATFORMS else OTHER


def _known(value: str, allowed: Set[str], what: str) -> str:
    if value in allowed or value == OTHER:  # `other` is already the safe value
        return value
    # A caller's mistake must not become a new series (or carry text into a label).
    log.warning("unknown metric label value dropped", extra={"status": what})
    return OTHER


class RequestTiming:
    """One request being timed and counted; the core sets `outcome` before it ends.

    A plain context manager with its label children looked up once per name: it runs on every
    request, and prometheus-client's `labels()` takes a lock and checks its arguments each time.
    """

    __slots__ = ("_command", "_started", "_tenant", "outcome")

    def __init__(self, tenant: str, command: str) -> None:
        self._tenant = tenant
        self._command = command
        self._started = 0.0
        self.outcome = "failed"

    def __enter__(self) -> RequestTiming:
        self._started = time.perf_counter()
        return self

    def __exit__(self, *_: object) -> None:
        elapsed = time.perf_counter() - self._started
        _command_seconds(self._command).observe(elapsed)
        _requests(platform_of(self._tenant), self.outcome).inc()


def name_commands(names: frozenset[str]) -> None:
    """The command labels requests may carry: the declared commands, and `unknown`."""
    COMMANDS.update(names)


def name_platforms(names: Iterable[str]) -> None:
    """The platform labels metrics may carry: the registered platforms, and `other`."""
    PLATFORMS.update(names)


@functools.cache
def _command_seconds(command: str) -> Histogram:
    return COMMAND_SECONDS.labels(command=command if command in COMMANDS else "unknown")


@functools.cache
def _requests(platform: str, outcome: str) -> Counter:
    known = _known(outcome, REQUEST_OUTCOMES, "request outcome")
    return REQUESTS.labels(platform=platform, outcome=known)


def request(tenant: str, command: str) -> RequestTiming:
    """Time one request and count it by platform and the outcome set on the returned object."""
    return RequestTiming(tenant, command)


def delivery(platform: str, outcome: str) -> None:
    """Count one scheduled post: `sent`, `retried` (will try again) or `failed` (gave up)."""
    DELIVERIES.labels(
        platform=_known(platform, PLATFORMS, "platform"),
        outcome=_known(outcome, DELIVERY_OUTCOMES, "delivery outcome"),
    ).inc()


def platform_call(platform: str, outcome: str) -> None:
    """Count one attempt at a platform's API: `sent`, `retried` or `failed`.

    Every send counts here, replies as well as scheduled posts; `delivery` counts a scheduled
    post once, whatever it took the adapter to make it.
    """
    PLATFORM_CALLS.labels(
        platform=_known(platform, PLATFORMS, "platform"),
        outcome=_known(outcome, DELIVERY_OUTCOMES, "call outcome"),
    ).inc()


def deliveries_pending(count: int) -> None:
    """Set how many scheduled posts are due and unsent."""
    DELIVERIES_PENDING.set(max(count, 0))


def rate_limit_wait(platform: str, seconds: float) -> None:
    """Record one wait for a platform's rate limit, and how long it was."""
    name = _known(platform, PLATFORMS, "platform")
    RATE_LIMIT_WAITS.labels(platform=name).inc()
    RATE_LIMIT_SECONDS.labels(platform=name).inc(max(seconds, 0.0))


def scheduler_lag(seconds: float) -> None:
    """Set how late the scheduler's latest run started after it was due."""
    SCHEDULER_LAG.set(max(seconds, 0.0))


def leader(leading: bool) -> None:
    """Set whether this process runs the scheduler."""
    LEADER.set(1 if leading else 0)


def exposition() -> tuple[bytes, str]:
    """The metrics in Prometheus text format, and its content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
