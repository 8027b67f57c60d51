"""One check's outcome, as the doctor prints it: a status, a name, what was found, the fix."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# `warn`: the bot runs, but some team is not served fully; it does not fail the doctor.
Status = Literal["ok", "FAIL", "warn", "skip"]

# A remote check that takes longer than this is as good as down for the operator.
TIMEOUT_SECONDS = 15.0


@dataclass(frozen=True)
class Check:
    """One check's result; a failure always says how to fix it."""

    status: Status
    name: str
    detail: str
    fix: str = ""

    def line(self) -> str:
        """`ok|FAIL|warn|skip  name: detail` (and the fix, on the same line)."""
        fix = f" -> fix: {self.fix}" if self.status in ("FAIL", "warn") and self.fix else ""
        return f"{self.status:<4}  {self.name}: {self.detail}{fix}"


def ok(name: str, detail: str) -> Check:
    """A check that passed."""
    return Check("ok", name, detail)


def fail(name: str, detail: str, fix: str) -> Check:
    """A check that failed, and what to do about it."""
    return Check("FAIL", name, detail, fix)


def skip(name: str, detail: str) -> Check:
    """A check that does not apply here."""
    return Check("skip", name, detail)
