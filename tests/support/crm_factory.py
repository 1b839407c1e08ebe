"""A small shop for conversation tests, independent of the demo catalogue (which marketing may edit).

Tiers basic/silver/gold/platinum (gold and up: priority service), four products with zh/en names and
aliases, four rewards (100, 200, 450 points; one with little stock), three FAQ topics.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import FaqEntry, Product, Reward
from tests.support.loyalty import seed_ladder

PRODUCTS: tuple[tuple[Any, ...], ...] = (
    # sku, zh, en, aliases, price, stock, colours zh, colours en, sizes, specs zh, specs en
    ("ELEC-SW-01", "智能手表", "Smart Watch", ["手表", "smartwatch", "watch"], "1299.00", 9,
     ["黑色", "银色"], ["black", "silver"], ["41mm", "45mm"], "防水50米", "50 m water resistant"),
    ("APP-HD-01", "连帽卫衣", "Hoodie", ["卫衣", "hoodie", "sweatshirt"], "239.00", 30,
     ["黑色", "灰色", "藏青色"], ["black", "grey", "navy"], ["S", "M", "L", "XL"], "纯棉加绒", "Brushed cotton fleece"),
    ("HOME-TH-01", "保温杯", "Thermos Cup", ["保温瓶", "thermos", "vacuum flask"], "89.00", 0,
     ["白色"], ["white"], ["500ml"], "316不锈钢", "316 stainless steel"),
    ("TEA-LJ-250", "龙井茶 250克", "Longjing Tea 250 g", ["龙井", "longjing", "green tea"], "168.00", 40,
     [], [], [], "明前特级", "Pre-Qingming grade"),
)  # fmt: skip
REWARDS: tuple[tuple[str, str, str, int, int | None], ...] = (
    ("SHIPFREE", "免运费券", "Free-shipping voucher", 100, None),
    ("CPN20", "20元优惠券", "20-yuan coupon", 200, None),
    ("CPN50", "50元优惠券", "50-yuan coupon", 450, None),
    ("TUMBLER", "定制随行杯", "Custom tumbler", 800, 2),
)
FAQ = (
    ("shipping_fee", "运费多少？", "How much is shipping?",
     "订单满99元包邮，不满99元收取运费10元。", "Free shipping from 99 yuan; below that it costs 10 yuan."),
    ("delivery_time", "多久能到？", "How long does delivery take?",
     "江浙沪次日达，其他地区2-4天。", "Next day in Jiangsu, Zhejiang and Shanghai; 2-4 days elsewhere."),
    ("payment_methods", "怎么付款？", "How can I pay?",
     "支持微信支付、支付宝和银联卡。", "WeChat Pay, Alipay and UnionPay cards."),
)  # fmt: skip


async def small_shop(session: AsyncSession) -> None:
    """Tiers, products, rewards and FAQ (call once per test database state)."""
    await seed_ladder(session)
    for sku, name_zh, name_en, aliases, price, stock, colours_zh, colours_en, sizes, specs_zh, specs_en in PRODUCTS:
        session.add(
            Product(
                sku=sku,
                name_zh=name_zh,
                name_en=name_en,
                aliases=aliases,
                category="shop",
                price=Decimal(price),
                stock=stock,
                colours_zh=colours_zh,
                colours_en=colours_en,
                sizes=sizes,
                specs_zh=specs_zh,
                specs_en=specs_en,
            )
        )
    for code, name_zh, name_en, cost, stock in REWARDS:
        session.add(Reward(code=code, name_zh=name_zh, name_en=name_en, cost_points=cost, stock=stock))
    for topic, question_zh, question_en, answer_zh, answer_en in FAQ:
        session.add(
            FaqEntry(
                topic=topic, question_zh=question_zh, question_en=question_en, answer_zh=answer_zh, answer_en=answer_en
            )
        )
    await session.flush()
