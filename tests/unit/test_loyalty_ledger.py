"""Loyalty ledger and tier rules, without I/O."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.loyalty import ledger
from services.loyalty.ledger import (
    TIERS,
    EarningRules,
    InsufficientPoints,
    Movement,
    Promotion,
    post,
    qualified_tier,
)

NOW = datetime(2027, 6, 1, 12, tzinfo=UTC)


def apply(account: dict, movement: Movement) -> ledger.Posting | None:
    posting = post(account, movement)
    if posting is not None:
        account.update(posting.sets)
        account["entries"] = [*account.get("entries", []), posting.entry]
    return posting


def stay(number: int, nights: int, points: int, at: datetime = NOW) -> Movement:
    return Movement(
        entry_id=f"earn|stay|s{number}",
        kind=ledger.EARN,
        points=points,
        reason="stay",
        at=at,
        qualifying=True,
        qualifying_nights=nights,
        details={"nights": nights, "reservation_id": f"r{number}"},
    )


@pytest.mark.parametrize("by", ["nights", "points"])
def test_each_threshold_crossed_moves_the_tier_once_with_its_perks(by: str) -> None:
    account: dict = {"entries": [], "balance": 0}
    changes = []
    # One unit at a time from zero to past the top threshold, so every threshold is
    # crossed by exactly one movement and the steps between cross nothing.
    top = TIERS[-1].nights if by == "nights" else TIERS[-1].points
    step = 1 if by == "nights" else 1_000
    for number, _ in enumerate(range(0, top + step, step)):
        posting = apply(
            account,
            stay(number, nights=1 if by == "nights" else 0, points=1 if by == "nights" else step),
        )
        if posting.tier_change:
            changes.append(posting.tier_change)
    assert [(c.old_tier, c.new_tier) for c in changes] == [
        ("Member", "Silver"),
        ("Silver", "Gold"),
        ("Gold", "Platinum"),
    ]
    assert [set(c.perks) for c in changes] == [set(t.perks) for t in TIERS[1:]]
    assert "birthday_surprise" in changes[-1].perks and "fast_lane" in changes[0].perks


def test_the_same_stay_posted_again_changes_nothing() -> None:
    account: dict = {"entries": [], "balance": 0}
    assert apply(account, stay(1, 12, 500)).tier_change.new_tier == "Silver"
    assert apply(account, stay(1, 12, 500)) is None
    assert (account["balance"], len(account["entries"])) == (500, 1)


def test_tier_table_thresholds_are_nights_or_points() -> None:
    assert qualified_tier(9, 49_999).name == "Member"
    assert qualified_tier(10, 0).name == "Silver"
    assert qualified_tier(0, 125_000).name == "Gold"
    assert qualified_tier(50, 0).name == "Platinum"


def test_year_end_keeps_what_last_year_earned_and_downgrades_after_a_quiet_year() -> None:
    account: dict = {"entries": [], "balance": 0}
    apply(account, stay(1, 26, 100, at=datetime(2027, 3, 1, tzinfo=UTC)))
    assert account["tier"] == "Gold"
    qualifying, tier, change = ledger.roll_over(account, 2028)
    assert (tier.name, change, qualifying) == (
        "Gold",
        None,
        {"year": 2028, "nights": 0, "points": 0},
    )
    account.update(qualifying=qualifying, tier=tier.name)
    apply(account, stay(2, 11, 100, at=datetime(2028, 5, 1, tzinfo=UTC)))
    _, tier, change = ledger.roll_over(account, 2029)
    assert (change.old_tier, change.new_tier) == ("Gold", "Silver")
    _, tier, change = ledger.roll_over(
        {**account, "tier": "Silver", "qualifying": {"year": 2027, "nights": 60, "points": 0}}, 2029
    )
    assert (change.old_tier, change.new_tier) == ("Silver", "Member")


def test_earnings_add_tier_bonus_and_promotions_on_whole_units() -> None:
    rules = EarningRules(
        points_per_currency_unit=10,
        promotions=(Promotion("spring", date(2027, 3, 1), date(2027, 3, 31), 100),),
    )
    gold = ledger.TIERS_BY_NAME["Gold"]
    assert rules.stay_points(Decimal("100.99"), gold, date(2027, 3, 5)) == {
        "base": 1000,
        "tier_bonus": 250,
        "promotion_bonus": 1000,
        "points": 2250,
    }
    assert rules.stay_points(Decimal("100.99"), TIERS[0], date(2027, 4, 5))["points"] == 1000


def test_redeeming_more_than_the_balance_or_nothing_is_refused() -> None:
    account: dict = {"entries": [], "balance": 0}
    apply(account, stay(1, 1, 300))
    with pytest.raises(InsufficientPoints):
        post(account, ledger.redemption("g", points=301, kind="night", request_id="r", at=NOW))
    with pytest.raises(ledger.Unprocessable):
        ledger.redemption("g", points=-5, kind="night", request_id="r", at=NOW)
    assert account["balance"] == 300


def test_a_reversal_takes_back_what_is_left_and_records_the_shortfall() -> None:
    account: dict = {"entries": [], "balance": 0}
    apply(account, stay(1, 2, 300))
    apply(account, ledger.redemption("g", points=200, kind="voucher", request_id="v", at=NOW))
    posting = apply(account, ledger.reversal(account, "earn|stay|s1", "refund", NOW))
    assert (posting.entry["points"], posting.entry["shortfall"], account["balance"]) == (
        -100,
        200,
        0,
    )
    assert ledger.reversible_entries_of_reservation(account, "r1") == []


def test_points_expire_once_after_the_quiet_period() -> None:
    account: dict = {"entries": [], "balance": 0}
    apply(account, stay(1, 1, 300, at=datetime(2025, 1, 1, tzinfo=UTC)))
    assert ledger.expiry(account, datetime(2026, 12, 30, tzinfo=UTC), timedelta(days=730)) is None
    expiring = ledger.expiry(account, datetime(2027, 1, 2, tzinfo=UTC), timedelta(days=730))
    apply(account, expiring)
    assert account["balance"] == 0
    assert ledger.expiry(account, datetime(2030, 1, 2, tzinfo=UTC), timedelta(days=730)) is None


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["earn", "redeem", "reverse", "expire", "repeat"]),
        st.integers(min_value=1, max_value=5_000),
    ),
    min_size=1,
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(OPERATIONS, st.randoms(use_true_random=False))
def test_any_sequence_keeps_the_balance_equal_to_the_sum_and_never_negative(
    operations: list[tuple[str, int]], rng: random.Random
) -> None:
    account: dict = {"entries": [], "balance": 0}
    at = NOW
    for number, (kind, amount) in enumerate(operations):
        at += timedelta(days=rng.randint(0, 400))
        try:
            if kind == "earn":
                apply(account, stay(number, 1, amount, at))
            elif kind == "redeem":
                apply(
                    account,
                    ledger.redemption(
                        "g", points=amount, kind="night", request_id=str(number), at=at
                    ),
                )
            elif kind == "reverse" and account["entries"]:
                apply(
                    account,
                    ledger.reversal(
                        account, rng.choice(account["entries"])["entry_id"], "refund", at
                    ),
                )
            elif kind == "expire":
                expiring = ledger.expiry(account, at, timedelta(days=730))
                if expiring:
                    apply(account, expiring)
            elif kind == "repeat" and account["entries"]:
                again = rng.choice(account["entries"])
                assert (
                    apply(
                        account,
                        Movement(
                            entry_id=again["entry_id"],
                            kind=again["kind"],
                            points=amount,
                            reason="again",
                            at=at,
                        ),
                    )
                    is None
                )
        except (InsufficientPoints, ledger.Unprocessable):
            pass
        assert account["balance"] == sum(e["points"] for e in account["entries"]) >= 0
        assert len({e["entry_id"] for e in account["entries"]}) == len(account["entries"])
