"""The ways out of any flow, recognised before a flow takes a message as its answer.

A customer in the middle of a complaint, a redemption or a profile change can always ask for a person,
cancel, have their data deleted or stop promotions, in Chinese or English, and an insult is never
stored as an answer. The patterns are stricter than the degraded-mode keyword router (`nlu/keyword_router`):
inside a complaint, "客服态度太差" is a description, not a request for a person, and "不要再发错货了"
is not an opt-out.
"""

from __future__ import annotations

import re
from typing import Literal

from bot.patterns import fold

Escape = Literal["human", "cancel", "erase", "unsubscribe", "abuse"]

# Words that leave a flow when they are (nearly) the whole message.
CANCEL_PHRASES = frozenset(
    {
        "取消", "退出", "算了", "算了吧", "不要了", "不用了", "不弄了", "不办了", "不改了", "不投诉了", "不退了",
        "不换了", "先不了", "先不用了", "不想弄了", "取消吧", "取消了", "取消一下", "我要取消", "不了", "放弃",
        "cancel", "cancel it", "cancel that", "cancel this", "stop", "quit", "exit", "never mind", "nevermind",
        "forget it", "forget about it", "leave it", "no thanks", "no thank you", "abort", "start over",
    }
)  # fmt: skip
# A person asked for: 转人工 / 找你们经理 / talk to a person / get me a manager.
HUMAN = re.compile(
    r"转人工|人工客服|人工服务|找人工|要人工|接人工|人工$|^人工|真人|活人|找个人|找个真人|换个人|"
    r"找客服|联系客服|叫客服|(?:找|叫|要|请)(?:一下)?(?:你们|你们的|你们家)?(?:的)?(?:经理|主管|领导|负责人|店长|老板)|"
    r"(?:talk|speak|chat)\s+(?:to|with)\s+(?:a|an|the|your|some)?\s*(?:real\s+)?"
    r"(?:human|person|people|agent|representative|manager|supervisor|someone|staff|operator)|"
    r"(?:get|want|need|give)\s+(?:me\s+)?(?:a|an|the|your|some)?\s*(?:real\s+)?"
    r"(?:human|person|agent|representative|manager|supervisor|operator)\b|"
    r"(?:connect|transfer|put)\s+me\s+(?:to|through)|real\s+person|live\s+agent|customer\s+service\s+agent|"
    r"^(?:a\s+)?(?:human|agent|person|representative|operator|manager)(?:\s+please)?$"
)
# Their data deleted: 删除我的数据 / 注销账号 / delete my data / close my account.
ERASE = re.compile(
    r"删除?(?:掉)?(?:我的)?(?:个人)?(?:全部|所有)?(?:的)?(?:数据|资料|信息|账号|账户|记录)|注销|销户|"
    r"(?:delete|erase|remove|wipe)\s+(?:all\s+)?(?:of\s+)?my\s+(?:personal\s+)?(?:data|account|information|info|details|records)|"
    r"close\s+my\s+account|forget\s+(?:about\s+)?me\b|right\s+to\s+be\s+forgotten"
)
# Promotions stopped: 退订 / 别再给我发广告 / stop promotions / unsubscribe.
UNSUBSCRIBE = re.compile(
    r"退订|取消订阅|拒收|取消推送|(?:别|不要|不用)再?(?:给我)?(?:发|推送?)(?:那些|这些)?(?:促销|广告|营销|优惠|活动|推广)|"
    r"(?:别|不要)再?(?:给我)?发(?:消息)?了[!！。.]*$|"
    r"unsubscribe|opt[\s-]?out|stop\s+(?:sending|messaging)\b|stop\s+(?:the\s+)?(?:promotions|promos|ads|marketing|offers)|"
    r"no\s+more\s+(?:promotions|promos|ads|marketing|offers)|^td$"
)
# Abuse: insults that are never a complaint's answer (a rude word inside a long description is still the
# customer's description: "质量太垃圾了，用两天就坏了").
PROFANITY = re.compile(
    r"傻逼|傻b|煞笔|沙比|(?<![a-z])sb(?![a-z])|操你|草你|艹|草泥马|尼玛|你妈|他妈的|妈的|去死|滚蛋|脑残|白痴|智障|"
    r"狗屎|混蛋|王八蛋|\bfuck|\bshit\b|bullshit|\bidiots?\b|\bmorons?\b|\bbitch|asshole|\bstfu\b"
)
SHORT_INSULT = re.compile(
    r"垃圾|骗子|废物|坑人|滚|破机器人|破系统|什么玩意|\brubbish\b|\bgarbage\b|\bscam|\bliars?\b|\bjoke\b|\bstupid\b|"
    r"\bdumb\b|\bcrap\b|\bwtf\b|\bdamn\b|\buseless\b|\bsucks?\b|\bpathetic\b"
)
SHORT = 14  # characters: "垃圾客服！" is an insult, a paragraph that says 垃圾 is a description
SHORT_WORDS = 3  # "this is useless!!" is an outburst, "the zip is useless after a week" a description
TRIM = re.compile(r"^[\s\W_]+|[\s\W_]+$", re.UNICODE)


def escape_of(text: str) -> Escape | None:
    """Which way out the message asks for, or None when it may be the flow's answer."""
    folded = fold(text).strip()
    bare = TRIM.sub("", folded)
    if bare in CANCEL_PHRASES:
        return "cancel"
    if ERASE.search(folded):
        return "erase"
    if UNSUBSCRIBE.search(folded):
        return "unsubscribe"
    if HUMAN.search(bare):
        return "human"
    if is_abusive(text):
        return "abuse"
    return None


def is_abusive(text: str) -> bool:
    folded = fold(text).strip()
    short = len(folded) <= SHORT or (folded.isascii() and len(folded.split()) <= SHORT_WORDS)
    return bool(PROFANITY.search(folded)) or (short and bool(SHORT_INSULT.search(folded)))
