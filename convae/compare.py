"""Comparing trained results honestly: over runs paired by seed, against their own spread.

Two methods trained with the same seed see the same labelled images and the same batch order, so
the difference between their scores on that seed cancels much of the luck they share. A method is
*ahead* only where those paired differences are clearly positive: their mean is more than 2.5
standard errors above zero and every seed agrees. Anything less is a tie.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

CLEAR_FACTOR = 2.5  # standard errors the mean paired difference must clear


@dataclass(frozen=True)
class PairedGap:
    """How far scores `a` lie above scores `b`, run by run (paired by seed)."""

    mean: float  # mean of a[i] - b[i]
    standard_error: float  # of that mean: std of the differences / sqrt(runs)
    smallest: float  # the least favourable run's difference
    largest: float  # the most favourable run's difference
    runs: int

    def verdict(self) -> str:
        """"ahead", "behind" or "tie": ahead (behind) only if clear of the spread and on every run."""
        if self.mean > CLEAR_FACTOR * self.standard_error and self.smallest > 0:
            return "ahead"
        if -self.mean > CLEAR_FACTOR * self.standard_error and self.largest < 0:
            return "behind"
        return "tie"

    def __str__(self) -> str:
        return f"{self.mean:+.3f} ± {self.standard_error:.3f} over {self.runs} seeds: {self.verdict()}"


def mean_and_std(values: Sequence[float]) -> tuple[float, float]:
    """The mean and the sample standard deviation (n - 1) of `values`."""
    if len(values) < 2:
        raise ValueError(f"a spread needs at least 2 runs, got {len(values)}")
    mean = sum(values) / len(values)
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


def paired_gap(a: Sequence[float], b: Sequence[float]) -> PairedGap:
    """The gap between two methods' scores, `a[i]` and `b[i]` coming from the same seed i."""
    if len(a) != len(b):
        raise ValueError(f"paired runs need as many scores on each side, got {len(a)} and {len(b)}")
    differences = [x - y for x, y in zip(a, b)]
    mean, std = mean_and_std(differences)
    return PairedGap(mean, std / math.sqrt(len(differences)), min(differences), max(differences), len(differences))
