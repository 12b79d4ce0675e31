"""What a HIT costs, in exact cents, and the guard that keeps production from spending by accident.

MTurk's fees (see ``shared/reference/mturk-facts.md``):

* 20% commission on every reward and every bonus;
* another 20% on the reward when a HIT has 10 or more assignments;
* at least $0.01 of commission per assignment and per bonus;
* Masters qualification: another 5% on the reward;
* amounts rounded half-up to the cent.

The fee is worked out for one assignment (and one bonus), rounded, then multiplied by the
number of assignments: that is how a worker's payment is charged, one assignment at a time.
All arithmetic is :class:`decimal.Decimal`; a float never touches a money amount.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .steps import PREPAID_HITS as PREPAY_PAGE

CENT = Decimal("0.01")
BASE_COMMISSION = Decimal("0.20")
LARGE_HIT_SURCHARGE = Decimal("0.20")  # on the reward, for 10 or more assignments
LARGE_HIT_ASSIGNMENTS = 10
MASTERS_SURCHARGE = Decimal("0.05")  # on the reward
MINIMUM_FEE = CENT  # per assignment and per bonus
MAXIMUM_AMOUNT = Decimal("100000.00")  # far above any HIT; keeps Decimal in range


class UnconfirmedSpendingError(ValueError):
    """A production call that spends money was refused before anything was sent."""


def to_money(value, what: str = "amount") -> Decimal:
    """``"0.50"``, ``Decimal("0.5")``, ``1`` or ``0.5`` → ``Decimal("0.50")``; anything else refused.

    Floats are read through their shortest text form (``0.1`` → ``"0.1"``), so a typed
    ``0.1`` means ten cents, not 0.1000000000000000055….
    """
    if isinstance(value, bool):
        raise ValueError(f"{what} must be an amount of dollars like '0.50', not {value!r}")
    text = repr(value) if isinstance(value, float) else str(value)
    try:
        amount = Decimal(text.strip().lstrip("$"))
    except InvalidOperation:
        raise ValueError(
            f"{what} must be an amount of dollars like '0.50', not {value!r}"
        ) from None
    if not amount.is_finite() or amount < 0 or amount > MAXIMUM_AMOUNT:
        raise ValueError(f"{what} must be between $0 and ${MAXIMUM_AMOUNT}, not {value!r}")
    if amount != amount.quantize(CENT):
        raise ValueError(f"{what} must be whole cents (like '0.05'), not {value!r}")
    return amount.quantize(CENT)


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class CostEstimate:
    """The cost of one HIT, line by line. ``total`` is what production charges up front
    for the rewards plus, if a bonus is planned, what the bonuses will cost later."""

    reward: Decimal  # per assignment
    assignments: int
    bonus: Decimal  # per assignment (0 when no bonus is planned)
    masters: bool
    commission_rate: Decimal  # on the reward
    fee_per_assignment: Decimal
    bonus_fee_per_assignment: Decimal

    @property
    def rewards(self) -> Decimal:
        return self.reward * self.assignments

    @property
    def reward_fees(self) -> Decimal:
        return self.fee_per_assignment * self.assignments

    @property
    def bonuses(self) -> Decimal:
        return self.bonus * self.assignments

    @property
    def bonus_fees(self) -> Decimal:
        return self.bonus_fee_per_assignment * self.assignments

    @property
    def fees(self) -> Decimal:
        return self.reward_fees + self.bonus_fees

    @property
    def total(self) -> Decimal:
        return self.rewards + self.reward_fees + self.bonuses + self.bonus_fees

    def lines(self) -> list[tuple[str, Decimal]]:
        """(label, amount) rows, in the order a bill reads."""
        rate = "20%"
        if self.assignments >= LARGE_HIT_ASSIGNMENTS:
            rate += " + 20% (10+ assignments)"
        if self.masters:
            rate += " + 5% (Masters)"
        rows = [
            (f"rewards: {self.assignments} × ${self.reward}", self.rewards),
            (f"fee on rewards: {rate}, min $0.01 each", self.reward_fees),
        ]
        if self.bonus:
            rows += [
                (f"bonuses: {self.assignments} × ${self.bonus}", self.bonuses),
                ("fee on bonuses: 20%, min $0.01 each", self.bonus_fees),
            ]
        rows.append(("total", self.total))
        return rows

    def short(self) -> str:
        """The cost in one line, as a form shows it: "$0.04 (2 × $0.01 + $0.02 MTurk fee)"."""
        bonus = f" + {self.assignments} × ${self.bonus} bonus" if self.bonus else ""
        return (f"${self.total} ({self.assignments} × ${self.reward}{bonus} "
                f"+ ${self.fees} MTurk fee)")

    def __str__(self) -> str:
        rows = self.lines()
        width = max(len(label) for label, _ in rows)
        return "\n".join(f"{label:<{width}}  ${amount:>8}" for label, amount in rows)

    def __repr__(self) -> str:
        extra = f", bonus={str(self.bonus)!r}" if self.bonus else ""
        extra += ", masters=True" if self.masters else ""
        return (
            f"CostEstimate(reward={str(self.reward)!r}, assignments={self.assignments}{extra}, "
            f"fees={str(self.fees)!r}, total={str(self.total)!r})"
        )

    def _repr_html_(self) -> str:
        body = "".join(
            f"<tr><td style='text-align:left'>{html.escape(label)}</td>"
            f"<td style='text-align:right'>${amount}</td></tr>"
            for label, amount in self.lines()[:-1]
        )
        return (
            "<table><caption style='text-align:left'>Estimated cost of this HIT</caption>"
            f"{body}<tr><th style='text-align:left'>total</th>"
            f"<th style='text-align:right'>${self.total}</th></tr></table>"
        )


def estimate_cost(reward, assignments: int, bonus=0, masters: bool = False) -> CostEstimate:
    """What a HIT with ``assignments`` assignments at ``reward`` dollars each costs.

    ``bonus`` is a bonus planned for each assignment (0 for none). ``masters`` adds the
    Masters qualification fee. Amounts are strings or Decimals such as ``"0.50"``.

    >>> estimate_cost("0.50", 1).total
    Decimal('0.60')
    """
    reward = to_money(reward, "reward")
    bonus = to_money(bonus, "bonus")
    if isinstance(assignments, bool) or not isinstance(assignments, int) or assignments < 1:
        raise ValueError(f"assignments must be a whole number of 1 or more, not {assignments!r}")
    rate = BASE_COMMISSION
    if assignments >= LARGE_HIT_ASSIGNMENTS:
        rate += LARGE_HIT_SURCHARGE
    if masters:
        rate += MASTERS_SURCHARGE
    fee = max(_cents(reward * rate), MINIMUM_FEE)
    bonus_fee = max(_cents(bonus * BASE_COMMISSION), MINIMUM_FEE) if bonus else Decimal("0.00")
    return CostEstimate(
        reward=reward,
        assignments=assignments,
        bonus=bonus,
        masters=bool(masters),
        commission_rate=rate,
        fee_per_assignment=fee,
        bonus_fee_per_assignment=bonus_fee,
    )


def require_confirmation(estimate: CostEstimate, confirm_total, action: str) -> None:
    """Refuse a production ``action`` unless ``confirm_total`` is exactly the estimate's total.

    Called before any request is sent, so a refused call changes nothing.
    """
    shown = f"${estimate.total}"
    if confirm_total is None:
        raise UnconfirmedSpendingError(
            f"{action} in production costs {shown} of real money, so nothing was sent: "
            f'check estimate_cost(...) and pass confirm_total="{estimate.total}" to go ahead.'
        )
    try:
        confirmed = to_money(confirm_total, "confirm_total")
    except ValueError:
        confirmed = None
    if confirmed != estimate.total:
        raise UnconfirmedSpendingError(
            f"confirm_total={confirm_total!r} does not match the {shown} that {action} costs, "
            f'so nothing was sent: pass confirm_total="{estimate.total}" after checking '
            "estimate_cost(...)."
        )


def require_balance(client, estimate: CostEstimate, action: str) -> Decimal:
    """Refuse ``action`` when the production balance cannot pay for it; return the balance."""
    balance = Decimal(client.get_account_balance()["AvailableBalance"])
    if balance < estimate.total:
        raise UnconfirmedSpendingError(
            f"{action} costs ${estimate.total} but the production balance is ${balance}, so "
            f"nothing was sent: add prepaid funds at {PREPAY_PAGE} first."
        )
    return balance
