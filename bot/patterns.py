"""Text patterns the conversation recognises in more than one place."""

from __future__ import annotations

import re
import unicodedata

# The shop's order numbers, also typed with spaces or without the dashes: SO-20261101-007, so 20261101 007.
ORDER_ID = re.compile(r"(?<![A-Za-z0-9])SO[-\s]?(\d{8})[-\s]?(\d{3,})(?![0-9])", re.IGNORECASE)
# Traditional characters customers from Hong Kong and Taiwan type, for the words the bot reacts to
# (people, orders, points, returns, privacy, promotions, dates). Not a converter: the NLU was trained on
# simplified text, and these are the characters that decide what a message is about.
TRADITIONAL = str.maketrans(
    "轉們經銷帳號刪資訂發別廣請個務聯繫負責導記還說過顧錢貨換積這麼嗎詢問題單機產買賣護優騙廢開關點歡謝員當會級禮兌碼給讓實際"
    "與為後時間長幾見現氣壞擊條費熱戶專態隻裡裏應該兒歲週幫聽寫讀價對錯沒麵襪褲衛顯螢響鍵盤線電腦視頻質損劃處準備確認歷紀數遞"
    "運達麽僅邊樣種總紅藍綠黃雙馬試壓鐘錶贈飾衝鬧爛噁滾辦註訊郵購評論騷擾圖證據紙憶丟裝頭鏈讚愛錄曆齡稱",
    "转们经销账号删资订发别广请个务联系负责导记还说过顾钱货换积这么吗询问题单机产买卖护优骗废开关点欢谢员当会级礼兑码给让实际"
    "与为后时间长几见现气坏击条费热户专态只里里应该儿岁周帮听写读价对错没面袜裤卫显萤响键盘线电脑视频质损划处准备确认历纪数递"
    "运达么仅边样种总红蓝绿黄双马试压钟表赠饰冲闹烂恶滚办注讯邮购评论骚扰图证据纸忆丢装头链赞爱录历龄称",
)


def fold(text: str) -> str:
    """Text as the patterns expect it: full-width forms as ASCII (NFKC), lower case, simplified characters."""
    return unicodedata.normalize("NFKC", text).lower().translate(TRADITIONAL)


def find_order_id(text: str) -> str | None:
    """The first order number in the shop's own format (SO-YYYYMMDD-NNN) anywhere in the text, upper-cased."""
    found = ORDER_ID.search(unicodedata.normalize("NFKC", text))
    return f"SO-{found.group(1)}-{found.group(2)}" if found else None
