"""Comparing trained results honestly: over runs paired by seed, with a 95 % t-interval.

Two methods trained with the same seed see the same labelled images and the same batch order, so
the difference between their scores on that seed cancels much of the luck they share. Over n seeds,
the mean of those paired differences has a standard error s / √n, and a 95 % confidence interval
mean ± t × s / √n, where t is Student's t quantile with n − 1 degrees of freedom (4.30 for 3 seeds,
2.78 for 5, nearing 1.96 as n grows). A method is *ahead* only where that interval lies above zero,
and *behind* where it lies below. An interval that holds zero shows *no detectable difference*: not
that the two are equal, only that these seeds cannot tell them apart, and its width says how large a
gap could still hide in it. Two methods are called *equivalent* only against a margin named in
advance, a gap too small to matter, when two one-sided tests at 5 % each put the gap inside it: the
90 % interval lies within ±margin. The interval covers the luck of the seeds on this machine, not
what another CPU's arithmetic or another data set would change.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

CONFIDENCE = 0.95  # the share of intervals, over repeated experiments, that hold the true mean gap
EQUIVALENCE_CONFIDENCE = 0.90  # two one-sided tests at 5 % each: the 90 % interval inside ±margin
# A margin for test accuracy: one point, about the spread of one method's accuracy between seeds in
# chapter 5's runs, so that a smaller gap would not change which way a
# reader picks.
ACCURACY_MARGIN = 0.01


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

    def verdict(self, margin: float | None = None) -> str:
        """"ahead" or "behind" where the 95 % interval excludes zero; otherwise "no detectable
        difference", or "equivalent" where a `margin` is given and the 90 % interval lies inside
        ±margin (two one-sided tests)."""
        if self.low > 0:
            return "ahead"
        if self.high < 0:
            return "behind"
        if margin is not None and self.within(margin):
            return "equivalent"
        return "no detectable difference"

    def within(self, margin: float) -> bool:
        """Whether the 90 % interval of the gap lies inside (-margin, +margin): equivalence."""
        if not margin > 0:
            raise ValueError(f"an equivalence margin must be a positive number, got {margin!r}")
        half_width = t_quantile(self.runs - 1, EQUIVALENCE_CONFIDENCE) * self.standard_error
        return -margin < self.mean - half_width and self.mean + half_width < margin

    def interval(self, digits: int = 3) -> str:
        """The 95 % interval as text, e.g. "[+0.025, +0.075]"."""
        return f"[{self.low:+.{digits}f}, {self.high:+.{digits}f}]"

    def width(self) -> float:
        """How wide the 95 % interval is: the size of gap these seeds could still miss."""
        return self.high - self.low

    def __str__(self) -> str:
        verdict = self.verdict()
        if verdict == "no detectable difference":
            verdict += f" (interval {self.width():.3f} wide)"
        return f"{self.mean:+.3f} {self.interval()}, {self.runs} seeds: {verdict}"


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
