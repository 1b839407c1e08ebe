"""Questions with one certain answer that the NLU has no intent for, recognised by their words.

"Are you a bot?", when points expire, how points are earned, the referral code and what the shop sells:
each is a sub-question of a broader intent (or none), and the customer asked exactly that. Checked before
the NLU, and inside a flow as an aside that does not end it (who the bot is).
"""

from __future__ import annotations

import re
from typing import Literal

from bot.patterns import fold

Topic = Literal["bot_identity", "points_expiry", "points_earning", "referral", "catalogue", "returns_policy", "restock"]

BOT_IDENTITY = re.compile(
    r"你是(?:不是)?(?:机器人|真人|人工|ai|人吗|人还是)|你是人吗|是机器人吗|是不是机器人|是真人吗|是不是真人|机器人吗|"
    r"are\s+you\s+(?:a\s+|an\s+)?(?:bot|robot|human|real|person|ai|machine|chatbot)|"
    r"am\s+i\s+(?:talking|chatting|speaking)\s+(?:to|with)\s+(?:a\s+)?(?:bot|robot|human|real person|person|machine)|"
    r"is\s+this\s+(?:a\s+)?(?:bot|robot|human|real person|chatbot)|who\s+(?:are|r)\s+(?:you|u)\b|"
    r"what\s+are\s+you\b|你是谁"
)
POINTS_EXPIRY = re.compile(
    r"(?:积分|分).{0,8}(?:过期|到期|失效|有效期|清零|作废)|(?:过期|到期|失效|清零).{0,6}积分|积分有效期|"
    r"(?:points?|pts)\s.{0,30}(?:expire|expiry|expiration|valid|last)|(?:expire|expiry|expiration).{0,20}(?:points?|pts)"
)
POINTS_EARNING = re.compile(
    r"(?:怎么|如何|怎样|咋|哪些方式|什么方式|怎么样才能|怎么才能).{0,6}(?:赚|攒|获得|得到|拿|积累|累积|挣|获取|多得|增加).{0,4}积分|"
    r"积分.{0,4}(?:怎么|如何|怎样|咋).{0,4}(?:赚|攒|获得|得到|来|拿|积累|累积|挣|获取|算)|积分规则|积分是怎么算|"
    r"(?:how|ways?)\s.{0,30}(?:earn|get|collect|gain|accumulate|make)\s.{0,12}points?|"
    r"how\s+(?:are|do)\s+(?:the\s+)?points\s+(?:work|earned|calculated)|points?\s+rules?"
)
REFERRAL = re.compile(
    r"邀请码|推荐码|推广码|邀请链接|推荐链接|分享链接|邀请好友|推荐好友|拉新|"
    r"referr?al|invite\s+(?:a\s+)?(?:friend|code|link)|invitation\s+(?:code|link)|refer\s+a\s+friend|my\s+invite"
)
CATALOGUE = re.compile(
    r"(?:你们|你们家|店里|店铺|这里|这家店)?(?:都|一般)?(?:有|卖)些?(?:哪些|什么|啥)(?:样的)?(?:产品|商品|东西|货|宝贝|茶)?(?:[吗呀呢啊?？]|$)|"
    r"有哪些(?:产品|商品|东西)|商品(?:目录|列表|分类)|产品(?:目录|列表|分类)|看看(?:商品|产品|货)|逛逛|"
    r"what\s+(?:do|does)\s+(?:you|the\s+shop|your\s+shop)\s+(?:sell|have|offer|carry|stock)|"
    r"what\s+(?:products|things|items)\s+(?:do\s+you|are\s+there)|(?:show|see|browse)\s+(?:me\s+)?(?:the\s+|your\s+)?"
    r"(?:catalogue|catalog|products|range|shop)|product\s+(?:list|catalogue|catalog|range|categories)"
)
RETURNS_POLICY = re.compile(
    r"(?:退货|退换货?|退款|保修|售后|换货)(?:的)?(?:政策|规则|规定|期限|条件|怎么算|多久|多长时间)|"
    r"(?:return|refund|exchange|warranty)\s+(?:policy|policies|rules|period|terms)|"
    r"how\s+long\s+(?:is\s+the\s+|do\s+i\s+have\s+(?:to|for)\s+(?:a\s+)?)?(?:warranty|return|returns|refund)"
)
# "到货通知我", "有货了告诉我", "notify me when it's back": a restock notice for the product named or just discussed.
RESTOCK = re.compile(
    r"(?:到货|有货|补货|上架)了?(?:的话|以后|之后|后)?[，,]?(?:请|麻烦|记得)?(?:你们?)?(?:通知|告诉|提醒|叫|call)一?下?我|"
    r"到货(?:通知|提醒)|补货(?:通知|提醒)|(?:订阅|预约)(?:到货|补货)|"
    r"notify\s+me|(?:let|tell|message|text|ping)\s+me\s+(?:know\s+)?(?:when|once|if)\s+(?:it|they|the\s+\w+(?:\s+\w+)?)"
    r"\s*(?:'s|'re|is|are)?\s+(?:back|in\s+stock|available|restocked)|restock\s+(?:alert|notice|notification)|"
    r"back[-\s]in[-\s]stock\s+(?:alert|notice|notification)"
)
TOPICS: tuple[tuple[Topic, re.Pattern[str]], ...] = (
    ("bot_identity", BOT_IDENTITY),
    ("points_expiry", POINTS_EXPIRY),
    ("points_earning", POINTS_EARNING),
    ("referral", REFERRAL),
    ("catalogue", CATALOGUE),
    ("returns_policy", RETURNS_POLICY),
    ("restock", RESTOCK),
)
MAX_TOPIC_TEXT = 60  # longer messages say more than one of these questions: the NLU reads them


def topic_of(text: str) -> Topic | None:
    """The one question the message asks, when it is one of the topics above."""
    folded = fold(text).strip()
    if len(folded) > MAX_TOPIC_TEXT:
        return None
    return next((topic for topic, pattern in TOPICS if pattern.search(folded)), None)
