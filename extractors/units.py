"""Measure words and units: what each one counts (the ``kind`` of a quantity).

The lexicon follows corpus/gold/GUIDELINES.md.  Ambiguous measure words (个, 次, 项, 批…)
get a default kind that :func:`refine_kind` may change from the counted noun.
"""
from __future__ import annotations

import re

# surface unit -> default kind.  Longer units must win over their prefixes (人次 over 人);
# UNIT_RE is built longest-first.
UNIT_KIND: dict[str, str] = {
    # people
    "名": "people", "人": "people", "位": "people", "口": "people",
    # person-times
    "人次": "person_times", "人/次": "person_times", "人·次": "person_times",
    # money (the multiplier 万/亿/千 is part of the numeral; see quantities.py)
    "元": "funds", "块钱": "funds", "元钱": "funds",
    # events
    "场次": "events", "场": "events", "次": "events", "期": "events", "批次": "events",
    "批": "events", "轮": "events", "堂": "events", "起": "events", "趟": "events",
    "课次": "events", "班次": "events", "家次": "events", "户次": "events", "校次": "events",
    "所次": "events", "台次": "events", "车次": "events",
    # organisations, places, groups
    "个": "organizations", "家": "organizations", "户": "organizations",
    "所": "organizations", "处": "organizations", "支": "organizations",
    "座": "organizations",
    # items
    "份": "items", "篇": "items", "条": "items", "册": "items", "本": "items",
    "件": "items", "套": "items", "项": "items", "张": "items", "幅": "items",
    "部": "items", "首": "items", "封": "items", "台": "items", "辆": "items",
    "枚": "items", "面": "items", "箱": "items", "袋": "items", "株": "items",
    "棵": "items", "盒": "items", "块": "items", "副": "items", "双": "items",
    "期次": "events",
    # percent
    "%": "percent", "‰": "other", "个百分点": "percent", "百分点": "percent",
    # other measures
    "亩": "other", "平方米": "other", "平米": "other", "㎡": "other",
    "平方公里": "other", "公顷": "other", "公里": "other", "千米": "other",
    "米": "other", "吨": "other", "公斤": "other", "千克": "other", "斤": "other",
    "小时": "other", "个小时": "other", "课时": "other", "学时": "other",
}

# A unit immediately followed by one of these strings is part of another word,
# not a measure word: 部门, 项目, 人民, 家长, 次日, 个月 (a duration) …
NOT_AFTER: dict[str, tuple[str, ...]] = {
    "部": ("门", "署", "队", "分", "位", "长"),
    "项": ("目",),
    "人": ("民", "员", "士", "们", "物", "品", "生", "格", "口", "家", "才"),
    "家": ("长", "庭", "乡", "属", "人", "园", "里", "乡", "中"),
    "次": ("日", "年", "月", "要"),
    "个": ("月", "季度", "工作日", "性", "别", "案", "体"),  # 个月, 个季度, 个工作日, 个性, 个别, 个案, 个体
    "期": ("间", "末", "中", "限", "望", "待", "盼"),
    "所": ("有", "在", "以", "属", "得", "长"),
    "处": ("理", "置", "分", "长", "级", "室"),
    "台": ("账", "阶", "湾"),
    "本": ("人", "地", "部", "市", "县", "区", "级", "单", "届", "次", "质", "着", "领", "身", "科", "职"),
    "条": ("件", "例", "款"),
    "批": ("示", "准", "复", "评"),
    "场": ("所", "地", "景", "合", "馆", "面"),
    "份": ("额", "子"),
    "名": ("单上", "单中", "单内", "称", "义", "额", "次", "誉", "牌"),
    "位": ("置", "于"),
    "件": ("事",),
    "面": ("向", "对", "临", "貌", "积", "上"),
    "首": ("先", "次", "要", "批", "届", "位", "长"),
    "支": ("部", "持", "援", "出", "付", "书"),
    "座": ("谈",),
    "双": ("方", "向", "重"),
    "套": ("餐",),
    "起": ("来", "到", "草"),
    "张": ("贴",),
    "块": ("钱",),
    "副": ("主", "书", "院", "县", "市", "镇", "局", "校"),
    "期次": (),
}

_units_sorted = sorted(UNIT_KIND, key=len, reverse=True)
UNIT_RE = "|".join(re.escape(u) for u in _units_sorted)

# Nouns that move an ambiguous measure word to another kind.
_ITEM_NOUNS = re.compile(
    r"(文件|方案|意见|合同|材料|建议|课题|作品|案例|信息|报告|论文|文章|稿件|书籍|图书|读本|"
    r"资料|简报|手册|教材|视频|节目|证书|奖状|锦旗|提案|制度|措施|办法|规定|机制|实事|好事|"
    r"标语|展板|书包|文具|衣服|物资|慰问品|礼包|课件|宣传单|问卷|档案|数据库)$")
_EVENT_NOUNS = re.compile(
    r"(活动|会议|讲座|培训|培训班|宣讲|演出|比赛|竞赛|大赛|展览|夏令营|课|课程|调研|调查|检查|"
    r"督查|仪式|典礼|宣传|巡演|论坛|沙龙|[^工协学]会|节)$")
_HEAD = re.compile(r"^[\u4e00-\u9fff]{2,4}?(?=[\u4e00-\u9fff]{2,}$)")
_PEOPLE_NOUNS = re.compile(r"^(人|个人|同志|学生|儿童|家庭成员)")
# heads that make a people word a place or body: 儿童之家, 学生活动中心, 少年宫
_PLACE_HEAD = re.compile(r"(之家|家园|课堂|学校|书屋|基地|宫|室|站|中心|园|馆|所|组|队|会|委)$")


def unit_kind(unit: str) -> str:
    """Default kind of a surface unit (万元/亿元 count as 元)."""
    if unit in UNIT_KIND:
        return UNIT_KIND[unit]
    if unit.endswith("元"):
        return "funds"
    return "other"


_PUBLICATION = re.compile(r"简报|简讯|刊物|期刊|杂志|会刊|专刊|报纸|工作动态|刊发|刊登|编印|印发|发表|出版|被采用")


def refine_kind(unit: str, kind: str, subject: str | None, context: str = "") -> str:
    """Adjust the default kind of an ambiguous measure word from the counted noun (and, for
    期/个, publication words in ``context``, the clause before the number: 编印简报12期)."""
    if unit in ("期", "个") and _PUBLICATION.search(subject or context):
        return "items"
    if not subject:
        return kind
    if unit in ("个", "项", "批", "件", "支", "对", "家", "所", "处"):
        if _EVENT_NOUNS.search(subject):
            return "events"
        if _ITEM_NOUNS.search(subject):
            return "items"
        if unit == "个" and _PEOPLE_NOUNS.search(subject) and not _PLACE_HEAD.search(subject):
            return "people"
    if unit in ("次", "期", "场", "轮") and _ITEM_NOUNS.search(subject):
        return kind
    return kind
