"""Paired comparisons: a gap counts only where its 95 % t-interval excludes zero; an interval that holds
zero is no detectable difference, never a tie; equivalence needs a margin named in advance."""

from __future__ import annotations

import math

import pytest

from convae.compare import ACCURACY_MARGIN, mean_and_std, paired_gap, t_quantile

# Two-sided 95 % quantiles of Student's t, from printed tables (e.g. Fisher and Yates), by degrees of freedom.
T_TABLE = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 9: 2.262, 29: 2.045}


@pytest.mark.parametrize("degrees_of_freedom, quantile", sorted(T_TABLE.items()))
def test_the_t_quantiles_match_the_printed_table(degrees_of_freedom, quantile):
    assert t_quantile(degrees_of_freedom) == pytest.approx(quantile, abs=5e-4)


def test_a_steady_gap_is_ahead_and_its_reverse_behind():
    a, b = [0.74, 0.72, 0.75], [0.69, 0.66, 0.71]  # differences 0.05, 0.06, 0.04
    gap = paired_gap(a, b)
    standard_error = 0.01 / math.sqrt(3)
    assert gap.mean == pytest.approx(0.05) and gap.standard_error == pytest.approx(standard_error)
    assert gap.low == pytest.approx(0.05 - 4.3027 * standard_error, rel=1e-4)
    assert gap.high == pytest.approx(0.05 + 4.3027 * standard_error, rel=1e-4)
    assert gap.runs == 3 and gap.verdict() == "ahead" and paired_gap(b, a).verdict() == "behind"
    assert str(gap) == "+0.050 [+0.025, +0.075], 3 seeds: ahead"


def test_a_gap_of_two_and_a_half_standard_errors_is_not_detected_with_three_seeds():
    # differences 0.001, 0.005, 0.003: mean 0.003, standard error 0.00115, so 2.6 standard errors,
    # every seed positive; the interval, ±4.30 standard errors, holds zero.
    gap = paired_gap([0.801, 0.805, 0.803], [0.8, 0.8, 0.8])
    assert gap.mean / gap.standard_error > 2.5 and gap.low < 0 < gap.high
    assert gap.verdict() == "no detectable difference"
    assert str(gap).endswith(f"3 seeds: no detectable difference (interval {gap.high - gap.low:.3f} wide)")


def test_more_seeds_narrow_the_interval():
    # The same spread of differences over 5 seeds instead of 3: t falls from 4.30 to 2.78.
    three = paired_gap([0.801, 0.805, 0.803], [0.8] * 3)
    five = paired_gap([0.801, 0.805, 0.803, 0.801, 0.805], [0.8] * 5)
    assert five.high - five.low < (three.high - three.low) / 2
    assert five.verdict() == "ahead"


def test_pairing_removes_the_luck_the_runs_share():
    # Seed-to-seed swings (0.10) far larger than the gap (0.01), shared by both methods: still clear.
    a, b = [0.81, 0.71, 0.91], [0.80, 0.70, 0.90]
    assert paired_gap(a, b).verdict() == "ahead"
    assert mean_and_std(a)[1] > 5 * paired_gap(a, b).mean  # unpaired, the gap is lost in the spread


@pytest.mark.parametrize("a, b", [([0.80, 0.70, 0.81], [0.79, 0.72, 0.80]),  # one seed disagrees
                                  ([0.80, 0.71, 0.90], [0.70, 0.70, 0.70])])  # positive but too spread
def test_a_gap_inside_its_spread_or_against_one_seed_is_not_detected(a, b):
    assert paired_gap(a, b).verdict() == "no detectable difference"


def test_no_verdict_is_a_tie():
    for a, b in [([0.8, 0.7, 0.9], [0.8, 0.7, 0.9]), ([0.80, 0.71, 0.90], [0.70, 0.70, 0.70])]:
        gap = paired_gap(a, b)
        for margin in (None, ACCURACY_MARGIN, 0.5):
            assert gap.verdict(margin) in ("ahead", "behind", "no detectable difference", "equivalent")
            assert "tie" not in str(gap)


def test_equivalent_only_where_the_ninety_percent_interval_lies_inside_the_margin():
    # differences 0.001, -0.001, 0.002, 0.0, 0.001 over five seeds: mean 0.0006, standard error 0.0005
    a = [0.801, 0.799, 0.802, 0.800, 0.801]
    gap = paired_gap(a, [0.8] * 5)
    half_90 = 2.1318 * gap.standard_error  # t at 90 %, 4 degrees of freedom
    assert gap.low < 0 < gap.high and gap.mean + half_90 < ACCURACY_MARGIN
    assert gap.verdict() == "no detectable difference"  # without a margin, never equivalent
    assert gap.verdict(ACCURACY_MARGIN) == "equivalent"
    assert gap.verdict(0.001) == "no detectable difference"  # the 90 % interval reaches past ±0.001
    wide = paired_gap([0.80, 0.71, 0.90], [0.70, 0.70, 0.70])  # holds zero, but reaches 20 points
    assert wide.verdict(ACCURACY_MARGIN) == "no detectable difference"
    with pytest.raises(ValueError, match="positive number"):
        gap.verdict(0.0)


def test_bad_input_says_what_was_expected():
    with pytest.raises(ValueError, match="as many scores on each side, got 3 and 2"):
        paired_gap([0.1, 0.2, 0.3], [0.1, 0.2])
    with pytest.raises(ValueError, match="at least 2 runs, got 1"):
        mean_and_std([0.5])
