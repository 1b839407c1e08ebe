"""Product questions answered from the catalogue: find the product, then the attribute asked about.

Matching: names and aliases that appear in the NLU's product entity or in the message (longest first;
Latin names as whole words, so "tee" is not found in "guarantee"), then close spellings (difflib) of
the entity or the message's words. No match means the shop does not carry it, and the bot says so.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Product

PRODUCT_ATTRIBUTES = ("price", "stock", "colours", "sizes", "specs")
FUZZY_CUTOFF = 0.8  # 0.75 let "pure" find "puer" (Pu-erh); real misspellings score 0.85 and up
# Two close spellings closer than this are a tie: the bot asks which one was meant.
FUZZY_TIE = 0.03
# Product questions are short; only the first words are tried for close spellings, so a pasted essay
# cannot hold the event loop (2,400 n-grams x 100 names took over 2 s).
MAX_FUZZY_WORDS = 30
# Checked in this order: "多大码" is about sizes, "多大" alone about the specs.
_ZH_KEYWORDS: dict[str, tuple[str, ...]] = {
    "price": ("多少钱", "价格", "价钱", "几块", "几元", "贵不贵", "贵吗", "便宜"),
    "stock": ("有货", "库存", "还有吗", "有没有货", "缺货", "卖完", "现货", "断货"),
    "colours": ("颜色", "什么色", "几种色", "色号"),
    "sizes": ("尺码", "尺寸", "大小", "码数", "几码"),
    "specs": ("规格", "参数", "材质", "多大", "配置", "续航", "容量", "电池"),
}
_EN_KEYWORDS: dict[str, tuple[str, ...]] = {
    "price": ("how much", "price", "cost", "expensive", "cheap"),
    "stock": ("in stock", "out of stock", "available", "availability", "stock", "sold out", "have any"),
    "colours": ("colour", "color"),
    "sizes": ("size", "xs", "xl", "xxl", "xxxl"),
    "specs": ("spec", "specification", "material", "made of", "battery", "capacity", "dimension", "detail"),
}
# 码 alone is a size ("XL码", "穿什么码"), but not in 号码, 密码, 二维码, 条码, 优惠码, 验证码, 编码.
_SIZE_MA = r"(?<![号密维条惠证编])码"
ATTRIBUTE_PATTERNS: dict[str, re.Pattern[str]] = {
    attribute: re.compile(
        "|".join(
            [re.escape(word) for word in _ZH_KEYWORDS[attribute]]
            + [rf"(?<![a-z0-9]){re.escape(word)}(?:e?s)?(?![a-z0-9])" for word in _EN_KEYWORDS[attribute]]
            + ([_SIZE_MA] if attribute == "sizes" else [])
        )
    )
    for attribute in PRODUCT_ATTRIBUTES
}
WORD = re.compile(r"[a-z0-9][a-z0-9\-]*")
LATIN = re.compile(r"[a-z0-9]")


@dataclass(frozen=True)
class ProductAnswer:
    """`product` when one product is clearly meant (`candidates` are others also named); else the choices."""

    product: Product | None
    attribute: str | None
    candidates: tuple[Product, ...]


def _normalise(text: str) -> str:
    """Full-width letters and digits (ＸＬ) as ASCII, lower case."""
    return unicodedata.normalize("NFKC", text).lower()


def detect_attribute(text: str) -> str | None:
    """Which attribute the message asks about (one of PRODUCT_ATTRIBUTES), in zh or en; None if none."""
    lowered = _normalise(text)
    for attribute in PRODUCT_ATTRIBUTES:
        if ATTRIBUTE_PATTERNS[attribute].search(lowered):
            return attribute
    return None


def _names(product: Product) -> list[str]:
    names = (product.name_zh, product.name_en, *(product.aliases or []))
    return list(dict.fromkeys(_normalise(name).strip() for name in names if name and name.strip()))


@lru_cache(maxsize=8192)
def _name_pattern(name: str) -> re.Pattern[str]:
    """A name as it may be written: spaces and hyphens optional ("power bank", "powerbank"), Latin
    words whole, with an optional plural ("hoodies")."""
    parts = [re.escape(part) for part in re.split(r"[\s\-]+", name) if part]
    body = r"[\s\-]?".join(parts)
    before = r"(?<![a-z0-9])" if LATIN.match(name[0]) else ""
    after = r"(?:e?s)?(?![a-z0-9])" if LATIN.match(name[-1]) else ""
    return re.compile(before + body + after)


def _spans(name: str, text: str) -> list[tuple[int, int]]:
    first = re.split(r"[\s\-]+", name)[0]
    if not first or first not in text:  # cheap test before the regular expression
        return []
    return [match.span() for match in _name_pattern(name).finditer(text)]


def _exact(catalogue: list[Product], text: str) -> list[tuple[Product, tuple[int, int]]]:
    """Products named in the text, each with its longest mention, longest first."""
    found: list[tuple[Product, tuple[int, int]]] = []
    for product in catalogue:
        spans = [span for name in _names(product) for span in _spans(name, text)]
        if spans:
            found.append((product, max(spans, key=lambda span: (span[1] - span[0], -span[0]))))
    found.sort(key=lambda item: (-(item[1][1] - item[1][0]), item[1][0]))
    # A name inside a longer mention of another product is not a mention of its own.
    kept: list[tuple[Product, tuple[int, int]]] = []
    for product, (start, end) in found:
        if not any(k_start <= start and end <= k_end for _, (k_start, k_end) in kept):
            kept.append((product, (start, end)))
    return kept


def _fuzzy_score(query: str, product: Product) -> float:
    best = 0.0
    for name in _names(product):
        matcher = SequenceMatcher(None, query, name)
        # The cheap upper bounds first, as difflib.get_close_matches does.
        if matcher.real_quick_ratio() >= FUZZY_CUTOFF and matcher.quick_ratio() >= FUZZY_CUTOFF:
            best = max(best, matcher.ratio())
    return best


def _fuzzy(catalogue: list[Product], text: str, entity: str | None) -> list[tuple[Product, float]]:
    words = WORD.findall(text)[:MAX_FUZZY_WORDS]
    grams = {" ".join(words[i : i + n]) for n in (1, 2, 3) for i in range(len(words) - n + 1)}
    queries = sorted(query for query in grams | ({entity} if entity else set()) if len(query) >= 3)
    scored = [(product, max((_fuzzy_score(q, product) for q in queries), default=0.0)) for product in catalogue]
    return sorted((item for item in scored if item[1] >= FUZZY_CUTOFF), key=lambda item: -item[1])


async def _ranked(session: AsyncSession, text: str, entity: str | None, limit: int) -> tuple[list[Product], bool]:
    """Matching products, best first, and whether the first one is clearly the one meant."""
    catalogue = list((await session.scalars(select(Product).where(Product.active.is_(True)))).all())
    lowered = _normalise(text)
    wanted = _normalise(entity).strip() if entity and entity.strip() else None
    # The NLU's entity is the focused mention; the whole message is the fallback.
    for source in ([wanted] if wanted else []) + [lowered]:
        exact = _exact(catalogue, source)
        if exact:
            # Two products named ("保温杯和耳机哪个好"): the customer is asked which one.
            return [product for product, _ in exact[:limit]], len(exact) == 1
    close = _fuzzy(catalogue, lowered, wanted)
    clear = len(close) == 1 or (len(close) > 1 and close[0][1] - close[1][1] >= FUZZY_TIE)
    return [product for product, _ in close[:limit]], clear


async def find_products(
    *, session: AsyncSession, text: str, entity: str | None = None, limit: int = 3
) -> list[Product]:
    """Active products the message is about, best first; [] when the shop has nothing like it."""
    found, _ = await _ranked(session, text, entity, limit)
    return found


async def answer_product_question(*, session: AsyncSession, text: str, entity: str | None) -> ProductAnswer:
    """The product asked about and the attribute; with no clear winner, product is None and the
    candidates are the choices to offer."""
    found, clear = await _ranked(session, text, entity, 3)
    attribute = detect_attribute(text)
    if found and clear:
        return ProductAnswer(product=found[0], attribute=attribute, candidates=tuple(found[1:]))
    return ProductAnswer(product=None, attribute=attribute, candidates=tuple(found))


async def categories(*, session: AsyncSession) -> list[tuple[str, int]]:
    """The catalogue's categories with how many active products each has, in the shop's order (by SKU)."""
    found: dict[str, int] = {}
    for category in await session.scalars(
        select(Product.category).where(Product.active.is_(True)).order_by(Product.sku)
    ):
        found[category] = found.get(category, 0) + 1
    return list(found.items())


async def products_in_category(*, session: AsyncSession, category: str, limit: int = 10) -> list[Product]:
    """Active products of one category, in stock first, then by SKU."""
    query = (
        select(Product)
        .where(Product.active.is_(True), Product.category == category)
        .order_by((Product.stock > 0).desc(), Product.sku)
        .limit(limit)
    )
    return list((await session.scalars(query)).all())


async def get_product(*, session: AsyncSession, product_id: int) -> Product | None:
    """An active product by id (a button names it), None when it is gone."""
    product = await session.get(Product, product_id)
    return product if product is not None and product.active else None
