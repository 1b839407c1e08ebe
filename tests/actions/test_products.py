"""Product questions: the product by name, alias, entity or close spelling; the attribute asked; honest misses."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from actions import products
from storage.models import Product


@pytest.fixture
async def catalogue(session: AsyncSession) -> list[Product]:
    items = [
        Product(
            sku="CUP-01",
            name_zh="保温杯",
            name_en="Thermos Cup",
            aliases=["保温瓶", "thermos", "vacuum flask"],
            category="home",
            price=Decimal("89.00"),
            stock=12,
            colours_zh=["白色", "黑色"],
            colours_en=["white", "black"],
            sizes=["350ml", "500ml"],
        ),
        Product(
            sku="HP-01",
            name_zh="无线耳机",
            name_en="Wireless Earbuds",
            aliases=["蓝牙耳机", "earbuds"],
            category="audio",
            price=Decimal("299.00"),
            stock=0,
        ),
        Product(
            sku="OLD-01",
            name_zh="旧款耳机",
            name_en="Old Headphones",
            aliases=[],
            category="audio",
            price=Decimal("9.00"),
            active=False,
        ),
    ]
    session.add_all(items)
    await session.flush()
    return items


@pytest.mark.parametrize(
    ("text", "entity", "sku", "attribute"),
    [
        ("保温杯多少钱", None, "CUP-01", "price"),
        ("保温瓶有什么颜色？", None, "CUP-01", "colours"),
        ("how much is the thermos cup", None, "CUP-01", "price"),
        ("is the THERMOS in stock", None, "CUP-01", "stock"),
        ("蓝牙耳机还有货吗", None, "HP-01", "stock"),
        ("tell me about it", "earbuds", "HP-01", None),
        ("what sizes does the thermoss cupp come in", None, "CUP-01", "sizes"),  # misspelt
    ],
)
async def test_finds_the_product_and_the_attribute(
    session: AsyncSession, catalogue: list[Product], text: str, entity: str | None, sku: str, attribute: str | None
) -> None:
    answer = await products.answer_product_question(session=session, text=text, entity=entity)
    assert answer.product is not None and answer.product.sku == sku
    assert answer.attribute == attribute


@pytest.mark.parametrize("text", ["你们卖冰箱吗", "do you sell bicycles", "旧款耳机多少钱", "🙂🙂", ""])
async def test_no_such_product_is_an_honest_miss(session: AsyncSession, catalogue: list[Product], text: str) -> None:
    answer = await products.answer_product_question(session=session, text=text, entity=None)
    assert answer.product is None and answer.candidates == ()


async def test_longest_name_wins_and_others_are_offered(session: AsyncSession, catalogue: list[Product]) -> None:
    found = await products.find_products(session=session, text="保温杯和无线耳机哪个好", entity=None)
    assert {p.sku for p in found} == {"CUP-01", "HP-01"}


async def test_a_long_message_is_matched_quickly(session: AsyncSession, catalogue: list[Product]) -> None:
    answer = await products.answer_product_question(session=session, text="保温杯价格 " + "啊" * 5000, entity=None)
    assert answer.product is not None and answer.attribute == "price"


async def test_a_pasted_essay_does_not_hold_the_event_loop(session: AsyncSession, catalogue: list[Product]) -> None:
    words = " ".join(f"word{i} lorem ipsum" for i in range(1500))
    found = await products.find_products(session=session, text=words, entity=None)
    assert found == []  # and quickly: only the first words are tried for close spellings
