"""Product questions answered from the catalogue: find the product, then the attribute asked about.

Matching: names and aliases that appear in the message (longest first), then close spellings
(difflib) of the NLU's product entity or the message's words. No match means the shop does not
carry it, and the bot says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Product

PRODUCT_ATTRIBUTES = ("price", "stock", "colours", "sizes", "specs")
FUZZY_CUTOFF = 0.8
# Product questions are short; only the first words are tried for close spellings, so a pasted essay
# cannot hold the event loop (2,400 n-grams x 100 names took over 2 s).
MAX_FUZZY_WORDS = 30
ATTRIBUTE_KEYWORDS: dict[str, tuple[str, ...]] = {
    "price": ("多少钱", "价格", "价钱", "几块", "几元", "贵不贵", "how much", "price", "cost", "expensive", "cheap"),
    "stock": ("有货", "库存", "还有吗", "有没有货", "缺货", "卖完", "现货", "in stock", "available", "stock",
              "sold out", "have any"),
    "colours": ("颜色", "什么色", "几种色", "colour", "color"),
    "sizes": ("尺码", "尺寸", "大小", "码数", "几码", "size", "xl", "xxl"),
    "specs": ("规格", "参数", "材质", "配置", "续航", "spec", "material", "made of", "battery", "details"),
}  # fmt: skip
WORD = re.compile(r"[a-z0-9][a-z0-9\-]*")


@dataclass(frozen=True)
class ProductAnswer:
    product: Product | None
    attribute: str | None
    candidates: tuple[Product, ...]


def detect_attribute(text: str) -> str | None:
    lowered = text.lower()
    for attribute, keywords in ATTRIBUTE_KEYWORDS.items():
        if any(keyword in lowered for keyword in keywords):
            return attribute
    return None


def _names(product: Product) -> list[str]:
    return [name.lower() for name in (product.name_zh, product.name_en, *product.aliases) if name]


def _fuzzy_score(query: str, product: Product) -> float:
    best = 0.0
    for name in _names(product):
        matcher = SequenceMatcher(None, query, name)
        # The cheap upper bounds first, as difflib.get_close_matches does.
        if matcher.real_quick_ratio() >= FUZZY_CUTOFF and matcher.quick_ratio() >= FUZZY_CUTOFF:
            best = max(best, matcher.ratio())
    return best


async def find_products(
    *, session: AsyncSession, text: str, entity: str | None = None, limit: int = 3
) -> list[Product]:
    """Products the message is about, best first; [] when the shop has nothing like it."""
    catalogue = list((await session.scalars(select(Product).where(Product.active.is_(True)))).all())
    lowered = text.lower()
    queries = [entity.lower()] if entity else []
    exact: list[tuple[int, Product]] = []
    for product in catalogue:
        hits = [name for name in _names(product) if name in lowered or name in queries]
        if hits:
            exact.append((max(len(name) for name in hits), product))
    if exact:
        exact.sort(key=lambda item: -item[0])
        return [product for _, product in exact[:limit]]
    words = WORD.findall(lowered)[:MAX_FUZZY_WORDS]
    grams = {" ".join(words[i : i + n]) for n in (1, 2, 3) for i in range(len(words) - n + 1)}
    queries += sorted(grams)
    scored = [(max((_fuzzy_score(q, p) for q in queries), default=0.0), p) for p in catalogue]
    close = sorted((item for item in scored if item[0] >= FUZZY_CUTOFF), key=lambda item: -item[0])
    return [product for _, product in close[:limit]]


async def answer_product_question(*, session: AsyncSession, text: str, entity: str | None) -> ProductAnswer:
    matches = await find_products(session=session, text=text, entity=entity)
    attribute = detect_attribute(text)
    if not matches:
        return ProductAnswer(product=None, attribute=attribute, candidates=())
    return ProductAnswer(product=matches[0], attribute=attribute, candidates=tuple(matches[1:]))
