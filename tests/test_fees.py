"""MTurk's fee rules, checked against worked examples a requester can redo by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mturklink_helpers.fees import (
    UnconfirmedSpendingError,
    estimate_cost,
    require_confirmation,
)

# (reward, assignments, bonus, masters) -> (fees, total), worked out by hand:
FEE_TABLE = [
    # 1 × $0.50: 20% = $0.10
    (("0.50", 1, "0", False), ("0.10", "0.60")),
    # 10 × $1.00: 10 or more assignments, 20% + 20% = $0.40 each
    (("1.00", 10, "0", False), ("4.00", "14.00")),
    # 9 × $1.00: one fewer assignment, no surcharge
    (("1.00", 9, "0", False), ("1.80", "10.80")),
    # $0.01 reward: 20% is $0.002, but the fee is at least $0.01 per assignment
    (("0.01", 1, "0", False), ("0.01", "0.02")),
    (("0.01", 3, "0", False), ("0.03", "0.06")),
    # a $1.00 bonus per assignment: 20% on the bonus ($0.20), never the 10+ surcharge
    (("0.50", 2, "1.00", False), ("0.60", "3.60")),
    # a $0.02 bonus: 20% is $0.004, so the $0.01 minimum applies per bonus
    (("0.10", 1, "0.02", False), ("0.03", "0.15")),
    # Masters: 25% of $0.50 = $0.125, rounded half-up to $0.13
    (("0.50", 1, "0", True), ("0.13", "0.63")),
    # Masters with 10+ assignments: 45% of $0.10 = $0.045 -> $0.05 each
    (("0.10", 10, "0", True), ("0.50", "1.50")),
]


@pytest.mark.parametrize(("args", "expected"), FEE_TABLE)
def test_fee_table(args, expected):
    reward, assignments, bonus, masters = args
    estimate = estimate_cost(reward, assignments, bonus=bonus, masters=masters)
    assert (estimate.fees, estimate.total) == (Decimal(expected[0]), Decimal(expected[1]))
    assert isinstance(estimate.total, Decimal)
    assert estimate.total == sum(amount for _, amount in estimate.lines()[:-1])


def test_breakdown_reads_well_in_text_and_in_a_notebook():
    estimate = estimate_cost("0.50", 2, bonus="0.25")
    text = str(estimate)
    assert "rewards: 2 × $0.50" in text and "total" in text and "$    1.80" in text
    assert repr(estimate) == (
        "CostEstimate(reward='0.50', assignments=2, bonus='0.25', fees='0.30', total='1.80')"
    )
    assert "<table>" in estimate._repr_html_() and "$1.80" in estimate._repr_html_()


@pytest.mark.parametrize(
    "reward",
    ["0.005", "-1", "abc", "NaN", True, "1e400"],
)
def test_bad_amounts_get_one_clear_sentence(reward):
    with pytest.raises(ValueError, match="reward must be"):
        estimate_cost(reward, 1)


@pytest.mark.parametrize("assignments", [0, -1, 1.5, "3", True])
def test_bad_assignment_counts_are_refused(assignments):
    with pytest.raises(ValueError, match="assignments must be a whole number"):
        estimate_cost("0.10", assignments)


def test_amounts_in_other_spellings_mean_the_same_money():
    assert estimate_cost(Decimal("0.5"), 1).total == Decimal("0.60")
    assert estimate_cost(0.1, 1).total == Decimal("0.12")  # a typed float means ten cents
    assert estimate_cost("$1", 1).total == Decimal("1.20")


def test_confirmation_must_match_the_total_exactly():
    estimate = estimate_cost("0.50", 1)
    require_confirmation(estimate, "0.60", "creating this HIT")
    require_confirmation(estimate, Decimal("0.6"), "creating this HIT")
    with pytest.raises(UnconfirmedSpendingError, match=r'confirm_total="0.60"'):
        require_confirmation(estimate, None, "creating this HIT")
    with pytest.raises(UnconfirmedSpendingError, match="does not match the \\$0.60"):
        require_confirmation(estimate, "0.50", "creating this HIT")
    with pytest.raises(UnconfirmedSpendingError, match="does not match"):
        require_confirmation(estimate, "lots", "creating this HIT")
