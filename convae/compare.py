"""Comparing trained results honestly: over runs paired by seed, with a 95 % t-interval.

Two methods trained with the same seed see the same labelled images and the same batch order, so
the difference between their scores on that seed cancels much of the luck they share. Over n seeds,
the mean of those paired differences has a standard error s / √n, and a 95 % confidence interval
mean ± t × s / √n, where t is Student's t quantile with n − 1 degrees of freedom (4.30 for 3 seeds,
2.78 for 5, nearing 1.96 as n grows). A method is *ahead* only where that interval lies above zero,
*behind* where it lies below, and a *tie* wherever it holds zero. The interval covers the luck of the
seeds on this machine, not what another CPU's arithmetic or another data set would change.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

CONFIDENCE = 0.95  # the share of intervals, over repeated experiments, that hold the true mean gap


def t_quantile(degrees_of_freedom: int, confidence: float = CONFIDENCE) -> float:
    """Student's t quantile for a two-sided `confidence` interval: 4.303 for 2 degrees of freedom."""
    from scipy import stats  # here: importing SciPy's statistics takes a second, and only this needs it

    return float(stats.t.ppf((1 + confidence) / 2, degrees_of_freedom))


@dataclass(frozen=True)
class PairedGap:
    """How far scores `a` lie above scores `b`, run by run (paired by seed), with its interval."""

    mean: float  # mean of a[i] - b[i]
    standard_error: float  # of that mean: std of the differences / sqrt(runs)
    low: float  # the 95 % t-interval of the mean difference: low ...
    high: float  # ... to high
    runs: int

    def verdict(self) -> str:
        """"ahead" or "behind" where the 95 % interval excludes zero; "tie" where it holds it."""
        if self.low > 0:
            return "ahead"
        if self.high < 0:
            return "behind"
        return "tie"

    def interval(self, digits: int = 3) -> str:
        """The 95 % interval as text, e.g. "[+0.025, +0.075]"."""
        return f"[{self.low:+.{digits}f}, {self.high:+.{digits}f}]"

    def __str__(self) -> str:
        return f"{self.mean:+.3f} {self.interval()}, {self.runs} seeds: {self.verdict()}"


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
    standard_error = std / math.sqrt(len(differences))
    half_width = t_quantile(len(differences) - 1) * standard_error
    return PairedGap(mean, standard_error, mean - half_width, mean + half_width, len(differences))
