"""The festival calendar: which days a shop greets its customers on, as data, and their dates in a year.

Chinese festivals follow the lunar calendar (converted with `lunardate`); statutory days come from the
`holidays` package's calendar for China; Western ones are fixed dates. Each festival has default greetings
in both languages that the shop may edit per year once they are in the `occasions` table
(`actions.occasions`). Placeholders: {name}, {points}, {tier}.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import holidays
from lunardate import LunarDate

# lunardate's tables cover these years (inclusive).
FIRST_YEAR = 1900
LAST_YEAR = 2099
DEFAULT_SEND_HOUR = 9
AUDIENCES = ("zh", "en", "all")


@dataclass(frozen=True)
class Lunar:
    """A day of the Chinese lunar calendar (never a leap month), in the lunar year starting in that year."""

    month: int
    day: int


@dataclass(frozen=True)
class Fixed:
    """The same Gregorian month and day every year."""

    month: int
    day: int


@dataclass(frozen=True)
class Statutory:
    """A public holiday of China by its name in `holidays` (English); `fallback` if the package lacks it."""

    name: str
    fallback: Fixed


Rule = Lunar | Fixed | Statutory


@dataclass(frozen=True)
class Festival:
    code: str
    name_zh: str
    name_en: str
    audience_language: str  # zh, en or all: who is greeted by default
    rule: Rule
    text_zh: str
    text_en: str


@dataclass(frozen=True)
class FestivalDate:
    """A festival on its date in one year, with its default greetings."""

    code: str
    year: int
    on_date: date
    name_zh: str
    name_en: str
    audience_language: str
    text_zh: str
    text_en: str
    send_hour: int = DEFAULT_SEND_HOUR


FESTIVALS: tuple[Festival, ...] = (
    Festival(
        "new_year", "元旦", "New Year's Day", "all", Statutory("New Year's Day", Fixed(1, 1)),
        "{name}，元旦快乐！感谢您这一年的陪伴，祝您新的一年顺顺利利、万事顺心。",
        "Happy New Year, {name}! Thank you for being with us this past year. All the best for the year ahead.",
    ),
    Festival(
        "spring_festival", "春节", "Spring Festival", "zh", Lunar(1, 1),
        "{name}，新春快乐！感谢您一路以来的支持，祝您和家人新的一年身体健康、阖家幸福。",
        "Happy Spring Festival, {name}! Thank you for your support. Wishing you and your family health and "
        "happiness in the new year.",
    ),
    Festival(
        "lantern", "元宵节", "Lantern Festival", "zh", Lunar(1, 15),
        "{name}，元宵节快乐！愿您阖家团圆，日子像汤圆一样甜甜蜜蜜。",
        "Happy Lantern Festival, {name}! Wishing you a sweet reunion with the people you love.",
    ),
    Festival(
        "dragon_boat", "端午节", "Dragon Boat Festival", "zh", Lunar(5, 5),
        "{name}，端午安康！记得吃个粽子，祝您和家人平安顺遂。",
        "Wishing you a peaceful Dragon Boat Festival, {name}! Enjoy the zongzi with your family.",
    ),
    Festival(
        "qixi", "七夕", "Qixi Festival", "zh", Lunar(7, 7),
        "{name}，七夕快乐！愿您与所爱之人相伴相守，岁岁年年。",
        "Happy Qixi, {name}! Wishing you love and many happy days with the ones you cherish.",
    ),
    Festival(
        "mid_autumn", "中秋节", "Mid-Autumn Festival", "zh", Lunar(8, 15),
        "{name}，中秋快乐！月圆人团圆，祝您和家人幸福安康。",
        "Happy Mid-Autumn Festival, {name}! May the full moon bring you and your family together.",
    ),
    Festival(
        "national_day", "国庆节", "National Day", "zh", Statutory("National Day", Fixed(10, 1)),
        "{name}，国庆快乐！祝您假期愉快，出行平安。",
        "Happy National Day, {name}! Enjoy the holiday and travel safely.",
    ),
    Festival(
        "double_ninth", "重阳节", "Double Ninth Festival", "zh", Lunar(9, 9),
        "{name}，重阳节快乐！祝您和家中长辈身体健康、福寿安康。",
        "Happy Double Ninth Festival, {name}! Wishing you and the elders in your family good health.",
    ),
    Festival(
        "christmas", "圣诞节", "Christmas", "en", Fixed(12, 25),
        "{name}，圣诞快乐！愿您节日温馨，平安喜乐。",
        "Merry Christmas, {name}! Wishing you a warm and joyful holiday season.",
    ),
)  # fmt: skip
FESTIVAL_CODES = frozenset(festival.code for festival in FESTIVALS)


def festival_dates(year: int) -> list[FestivalDate]:
    """Every festival of `year` on its date, in date order (a pure function of the calendars)."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"festival dates are known for {FIRST_YEAR}-{LAST_YEAR}, not {year}")
    found = [
        FestivalDate(
            code=festival.code,
            year=year,
            on_date=date_of(festival.rule, year),
            name_zh=festival.name_zh,
            name_en=festival.name_en,
            audience_language=festival.audience_language,
            text_zh=festival.text_zh,
            text_en=festival.text_en,
        )
        for festival in FESTIVALS
    ]
    return sorted(found, key=lambda item: (item.on_date, item.code))


def date_of(rule: Rule, year: int) -> date:
    """The Gregorian date a calendar rule falls on in `year`."""
    if isinstance(rule, Lunar):
        solar: date = LunarDate(year, rule.month, rule.day, False).to_solar_date()
        return solar
    if isinstance(rule, Fixed):
        return date(year, rule.month, rule.day)
    # English names whatever the process locale: the rules name holidays in English.
    named = holidays.country_holidays("CN", years=year, language="en_US").get_named(rule.name, lookup="exact")
    return min(named) if named else date(year, rule.fallback.month, rule.fallback.day)
