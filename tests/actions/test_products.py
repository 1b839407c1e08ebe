"""Product questions: the product by name, alias, entity or close spelling; the attribute asked; honest misses."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from actions import products
from actions.demo import load_catalogue, seed_products
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


@pytest.fixture
async def demo_shop(session: AsyncSession) -> None:
    await seed_products(session=session, products=load_catalogue()["products"])


@pytest.mark.parametrize(
    ("text", "entity", "sku"),
    [
        ("龙井多少钱", None, "TEA-LJ-250"),
        ("西湖龙井还有货吗", None, "TEA-LJ-250"),
        ("do you have the hoodie in XL", None, "APP-HD-01"),
        ("hoodie XL", None, "APP-HD-01"),
        ("HOODIES?", None, "APP-HD-01"),
        ("long jing tea price", None, "TEA-LJ-250"),  # close spelling
        ("how much is the keybord", None, "ELEC-KB-01"),  # misspelt
        ("powerbank colours", None, "ELEC-PB-01"),  # written without the space
        ("ＸＬ码的卫衣", None, "APP-HD-01"),  # full-width letters
        ("这个多少钱", "充电宝", "ELEC-PB-01"),  # the NLU's entity
        ("what about this one", "Longjing tea 250g", "TEA-LJ-250"),  # a name inside the entity
    ],
)
async def test_demo_catalogue_questions(
    session: AsyncSession, demo_shop: None, text: str, entity: str | None, sku: str
) -> None:
    answer = await products.answer_product_question(session=session, text=text, entity=entity)
    assert answer.product is not None and answer.product.sku == sku


@pytest.mark.parametrize("text", ["潜水艇多少钱", "do you sell a submarine", "is this pure?", "money-back guarantee"])
async def test_demo_catalogue_misses(session: AsyncSession, demo_shop: None, text: str) -> None:
    assert await products.find_products(session=session, text=text) == []
    answer = await products.answer_product_question(session=session, text=text, entity=None)
    assert (answer.product, answer.candidates) == (None, ())


async def test_submarine_entity_is_a_miss(session: AsyncSession, demo_shop: None) -> None:
    assert await products.find_products(session=session, text="你们有吗", entity="潜水艇") == []
    assert await products.find_products(session=session, text="got one?", entity="submarine") == []


async def test_a_name_inside_a_longer_name_is_not_a_second_product(session: AsyncSession, demo_shop: None) -> None:
    found = await products.find_products(session=session, text="智能手表有什么颜色", entity=None)
    assert [p.sku for p in found] == ["ELEC-SW-01"]


async def test_two_products_named_means_the_customer_is_asked_which(session: AsyncSession, demo_shop: None) -> None:
    answer = await products.answer_product_question(session=session, text="卫衣和T恤哪个便宜", entity=None)
    assert answer.product is None
    assert {p.sku for p in answer.candidates} == {"APP-HD-01", "APP-TS-01"}
    assert answer.attribute == "price"


async def test_inactive_products_are_never_found(session: AsyncSession, demo_shop: None) -> None:
    hoodie = await session.scalar(select(Product).where(Product.sku == "APP-HD-01"))
    assert hoodie is not None
    hoodie.active = False
    await session.flush()
    assert await products.find_products(session=session, text="hoodie XL") == []


@pytest.mark.parametrize(
    ("text", "attribute"),
    [
        ("多少钱", "price"),
        ("价格是多少", "price"),
        ("几块钱一个", "price"),
        ("How much is it?", "price"),
        ("what does it cost", "price"),
        ("prices please", "price"),
        ("还有货吗", "stock"),
        ("库存多少", "stock"),
        ("还有吗", "stock"),
        ("是不是缺货了", "stock"),
        ("is it in stock", "stock"),
        ("is it available", "stock"),
        ("sold out?", "stock"),
        ("有什么颜色", "colours"),
        ("有什么色的", "colours"),
        ("which colours", "colours"),
        ("what color is it", "colours"),
        ("有哪些尺码", "sizes"),
        ("尺寸多大", "sizes"),
        ("我穿什么码", "sizes"),
        ("XL码有吗", "sizes"),
        ("do you have XL", "sizes"),
        ("what sizes", "sizes"),
        ("规格是什么", "specs"),
        ("什么材质", "specs"),
        ("这个壶多大", "specs"),
        ("specs?", "specs"),
        ("what is it made of", "specs"),
        ("battery life", "specs"),
        ("hello", None),
        ("你好", None),
        ("especially nice", None),  # "spec" only as a word
        ("costume party", None),
        ("密码忘了", None),  # 码 in 密码 is not a size
        ("", None),
    ],
)
def test_detect_attribute(text: str, attribute: str | None) -> None:
    assert products.detect_attribute(text) == attribute
