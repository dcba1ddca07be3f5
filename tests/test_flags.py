"""extractors/flags.py on fresh sentences, with hand-built quantity mentions.

The quantity dicts are built by a tiny test-only parser (Arabic numerals only) that fills
the schema of docs/ARCHITECTURE.md, so these tests do not depend on extractors/quantities.py.
"""
import re

import pytest

from extractors.flags import document_flags

_UNITS = {"名": "people", "人次": "person_times", "人": "people", "位": "people", "个": "organizations",
          "家": "organizations", "所": "organizations", "场次": "events", "场": "events",
          "次": "events", "期": "events", "篇": "items", "份": "items", "万元": "funds",
          "元": "funds", "%": "percent", "个百分点": "percent"}
_Q = re.compile(r"(近|约|超过)?(xx|XX|\d+(?:\.\d+)?)(余|多)?(万)?(个百分点|人次|场次|[名人位个家所场次期篇份元%])")


def quantities(text):
    out = []
    for m in _Q.finditer(text):
        pre, num, suf, wan, unit = m.groups()
        kind = _UNITS[unit]
        mult = 10000 if wan else 1
        unit = (wan or "") + unit
        if num.lower() == "xx":
            out.append(dict(text=m.group(0), start=m.start(), end=m.end(), value=None, low=None,
                            high=None, unit=unit, kind=kind, approx=False, redacted=True,
                            role="achieved", links={}))
            continue
        v = float(num) * mult
        if "." in num:
            step = 10 ** -len(num.split(".")[1]) * mult
        else:
            step = 10 ** (len(num) - len(num.rstrip("0"))) * (1 if mult == 1 else 1)
            step = mult if mult > 1 else step
        lo, hi = v, v
        if pre == "近":
            lo = 0.9 * v
        elif pre == "约":
            lo, hi = 0.9 * v, 1.1 * v
        elif suf or pre == "超过":
            hi = v + step
        approx = bool(pre or suf)
        out.append(dict(text=m.group(0), start=m.start(), end=m.end(), value=None if approx else v,
                        low=lo, high=hi, unit=unit, kind=kind, approx=approx, redacted=False,
                        role="achieved", links={}))
    return out


def sentences(text):
    out, s = [], 0
    for m in re.finditer(r"[。！？!?]", text):
        out.append((s, m.end()))
        s = m.end()
    if s < len(text):
        out.append((s, len(text)))
    return out


def flags(text, qs=None, type_=None):
    qs = quantities(text) if qs is None else qs
    fl = document_flags(text, qs, sentences(text), doc_id="d:0", source="t.txt")
    return [f for f in fl if type_ is None or f["type"] == type_]


def only(text, type_):
    fl = flags(text, type_=type_)
    assert len(fl) == 1, fl
    return fl[0]


def test_redacted_and_vague():
    text = "通过各种渠道筹措帮扶资金xx万元，结成帮扶对子800多个，发放资料近8000份。"
    fl = flags(text)
    red = [f for f in fl if f["type"] == "redacted"]
    vague = [f for f in fl if f["type"] == "vague"]
    assert [f["spans"][0]["text"] for f in red] == ["xx万元"]
    assert red[0]["severity"] == "info" and red[0]["spans"][0]["doc_id"] == "d:0"
    assert [f["spans"][0]["text"] for f in vague] == ["800多个", "近8000份"]
    assert vague[0]["expected"] == "区间 [800, 900]"
    assert vague[1]["expected"] == "区间 [7200, 8000]"
    assert not [f for f in fl if f["type"] not in ("redacted", "vague")]


def test_sum_mismatch_enumeration_then_total():
    f = only("全年举办报告会12场、座谈会8场、参观活动5场，共开展活动24场。", "sum_mismatch")
    assert f["expected"] == "各项之和 = 25，文中合计 = 24"
    assert f["severity"] == "error"
    assert [s["text"] for s in f["spans"]] == ["24场", "12场", "8场", "5场"]


def test_sum_consistent_is_silent():
    assert not flags("全年举办报告会12场、座谈会8场、参观活动5场，共开展活动25场。", type_="sum_mismatch")
    # people of another kind in between are not parts
    assert not flags("培训家长120人、教师80人，发放资料500份，合计培训200人。", type_="sum_mismatch")


def test_sum_mismatch_total_then_parts():
    f = only("三个社区共有五老志愿者250名，分别为120名、80名和40名。", "sum_mismatch")
    assert f["expected"] == "各项之和 = 240，文中合计 = 250"
    assert not flags("三个社区共有五老志愿者240名，分别为120名、80名和40名。", type_="sum_mismatch")


def test_sum_with_approximate_parts_uses_intervals():
    # 1200多 + 300多 ∈ [1500, 1700]: 1650 fits, 1800 does not
    assert not flags("城区1200多名、农村300多名五老，共1650名。", type_="sum_mismatch")
    f = only("城区1200多名、农村300多名五老，共1800名。", "sum_mismatch")
    assert f["severity"] == "warning"
    assert f["expected"] == "各项之和 ∈ [1500, 1700]，文中合计 = 1800"


def test_sum_rounding_tolerance_from_wan():
    # 1.2万 means [11500, 12500]: 8000+4300 = 12300 fits
    assert not flags("城区8000人、农村4300人，共1.2万人。", type_="sum_mismatch")
    assert only("城区8000人、农村4800人，共1.2万人。", "sum_mismatch")["expected"] == \
        "各项之和 = 12800，文中合计 = 12000"


def test_sum_uses_extractor_links():
    text = "报告会12场，座谈会8场。全年活动总数21场。"
    qs = quantities(text)
    qs[2]["links"] = {"total_of": [0, 1]}
    f = flags(text, qs, "sum_mismatch")
    assert len(f) == 1 and f[0]["expected"] == "各项之和 = 20，文中合计 = 21"
    assert f[0]["detail"]["how"] == "links"


def test_subset_exceeds_total():
    f = only("全年培训家长500人，其中留守儿童家长650人。", "subset_exceeds_total")
    assert f["expected"] == "其中部分 = 650，总数 = 500"
    assert f["severity"] == "error"
    assert not flags("全年培训家长500人，其中留守儿童家长350人、单亲家庭家长100人。", type_="subset_exceeds_total")
    # "参与其中" is not a subset cue
    assert not flags("全市有4200多名五老参与其中，帮助5000名青少年。", type_="subset_exceeds_total")
    # second part of the list is checked too
    f = only("共培训家长500人，其中父亲200人、母亲520人。", "subset_exceeds_total")
    assert f["spans"][1]["text"] == "520人"


def test_percent_grim_style():
    text = "全市150个乡镇中，已建立工作模式的有87个，占58%。"
    assert not flags(text, type_="percent_mismatch")
    f = only("全市150个乡镇中，已建立工作模式的有87个，占60%。", "percent_mismatch")
    assert f["expected"] == "87 / 150 = 58.0%，文中 = 60%"
    # stated decimals set the tolerance: 58.0% ok, 57.5% is not (87/150 = 58.00)
    assert not flags("全市150个乡镇中，已建立的有87个，占58.0%。", type_="percent_mismatch")
    assert only("全市150个乡镇中，已建立的有87个，占57.5%。", "percent_mismatch")


def test_percent_denominator_in_phrase_and_subset_and_approx():
    f = only("受助学生202人，占全校学生1000人的25%。", "percent_mismatch")
    assert f["expected"] == "202 / 1000 = 20.2%，文中 = 25%"
    assert not flags("全校共有学生1000人，其中留守儿童202人，约占20%。", type_="percent_mismatch")
    # 约 widens the tolerance to ±10 %: 202/1000 = 20.2 fits 约22%, not 约25%
    assert not flags("全校共有学生1000人，其中留守儿童202人，约占22%。", type_="percent_mismatch")
    f = only("全校共有学生1000人，其中留守儿童202人，约占25%。", "percent_mismatch")
    assert f["severity"] == "warning"
    # no denominator → no flag
    assert not flags("已建立的有87个，占58%。", type_="percent_mismatch")


def test_change_from_to():
    assert not flags("驻会人员补贴由300元提高到500元。", type_="change_mismatch")
    f = only("驻会人员补贴由500元提高到300元。", "change_mismatch")
    assert f["expected"] == "原值 = 500，新值 = 300"
    f = only("服务站由40个增加到50个，增长了30%。", "change_mismatch")
    assert f["expected"] == "(50 − 40) / 40 = 25.0%，文中 = 30%"
    assert not flags("服务站由40个增加到50个，增长了25%。", type_="change_mismatch")
    f = only("服务站由40个增加到50个，增加了12个。", "change_mismatch")
    assert f["expected"] == "50 − 40 = 10，文中 = 12个"
    assert not flags("活动场次由20场下降到15场，减少了5场。", type_="change_mismatch")


def test_change_against_last_year():
    f = only("今年共资助贫困学生1200名，比去年的1000名增加了300名。", "change_mismatch")
    assert f["expected"] == "1200 − 1000 = 200，文中 = 300名"
    assert not flags("今年共资助贫困学生1200名，比去年的1000名增加了200名。", type_="change_mismatch")
    f = only("去年举办讲座40场。今年举办讲座50场，同比增长20%。", "change_mismatch")
    assert "25.0%" in f["expected"]
    assert not flags("去年举办讲座40场。今年举办讲座50场，同比增长25%。", type_="change_mismatch")
    # a change amount with no old value stated is not checked
    assert not flags("挂牌的校外教育阵地已119个。最近7年来，增加了77个。", type_="change_mismatch")


@pytest.mark.parametrize("text", [
    "全市有12万名青少年参加，获得表彰先进集体11个、优秀个人55名。",
    "调整乡镇关工委干部56名、村关工小组366个，建立五老人才数据库12个。",
    "五好达标率85%、巩固率90%。",
    "举办家风家训报告会320场次，受教育家长和青少年2万多人。",
])
def test_ordinary_sentences_raise_no_arithmetic_flags(text):
    assert not [f for f in flags(text) if f["type"] not in ("redacted", "vague")]


def test_flag_schema():
    f = only("全年举办报告会12场、座谈会8场，共开展活动21场。", "sum_mismatch")
    assert set(f) == {"type", "severity", "message", "quantities", "spans", "expected", "detail"}
    assert f["quantities"] == [2, 0, 1]
    assert all(set(s) == {"doc_id", "source", "start", "end", "text"} for s in f["spans"])
    assert f["message"].endswith("。")


def test_percent_whole_named_in_words_is_not_guessed():
    # "占社区“五老”总人数20%": the whole is 五老, not the population stated before → no check
    text = "总人口4067人，其中老人998人，占社区总人口24.5%，参加“五老”志愿者人数为202人，占社区“五老”总人数20%。"
    assert not flags(text, type_="percent_mismatch")
    f = only(text.replace("24.5%", "22.1%"), "percent_mismatch")
    assert f["expected"] == "998 / 4067 = 24.54%，文中 = 22.1%"


def test_single_linked_part_is_a_subset():
    text = "全县150所中小学中，已建立关工组织的有187所。"
    qs = quantities(text)
    qs[0]["links"] = {"total_of": [1]}
    f = flags(text, qs, "subset_exceeds_total")
    assert len(f) == 1 and f[0]["expected"] == "其中部分 = 187，总数 = 150"
