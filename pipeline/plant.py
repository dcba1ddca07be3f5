"""A planted test set for the auditor flags: synthetic reports with known inconsistencies.

``build(seed)`` returns a small corpus (a city, three counties, four townships; summaries,
speeches, two years) whose texts carry planted inconsistencies of every flag type *and*
clean controls (totals that add up, correct percentages and changes, unique text), with
the truth list: (document, flag type, span).  Deterministic for a given seed.

Planted spans are written inline as ``⟦type|surface⟧`` (``⟦type,type|…⟧`` for several) and
removed when the text is assembled.  Filler sentences are combined from fragments and each
combination is used once in the whole corpus, so no two documents share a long passage
unless one is planted; each administrative level has its own activities, so parent/child
sums and year-over-year changes of fillers stay consistent by construction.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

import pandas as pd

UNITS = [  # unit_id, name, parent, level, place word
    ("C", "清河市关工委", None, "city", "全市"),
    ("K1", "柳林县关工委", "C", "county", "全县"),
    ("K2", "桃源县关工委", "C", "county", "全县"),
    ("K3", "石门县关工委", "C", "county", "全县"),
    ("T1", "青石镇关工委", "K1", "township", "全镇"),
    ("T2", "白沙镇关工委", "K1", "township", "全镇"),
    ("T3", "金水镇关工委", "K2", "township", "全镇"),
    ("T4", "红星镇关工委", "K2", "township", "全镇"),
]
_MARK = re.compile(r"⟦([a-z_,]+)\|([^⟧]*)⟧")


@dataclass
class PlantedDoc:
    key: str
    unit_id: str
    unit_name: str
    year: int
    doc_type: str
    text: str = ""

    @property
    def source(self) -> str:
        return f"plant/{self.key}.txt"


@dataclass
class Truth:
    key: str
    type: str
    start: int | None
    end: int | None
    text: str


@dataclass
class Corpus:
    docs: list[PlantedDoc]
    truth: list[Truth]
    units: pd.DataFrame = field(default_factory=pd.DataFrame)


# --- fillers: opener × activity, each pair used once ------------------------------------
_OPENERS = ["围绕立德树人根本任务，", "结合本地实际，", "在有关部门的支持下，", "依托五老志愿者队伍，",
            "坚持常态化开展，", "按照上级关工委部署，", "针对青少年成长需求，", "联合团委、妇联等部门，",
            "利用寒暑假和节假日，", "聚焦重点群体，"]
_ACTIVITIES = {  # level -> (activity with {n} and a measure word, low, high)
    "city": [("召开全市关心下一代工作推进会{n}次", 2, 5), ("编印青少年教育读本{n}册", 3, 8),
             ("组建市级五老宣讲分团{n}个", 4, 11), ("开展市级专题调研{n}次", 3, 7),
             ("表彰市级关心下一代先进集体{n}个", 12, 30), ("举办全市五老骨干培训班{n}期", 2, 6)],
    "county": [("举办家长学校培训班{n}期", 6, 15), ("组织红色故事宣讲{n}场", 23, 60),
               ("开展留守儿童心理健康讲座{n}场", 11, 30), ("建成关爱留守儿童之家{n}所", 7, 19),
               ("开展青少年法治宣传进校园活动{n}场", 14, 37), ("培训基层关工委骨干{n}人", 63, 157),
               ("编发关心下一代工作简报{n}期", 9, 24), ("推荐报送工作信息{n}篇", 31, 88),
               ("组织五老网吧义务监督员{n}名", 27, 71), ("举办青少年书画作品展{n}次", 2, 6)],
    "township": [("开展五老进村入户走访{n}次", 17, 48), ("举办乡村少年宫兴趣班{n}期", 3, 8),
                 ("组织青少年参观红色教育基地{n}批", 4, 11), ("帮助返乡青年落实创业项目{n}个", 5, 13),
                 ("开展留守儿童亲情视频连线{n}次", 21, 58), ("组织五老义务辅导员{n}名", 13, 34),
                 ("组织暑期防溺水安全巡查{n}次", 19, 51), ("开展家风家训故事会{n}场", 6, 16),
                 ("为农村学生讲授思政课{n}节", 8, 21), ("整治校园周边环境隐患{n}处", 5, 14)],
}
_ROUND = [("受益青少年{n}人", 1200), ("发放宣传资料{n}份", 3000), ("参与活动的家长{n}人", 800),
          ("开展心理咨询服务{n}人次", 500), ("结对帮扶学生{n}名", 100), ("征集书画作品{n}件", 400),
          ("接待参观青少年{n}人次", 2000), ("赠送图书{n}册", 600), ("培训家庭教育志愿者{n}人", 300)]
_INTROS = ["{y}年，{u}在上级党委的正确领导下，认真贯彻落实上级关工委工作部署，现将全年工作总结如下。",
           "一年来，{u}紧紧围绕立德树人根本任务，团结带领广大五老扎实工作，各项任务圆满完成。",
           "{y}年是不平凡的一年。{u}坚持党建带关建，聚焦主责主业，工作取得新成效。",
           "今年以来，在当地党委政府的重视支持下，{u}和广大五老主动作为，现将有关情况报告如下。"]
_SPEECH_OPEN = ["今天召开{u}全委（扩大）会议，主要任务是总结过去一年的工作，部署今年的任务。",
                "这次会议很重要，我代表{u}讲几点意见，供大家讨论。",
                "刚才几位同志作了很好的发言，我都赞成。下面讲三个问题。",
                "过去的一年，我们克服困难、真抓实干，关心下一代事业有了新的发展。",
                "首先，我代表{u}，向奋战在关心下一代工作一线的同志们表示衷心的感谢！"]
_SPEECH_POINTS = ["一是要提高思想认识，把关心下一代工作摆上重要位置。", "二是要突出工作重点，持续深化关爱帮扶。",
                  "三是要加强自身建设，不断提升工作水平。", "各级关工委要主动向党委汇报，争取更多支持。",
                  "要充分发挥五老的独特优势，做到老有所为。", "要抓好典型培育，以点带面推动工作。",
                  "要坚持问题导向，认真研究解决基层反映的困难。"]
_SECTIONS = [["一、加强思想道德教育，筑牢青少年理想信念", "一、坚持立德树人，深化主题教育活动",
              "一、传承红色基因，扎实开展青少年教育"],
             ["二、深化关爱帮扶，助力青少年健康成长", "二、聚焦重点群体，倾情关爱困难青少年",
              "二、办好民生实事，关爱帮扶有形有效"],
             ["三、加强自身建设，夯实关心下一代工作基础", "三、健全组织体系，提升关工委履职能力",
              "三、强化队伍建设，激发五老队伍活力"]]
_TITLES = ["{u}{y}年关心下一代工作总结", "{u}关于{y}年度工作情况的报告", "{y}年{u}工作总结",
           "{u}{y}年工作总结及下一年工作打算"]
_SPEECH_TITLES = ["在{u}{y}年全委（扩大）会议上的讲话", "{u}主任在{y}年关心下一代工作会议上的讲话",
                  "凝心聚力 开拓进取——在{u}{y}年工作会议上的讲话"]


# --- per-document plants: (template, correct?) -------------------------------------------
def _mark(type_: str, surface: str, bad: bool) -> str:
    return f"⟦{type_}|{surface}⟧" if bad else surface


def _sum(r: random.Random, place: str, bad: bool, k: int) -> str:
    a, b, c = (k * r.randint(lo, hi) for lo, hi in ((12, 40), (8, 30), (3, 19)))
    off = r.choice([-2, -1, 1, 3]) if bad else 0
    v = r.randrange(4)
    if v == 0:
        t = _mark("sum_mismatch", f"{a + b + c + off}场", bad)
        return f"全年举办专题报告会{a}场、主题座谈会{b}场、红色观影活动{c}场，共开展各类教育活动{t}。"
    if v == 1:
        t = _mark("sum_mismatch", f"{a + b + c + off}所", bad)
        return f"组织五老宣讲团走进城区学校{a}所、农村学校{b}所、职业学校{c}所，累计走进学校{t}。"
    if v == 2:
        t = _mark("sum_mismatch", f"{(a + b + c) * 7 + off * 10}人", bad)
        return f"{place}东、中、西片区共培训家长{t}，分别为东片{a * 7}人、中片{b * 7}人和西片{c * 7}人。"
    t = _mark("sum_mismatch", f"{(a + b) * 9 + off * 9}人", bad)
    return f"培训农村留守儿童家长{a * 9}人、城镇困境儿童家长{b * 9}人，合计培训家长{t}。"


def _subset(r: random.Random, place: str, bad: bool, k: int) -> str:
    t = k * r.randint(60, 240)
    p = t + k * r.randint(5, 40) if bad else k * r.randint(10, t // k - 10)
    v = r.randrange(3)
    if v == 0:
        return f"全年结对帮扶困境儿童{t}名，其中农村留守儿童{_mark('subset_exceeds_total', f'{p}名', bad)}。"
    if v == 1:
        tb = k * r.randint(9, 27)
        pb = tb + k * r.randint(1, 5) if bad else k * r.randint(3, 6)
        return (f"{place}共建立校外教育实践基地{tb}个，其中爱国主义教育基地{k * r.randint(1, 2)}个、"
                f"科普教育基地{_mark('subset_exceeds_total', f'{pb}个', bad)}。")
    return f"累计开展网吧义务监督{t}次，其中节假日集中检查{_mark('subset_exceeds_total', f'{p}次', bad)}。"


def _percent(r: random.Random, place: str, bad: bool, k: int) -> str:
    d = r.randint(40, 180)
    n = r.randint(d // 4, d - 5)
    pct = round(n / d * 100)
    v = r.randrange(3)
    if bad:
        if v == 1:  # "约占": the error must exceed the ±10 % that 约 allows
            pct = round(pct * (0.75 if pct > 70 or r.random() < 0.5 else 1.3))
        else:
            pct = pct + r.choice([-3, -2, 2, 3])
    ps = _mark("percent_mismatch", f"{pct}%", bad)
    d, n = d * k, n * k
    if v == 0:
        return f"{place}{d}所中小学中，已建立学校关工组织的有{n}所，占{ps}。"
    if v == 1:
        return f"{place}共有农村留守儿童{d * 3}名，其中已落实结对帮扶的{n * 3}名，约占{ps}。"
    return f"参加家庭教育讲座的家长{n * 5}人，占辖区在校学生家长{d * 5}人的{ps}。"


def _change(r: random.Random, place: str, bad: bool, k: int) -> str:
    a = r.randint(20, 60)
    b = a + r.randint(4, 30)
    v = r.randrange(4)
    if v == 0:
        pct = round((b - a) / a * 100) + (r.choice([-5, 6]) if bad else 0)
        return f"村级关工小组由{a * k}个增加到{b * k}个，增长了{_mark('change_mismatch', f'{pct}%', bad)}。"
    if v == 1:
        x, y = (b * 10 * k, a * 10 * k) if bad else (a * 10 * k, b * 10 * k)
        return f"五老志愿者队伍由{x}人扩大到{_mark('change_mismatch', f'{y}人', bad)}，覆盖了所有行政村。"
    if v == 2:
        c = (b - a) * 3 * k + (r.choice([-6, 9]) if bad else 0)
        return (f"今年资助贫困大学新生{b * 3 * k}名，比去年的{a * 3 * k}名增加了"
                f"{_mark('change_mismatch', f'{c}名', bad)}。")
    c = (b - a) * k + (r.choice([-3, 2]) if bad else 0)
    return f"关爱基金由{a * k}万元提高到{b * k}万元，增加了{_mark('change_mismatch', f'{c}万元', bad)}。"


_REDACTED = ["通过各种渠道筹措帮扶资金⟦redacted|xx万元⟧，全部用于困难学生救助。",
             "慰问困难学生⟦redacted|xxx名⟧，送去书包、文具等慰问品。",
             "为患病学生发放救助金⟦redacted|xxxx元⟧。"]
_VAGUE = ["向群众发放科普资料⟦vague|近8000份⟧。", "⟦vague|200余名⟧老党员参与了关爱行动。",
          "全年受教育青少年⟦vague|约3000人次⟧。", "发动⟦vague|1300多名⟧五老投身文明实践。"]
_COPIED = ("{u}坚持把关爱留守儿童作为重中之重，组织五老志愿者深入各村开展结对帮扶，每名五老至少联系"
           "两名留守儿童，每月上门走访一次，及时了解孩子的学习、生活和思想状况，建立一人一档的帮扶"
           "台账，做到底数清、情况明、措施实，让留守儿童感受到党和政府的温暖。")


def _render(parts: list[str], key: str, truth: list[Truth]) -> str:
    """Join text parts, strip ⟦…⟧ marks and record the truth spans."""
    out, pos = [], 0
    for part in parts:
        last = 0
        for m in _MARK.finditer(part):
            out.append(part[last:m.start()])
            pos += m.start() - last
            for t in m.group(1).split(","):
                truth.append(Truth(key, t, pos, pos + len(m.group(2)), m.group(2)))
            out.append(m.group(2))
            pos += len(m.group(2))
            last = m.end()
        out.append(part[last:])
        pos += len(part) - last
    return "".join(out)


def build(seed: int = 0) -> Corpus:
    r = random.Random(seed)
    units = {u[0]: u for u in UNITS}
    values: dict[tuple[str, str], int] = {}  # (unit, activity) -> value, to keep years close

    def fillers(uid: str, k: int) -> list[str]:
        acts = r.sample(_ACTIVITIES[units[uid][3]], k)
        out = []
        for act, lo, hi in acts:
            n = values.get((uid, act)) or r.randint(lo, hi)
            n = max(lo, min(hi * 2, n + r.randint(-2, 3)))
            values[(uid, act)] = n
            out.append(r.choice(_OPENERS) + act.format(n=n) + "。")
        return out

    plans: dict[str, list[str]] = {}  # key -> extra planted sentences
    spare = {"redacted": r.sample(_REDACTED, len(_REDACTED)), "vague": r.sample(_VAGUE, len(_VAGUE))}

    def per_doc(key, uid, kinds):
        place = units[uid][4]
        scale = {"city": 113, "county": 11}.get(units[uid][3], 1)  # parents stay above children
        lst = plans.setdefault(key, [])
        for kind, bad in kinds:
            fn = {"sum": _sum, "subset": _subset, "percent": _percent, "change": _change}.get(kind)
            if fn:
                lst.append(fn(r, place, bad, scale))
            elif kind in ("redacted", "vague"):
                lst.append(spare[kind].pop())

    specs = [  # key, unit, year, doc_type, per-document plants
        ("C-2022", "C", 2022, "summary", [("sum", False), ("percent", True), ("vague", 0)]),
        ("K1-2022", "K1", 2022, "summary", [("sum", True), ("percent", False), ("redacted", 0)]),
        ("K1-2022-speech", "K1", 2022, "speech", []),
        ("K2-2022", "K2", 2022, "summary", [("subset", True), ("change", False), ("vague", 0)]),
        ("K2-2022-speech", "K2", 2022, "speech", []),
        ("K3-2022", "K3", 2022, "summary", [("change", True), ("subset", False), ("sum", True)]),
        ("T1-2021", "T1", 2021, "summary", [("percent", False), ("change", False)]),
        ("T1-2022", "T1", 2022, "summary", [("change", True), ("sum", False), ("vague", 0)]),
        ("T2-2022", "T2", 2022, "summary", [("percent", True), ("subset", False), ("redacted", 0)]),
        ("T3-2021", "T3", 2021, "summary", [("subset", True), ("sum", False)]),
        ("T3-2022", "T3", 2022, "summary", [("percent", False), ("change", True)]),
        ("T4-2022", "T4", 2022, "summary", [("sum", True), ("percent", True)]),
    ]
    for key, uid, _, _, kinds in specs:
        per_doc(key, uid, kinds)
    # cross-document plants: (key, sentence) — metric phrasing is shared by the documents compared
    fund = r.randint(1100, 1400)
    cross = {
        "K1-2022": [f"全县五老志愿者达到⟦cross_document_conflict|{fund}名⟧。",
                    "全县共资助困难学生⟦parent_less_than_children|516名⟧。"],
        "K1-2022-speech": [f"全县五老志愿者达到⟦cross_document_conflict|{fund + 87}名⟧。"],
        "K2-2022": ["全县五老志愿者达到1183名。", "全县共资助困难学生817名。"],
        "K2-2022-speech": ["全县五老志愿者达到1183名。"],
        "T1-2021": ["举办青少年法治讲座12场。"],
        "T1-2022": ["举办青少年法治讲座⟦implausible_jump|136场⟧。", "全镇资助困难学生327名。",
                    "_COPIED_"],
        "T2-2022": ["全镇资助困难学生412名。", "受教育青少年⟦implausible_jump|52460人⟧。"],
        "T3-2021": ["举办青少年法治讲座14场。"],
        "T3-2022": ["举办青少年法治讲座17场。", "全镇资助困难学生353名。", "_COPIED_"],
        "T4-2022": ["全镇资助困难学生371名。", "受教育青少年3217人。"],
        "C-2022": ["全市受教育青少年21380人。"],
    }
    docs, truth = [], []
    for key, uid, year, doc_type, _ in specs:
        name = units[uid][1]
        planted = list(plans.get(key, []))
        for s in cross.get(key, []):
            if s == "_COPIED_":
                s = f"⟦copied_text|{_COPIED.format(u=name)}⟧"
            planted.append(s)
        if doc_type == "speech":
            body = [r.choice(_SPEECH_TITLES).format(u=name, y=year) + r.choice(["\n\n同志们：\n", "\n\n"]),
                    "    " + r.choice(_SPEECH_OPEN).format(u=name), "".join(planted) + "\n",
                    "    " + "".join(sorted(r.sample(_SPEECH_POINTS, 3), key=_SPEECH_POINTS.index)) + "\n"]
        else:
            fill = fillers(uid, 6) if uid != "T4" else fillers(uid, 3)
            if uid == "T4":  # the round-number unit: every figure a multiple of 100
                fill += [f"{r.choice(_OPENERS)}{act.format(n=n * r.choice([1, 2, 3]))}。" for act, n in _ROUND]
                truth.append(Truth(key, "round_numbers", None, None, ""))
            sents = fill + planted
            r.shuffle(sents)
            k = len(sents) // 3 + 1
            body = [r.choice(_TITLES).format(u=name, y=year) + "\n\n",
                    "    " + r.choice(_INTROS).format(y=year, u=name) + "\n"]
            for i, head in enumerate(r.choice(h) for h in _SECTIONS):
                body += [f"    {head}\n", "    " + "".join(sents[i * k:(i + 1) * k]) + "\n"]
            body += [f"\n{name}\n{year}年12月{r.randint(10, 28)}日\n"]
        doc = PlantedDoc(key, uid, name, year, doc_type)
        doc.text = _render(body, key, truth)
        docs.append(doc)
    units_df = pd.DataFrame([(u[0], u[1], u[2], u[3]) for u in UNITS],
                            columns=["unit_id", "unit_name", "parent_id", "level"])
    return Corpus(docs, truth, units_df)
