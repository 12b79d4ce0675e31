"""MTurk's fees, in Decimal, rounded half-up to the cent (facts file, "Fees").

Deliberately written apart from :mod:`mturklink_helpers.fees` (the kit's estimate): the
simulator plays MTurk charging the account, and tests compare the kit's estimate with this
charge, which would prove nothing if both came from one function.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
COMMISSION = Decimal("0.20")
LARGE_BATCH_EXTRA = Decimal("0.20")  # HITs with 10 or more assignments
MASTERS_EXTRA = Decimal("0.05")
LARGE_BATCH = 10
# Masters qualification type ids (sandbox, production): the +5% applies when required.
MASTERS_IDS = frozenset({"2ARFPLSP75KLA8M8DH1HTEQVJT3SY6", "2F1QJWKUDD8XADTFD2Q0G6UTO95ALH"})

_MONEY = re.compile(r"^\d{1,7}(\.\d{1,2})?$")


def parse_money(text: str) -> Decimal | None:
    """A money string like "0.50" as Decimal, or None when it is not one."""
    if not isinstance(text, str) or not _MONEY.match(text.strip()):
        return None
    return Decimal(text.strip()).quantize(CENT)


def money(amount: Decimal) -> str:
    return str(amount.quantize(CENT, rounding=ROUND_HALF_UP))


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def assignment_fee(reward: Decimal, max_assignments: int, masters: bool = False) -> Decimal:
    """MTurk's fee for one assignment: 20% (+20% at 10+ assignments, +5% Masters), >= $0.01."""
    rate = COMMISSION
    if max_assignments >= LARGE_BATCH:
        rate += LARGE_BATCH_EXTRA
    if masters:
        rate += MASTERS_EXTRA
    return max(CENT, cents(reward * rate))


def hit_cost(reward: Decimal, assignments: int, max_assignments: int, masters: bool) -> Decimal:
    """What ``assignments`` assignments of a HIT cost: reward plus fee, each."""
    return (reward + assignment_fee(reward, max_assignments, masters)) * assignments


def bonus_cost(amount: Decimal) -> Decimal:
    return amount + max(CENT, cents(amount * COMMISSION))
