"""Loyalty rules built from the settings, for the commands and services that apply them."""

from __future__ import annotations

from actions.rules import LoyaltyRules
from carebot.settings import Settings


def loyalty_rules(settings: Settings) -> LoyaltyRules:
    """The loyalty rules the actions apply, from the care settings."""
    care = settings.care
    return LoyaltyRules(
        points_per_yuan=care.points_per_yuan,
        expiry_months=care.points_expiry_months,
        birthday_bonus=care.birthday_bonus_points,
        referral_bonus=care.referral_bonus_points,
    )
