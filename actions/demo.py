"""The demo shop (`carebot seed-demo`): catalogue, rewards, FAQ, tiers, a few customers with orders.

Idempotent: running it again updates the catalogue in place and records no order twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actions.imports import CustomerRow, ImportReport, apply_customer_row
from actions.orders import record_order
from actions.rules import LoyaltyRules
from actions.segments import recompute_segments
from storage.models import Customer, FaqEntry, Product, Reward, Tier

DEMO_CATALOGUE = Path(__file__).resolve().parent.parent / "data" / "demo" / "catalogue.json"


@dataclass(frozen=True)
class DemoReport:
    tiers: int
    products: int
    rewards: int
    faq: int
    customers: int
    orders: int


def load_catalogue(path: Path = DEMO_CATALOGUE) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


async def seed_tiers(*, session: AsyncSession, tiers: list[dict[str, Any]]) -> int:
    for item in tiers:
        tier = await session.get(Tier, item["code"]) or Tier(code=item["code"])
        tier.name_zh, tier.name_en = item["name_zh"], item["name_en"]
        tier.min_spend, tier.multiplier = Decimal(item["min_spend"]), Decimal(item["multiplier"])
        tier.priority_service = bool(item["priority"])
        tier.benefits_zh, tier.benefits_en = item["benefits_zh"], item["benefits_en"]
        session.add(tier)
    await session.flush()
    return len(tiers)


async def seed_products(*, session: AsyncSession, products: list[dict[str, Any]]) -> int:
    for item in products:
        product = await session.scalar(select(Product).where(Product.sku == item["sku"])) or Product(sku=item["sku"])
        for name in ("name_zh", "name_en", "aliases", "category", "stock", "colours_zh", "colours_en", "sizes"):
            setattr(product, name, item[name])
        product.specs_zh, product.specs_en = item["specs_zh"], item["specs_en"]
        product.price = Decimal(item["price"])
        session.add(product)
    await session.flush()
    return len(products)


async def seed_rewards(*, session: AsyncSession, rewards: list[dict[str, Any]]) -> int:
    for item in rewards:
        reward = await session.scalar(select(Reward).where(Reward.code == item["code"])) or Reward(code=item["code"])
        reward.name_zh, reward.name_en = item["name_zh"], item["name_en"]
        reward.cost_points, reward.stock = int(item["cost_points"]), item["stock"]
        session.add(reward)
    await session.flush()
    return len(rewards)


async def seed_faq(*, session: AsyncSession, entries: list[dict[str, Any]]) -> int:
    for item in entries:
        entry = await session.scalar(select(FaqEntry).where(FaqEntry.topic == item["topic"]))
        entry = entry or FaqEntry(topic=item["topic"])
        for name in ("question_zh", "question_en", "answer_zh", "answer_en"):
            setattr(entry, name, item[name])
        session.add(entry)
    await session.flush()
    return len(entries)


async def seed_demo(
    *, session: AsyncSession, catalogue: dict[str, Any], rules: LoyaltyRules, now: datetime
) -> DemoReport:
    """Load the whole demo shop; customers get marketing consent so broadcasts can be tried."""
    await seed_tiers(session=session, tiers=catalogue["tiers"])
    report = ImportReport()
    for item in catalogue["customers"]:
        row = CustomerRow.model_validate(item)
        await apply_customer_row(session, row, report, present=set(item))
        customer = await session.scalar(select(Customer).where(Customer.external_id == row.external_id))
        if customer is not None and customer.opted_out_at is None:
            customer.marketing_consent = True
    orders = 0
    for item in catalogue["orders"]:
        customer_id = await session.scalar(
            select(Customer.id).where(Customer.external_id == item["customer_external_id"])
        )
        if customer_id is None:
            continue
        outcome = await record_order(
            session=session,
            rules=rules,
            source="shop",
            order_id=item["order_id"],
            customer_id=customer_id,
            amount=Decimal(item["amount"]),
            currency=item["currency"],
            ordered_at=datetime.fromisoformat(item["ordered_at"]),
            status=item["status"],
            now=now,
        )
        orders += int(outcome.created)
    report_counts = DemoReport(
        tiers=len(catalogue["tiers"]),
        products=await seed_products(session=session, products=catalogue["products"]),
        rewards=await seed_rewards(session=session, rewards=catalogue["rewards"]),
        faq=await seed_faq(session=session, entries=catalogue["faq"]),
        customers=len(catalogue["customers"]),
        orders=orders,
    )
    await recompute_segments(session=session, now=now)
    return report_counts
