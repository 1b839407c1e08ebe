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
    "運達麽僅邊樣種總紅藍綠黃雙馬試壓鐘錶贈飾衝鬧爛噁滾辦註訊郵購評論騷擾圖證據紙憶丟裝頭鏈讚愛錄曆齡稱訴聲來東話誰動顏寶鐵帶"
    "難賬險進連續體驗涼傳離須極齊興舊親觀識變選擇麗約網絡麥風業隊談鬆緊綁標滿養漲賠償罰遲燈鏡蓋濕髒貼張塊誤預頁樂藥療醫獎勵車"
    "輛門鎖簾櫃廚鍋壺爐葉烏龍餅領圍絨壽啟陸貴顆類嚴舉報幣納繳稅檢滅輸擔亂鄰區縣鎮華廳飯館兩萬億夠釘針銀鑰剛畢雖係於著幹講詳細"
    "誌團拋棄戲劇傷縮撥",
    "转们经销账号删资订发别广请个务联系负责导记还说过顾钱货换积这么吗询问题单机产买卖护优骗废开关点欢谢员当会级礼兑码给让实际"
    "与为后时间长几见现气坏击条费热户专态只里里应该儿岁周帮听写读价对错没面袜裤卫显萤响键盘线电脑视频质损划处准备确认历纪数递"
    "运达么仅边样种总红蓝绿黄双马试压钟表赠饰冲闹烂恶滚办注讯邮购评论骚扰图证据纸忆丢装头链赞爱录历龄称诉声来东话谁动颜宝铁带"
    "难账险进连续体验凉传离须极齐兴旧亲观识变选择丽约网络麦风业队谈松紧绑标满养涨赔偿罚迟灯镜盖湿脏贴张块误预页乐药疗医奖励车"
    "辆门锁帘柜厨锅壶炉叶乌龙饼领围绒寿启陆贵颗类严举报币纳缴税检灭输担乱邻区县镇华厅饭馆两万亿够钉针银钥刚毕虽系于着干讲详细"
    "志团抛弃戏剧伤缩拨",
)


def fold(text: str) -> str:
    """Text as the patterns expect it: full-width forms as ASCII (NFKC), lower case, simplified characters."""
    return unicodedata.normalize("NFKC", text).lower().translate(TRADITIONAL)


def simplified(text: str) -> str:
    """The text with the traditional characters above in simplified form (for the NLU, trained on simplified)."""
    return text.translate(TRADITIONAL)


def find_order_id(text: str) -> str | None:
    """The first order number in the shop's own format (SO-YYYYMMDD-NNN) anywhere in the text, upper-cased."""
    found = ORDER_ID.search(unicodedata.normalize("NFKC", text))
    return f"SO-{found.group(1)}-{found.group(2)}" if found else None
