"""Paired comparisons: a gap counts only if it clears its own spread on every seed."""

from __future__ import annotations

import math

import pytest

from convae.compare import mean_and_std, paired_gap


def test_a_steady_gap_is_ahead_and_its_reverse_behind():
    a, b = [0.74, 0.72, 0.75], [0.69, 0.66, 0.71]  # differences 0.05, 0.06, 0.04
    gap = paired_gap(a, b)
    assert gap.mean == pytest.approx(0.05) and gap.standard_error == pytest.approx(0.01 / math.sqrt(3))
    assert (gap.smallest, gap.largest, gap.runs) == (pytest.approx(0.04), pytest.approx(0.06), 3)
    assert gap.verdict() == "ahead" and paired_gap(b, a).verdict() == "behind"
    assert str(gap) == "+0.050 ± 0.006 over 3 seeds: ahead"


def test_pairing_removes_the_luck_the_runs_share():
    # Seed-to-seed swings (0.10) far larger than the gap (0.01), shared by both methods: still clear.
    a, b = [0.81, 0.71, 0.91], [0.80, 0.70, 0.90]
    assert paired_gap(a, b).verdict() == "ahead"
    assert mean_and_std(a)[1] > 5 * paired_gap(a, b).mean  # unpaired, the gap is lost in the spread


@pytest.mark.parametrize("a, b", [([0.80, 0.70, 0.81], [0.79, 0.72, 0.80]),  # one seed disagrees
                                  ([0.80, 0.71, 0.90], [0.70, 0.70, 0.70])])  # positive but too spread
def test_a_gap_inside_its_spread_or_against_one_seed_is_a_tie(a, b):
    assert paired_gap(a, b).verdict() == "tie"


def test_bad_input_says_what_was_expected():
    with pytest.raises(ValueError, match="as many scores on each side, got 3 and 2"):
        paired_gap([0.1, 0.2, 0.3], [0.1, 0.2])
    with pytest.raises(ValueError, match="at least 2 runs, got 1"):
        mean_and_std([0.5])
