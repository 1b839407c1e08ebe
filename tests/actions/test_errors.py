"""Domain errors read as sentences for people: the message given, else the error's own summary."""

from __future__ import annotations

from actions.customers import NoTiers
from actions.points import InsufficientPoints
from actions.rewards import RewardOutOfStock


def test_domain_errors_are_worded_for_people() -> None:
    assert str(InsufficientPoints(needed=500, balance=120)) == "not enough points: 500 needed, the balance is 120"
    assert str(RewardOutOfStock("reward CPN20 is out of stock")) == "reward CPN20 is out of stock"
    assert str(NoTiers()).startswith("The tiers table is empty: the shop's ladder (SHOP_CONFIG) is synced")
