"""The one release path: every figure anyone sees about answers is made here (docs/PRIVACY.md).

A poll's answers reach the outside only as a *release*: three band counts (low 0-1, middle 2-3,
high 4-5) with differentially private noise from OpenDP, post-processed so they stay whole,
non-negative and add up to the number who had answered. A poll is released again only once the
group size of distinct people acted on it since the last release, and at most
`releases` times, so its privacy budget `epsilon` is never overspent. Reports, charts, CSV and
the poll message are sums and renderings of releases, nothing else.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

BANDS = ("low", "middle", "high")
BAND_RANGES = ((0, 1), (2, 3), (4, 5))
# What each band stands for when an average is worked out from the bands alone.
BAND_MIDPOINTS = (0.5, 2.5, 4.5)
# One person changing an answer moves one count out of one band and into another.
SENSITIVITY = 2

# Maps the true band counts and a per-release epsilon to noisy band counts.
Noise = Callable[[tuple[int, ...], float], tuple[int, ...]]


@functools.lru_cache(maxsize=16)
def _laplace(scale: float) -> Any:
    import opendp.prelude as dp

    dp.enable_features("contrib")
    space = dp.vector_domain(dp.atom_domain(T=int), size=len(BANDS)), dp.l1_distance(T=int)
    return dp.m.make_laplace(*space, scale=scale)


def scale_for(epsilon: float) -> float:
    """The discrete Laplace scale that spends `epsilon` on one release of the bands."""
    return SENSITIVITY / epsilon


def spent(epsilon: float) -> float:
    """The epsilon OpenDP's own privacy map states for one release at `epsilon`'s scale."""
    return float(_laplace(scale_for(epsilon)).map(d_in=SENSITIVITY))


def laplace_noise(bands: tuple[int, ...], epsilon: float) -> tuple[int, ...]:
    """OpenDP's discrete Laplace mechanism over the band counts."""
    return tuple(int(value) for value in _laplace(scale_for(epsilon))(list(bands)))


@dataclass(frozen=True)
class ReleasePolicy:
    """How a team's figures are released: batch size, budget, and the noise that spends it."""

    group_size: int
    epsilon: float = 2.0
    releases: int = 2
    noise: Noise = field(default=laplace_noise, compare=False, repr=False)

    @property
    def epsilon_per_release(self) -> float:
        """Each release spends an even share of the poll's budget."""
        return self.epsilon / self.releases


@dataclass(frozen=True)
class Figures:
    """Band counts about `respondents` people: one release, or a sum of releases."""

    respondents: int
    bands: tuple[int, int, int]

    @property
    def mean(self) -> float | None:
        """The average answer as the bands tell it, 0 to 5."""
        if self.respondents == 0:
            return None
        weighted = sum(mid * count for mid, count in zip(BAND_MIDPOINTS, self.bands, strict=True))
        return weighted / self.respondents

    def shares(self) -> tuple[int, int, int]:
        """Whole percentages of the three bands, adding up to 100."""
        return _apportion(self.bands, 100) if self.respondents else (0, 0, 0)


@dataclass(frozen=True)
class Release(Figures):
    """A poll's published figures, the `version`th time they were released."""

    version: int = 1


@dataclass(frozen=True)
class Published:
    """What may be shown about one poll now: how many answered, and its last release."""

    respondents: int  # the live count: it says someone answered, never what
    release: Release | None
    group_size: int
    final: bool  # the budget is spent: these figures will not change again


def bands_of(counts: Mapping[int, int]) -> tuple[int, int, int]:
    """Answers (value -> how many) gathered into the three bands."""
    low, middle, high = (
        sum(counts.get(value, 0) for value in range(first, last + 1)) for first, last in BAND_RANGES
    )
    return low, middle, high


def release(counts: Mapping[int, int], version: int, policy: ReleasePolicy) -> Release:
    """A new release of a poll whose answers are `counts` (value -> how many)."""
    true_bands = bands_of(counts)
    respondents = sum(true_bands)
    noisy = policy.noise(true_bands, policy.epsilon_per_release)
    return Release(respondents=respondents, bands=publishable(noisy, respondents), version=version)


def publishable(noisy: tuple[int, ...], respondents: int) -> tuple[int, int, int]:
    """Noisy counts made readable: whole, never negative, adding up to `respondents`.

    Post-processing of a differentially private output spends no budget, and `respondents` is
    shown anyway, so using it reveals nothing more.
    """
    clamped = tuple(max(0, value) for value in noisy)
    if respondents == 0:
        return 0, 0, 0
    if sum(clamped) == 0:
        # Noise took everything away: an even split says nothing about anyone.
        clamped = (1, 1, 1)
    low, middle, high = _apportion(clamped, respondents)
    return low, middle, high


def _apportion(weights: tuple[int, ...], total: int) -> tuple[int, int, int]:
    """`total` split in proportion to `weights` by largest remainder (ties to the lower band)."""
    whole = sum(weights)
    exact = [weight * total / whole for weight in weights]
    parts = [int(share) for share in exact]
    by_remainder = sorted(range(len(exact)), key=lambda i: (parts[i] - exact[i], i))
    for index in by_remainder[: total - sum(parts)]:
        parts[index] += 1
    low, middle, high = parts
    return low, middle, high


def combined(figures: Iterable[Figures]) -> Figures | None:
    """Releases added up (a week, a question over channels); None when there are none."""
    items = list(figures)
    if not items:
        return None
    respondents = sum(item.respondents for item in items)
    low, middle, high = (sum(item.bands[band] for item in items) for band in range(3))
    return Figures(respondents=respondents, bands=(low, middle, high))


def figures_line(figures: Figures) -> str:
    """The figures in words: the three bands as shares, and the average."""
    low, middle, high = figures.shares()
    mean = figures.mean
    average = f" · average about {mean:.1f}" if mean is not None else ""
    return f"low (0-1) {low}% · middle (2-3) {middle}% · high (4-5) {high}%{average}"


def answered_line(count: int) -> str:
    """How many answered, in words."""
    return "1 person has answered" if count == 1 else f"{count} people have answered"


def status_line(published: Published, explain: bool = True) -> str:
    """A poll's count and figures as everyone may see them; `explain` adds when they change."""
    answered = answered_line(published.respondents)
    if published.release is None:
        return f"{answered}. Figures appear once {published.group_size} people have answered."
    shown = published.release
    line = f"{answered}. At {shown.respondents}: {figures_line(shown)}."
    if not explain:
        return line
    if published.final:
        return f"{line} These figures are final."
    return f"{line} They refresh after {published.group_size} more people answer or change."


def privacy_line(group_size: int) -> str:
    """Exactly who can see what, in one line."""
    return (
        f"Figures change only after {group_size} people answer, with a little random noise; "
        "nobody, leaders included, can work out your answer."
    )
