"""Typed answers to a flow's questions: "don't know / don't have it / skip" in their many forms, "I said so
above", and the rule that no question is asked a third time (cancel or a person is offered instead)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.conversation import Button, Reply
from bot.patterns import fold
from bot.turn import Turn

# "I can't give you that": not remembering, not having, not finding, skipping.
NO_ANSWER = re.compile(
    r"^(?:没有|无|没|不知道|不清楚|忘了|忘记了|不记得了?|记不清了?|记不得了?|想不起来了?|找不到了?|找不着了?|"
    r"弄丢了|丢了|删了|没保存|没存|跳过|略过|不用了?|没有订单号?|没订单号?|没单号|不晓得|不太清楚|"
    r"none|no|nope|skip|pass|n/?a|no idea|dunno|not sure|don'?t know|do not know|i don'?t know|"
    r"(?:i )?(?:can'?t|cannot|don'?t|do not) (?:remember|recall|find it|find|have it|have one|have)"
    r"(?: (?:it|that|one|(?:the|my|an?) (?:order )?(?:number|id|one|order)))?|"
    r"(?:i )?(?:lost|deleted|forgot) (?:it|the number|my order number|the order number)|i forgot|"
    r"no order(?: number)?|haven'?t got (?:it|one)|not available|skip (?:it|this)|don'?t have (?:it|one|the number))$"
)
# "我不记得订单号了", "找不到单号", "忘了号码": the verb, then what was forgotten.
ZH_NO_ANSWER = re.compile(
    r"^(?:不记得|记不得|记不清|忘了|忘记了?|找不到|找不着|想不起来?|不知道|没有|没|弄丢了?|丢了)了?"
    r"(?:订单号?|单号|号码|那个号|号)(?:了|啊|呀|诶|哦)*$"
)
FILLER = re.compile(r"^(?:我|我也|我真的|真的|实在|嗯|呃|额|啊|哦|sorry|sorry,|um|uh|er|hmm|oh|well|,|，|\s)+")
# "I told you already": never stored as the answer itself.
ALREADY_SAID = re.compile(
    r"上面说了|前面说了|刚才说了|刚刚说了|已经说了|说过了|我说了啊?|不是说了|都说了|见上|同上|"
    r"already (?:told|said|explained|wrote|mentioned)|i (?:just )?(?:told|said) (?:you|it|that)|see above|as i said|"
    r"read (?:my|the) (?:message|messages) above|i wrote it above"
)
TRIM = re.compile(r"^[\s\W_]+|[\s\W_]+$", re.UNICODE)
MISSES_BEFORE_ESCAPE = 2  # a question is asked, asked once more, and then cancel or a person is offered


def is_no_answer(text: str) -> bool:
    """ "不记得了", "找不到了", "I lost it", "skip": the customer cannot or will not give this one."""
    bare = FILLER.sub("", TRIM.sub("", fold(text).replace("’", "'")))
    bare = TRIM.sub("", bare)
    return bool(NO_ANSWER.match(bare) or ZH_NO_ANSWER.match(bare))


def is_already_said(text: str) -> bool:
    """ "上面说了啊", "I already told you": the answer is earlier in the conversation."""
    return len(text) <= 40 and bool(ALREADY_SAID.search(fold(text)))


def ask_again(turn: Turn, key: str, /, *, buttons: Sequence[Sequence[Button]] = (), **values: object) -> list[Reply]:
    """The flow's question once more, or, when the same step already missed once, a way out instead:
    a patient agent does not ask the same question a third time."""
    question = Reply(turn.t(key, **values), tuple(tuple(row) for row in buttons))
    flow = turn.flow
    if flow is None:
        return [question]
    step = str(flow.get("step"))
    misses = int(flow.get("misses", 0)) + 1 if flow.get("missed_step") == step else 1
    flow.update(missed_step=step, misses=misses)
    if misses < MISSES_BEFORE_ESCAPE:
        return [question]
    kept = ([button for button in row if not button.data.endswith(":cancel")] for row in buttons)
    rows = [row for row in kept if row]
    rows.append([turn.button("menu.human", "menu", "request_human")])
    rows.append([turn.button("flow.cancel_button", "flow", "cancel")])
    return [turn.reply("flow.stuck", buttons=rows)]
