"""Quantity mentions, links, table cells and the quantity evaluation, on real and fresh text."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractors.links import link_quantities
from extractors.quantities import extract_quantities, merge_table_quantities
from extractors.tables import extract_table_quantities
from pipeline.eval_quantities import evaluate, format_report, read_raw

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "corpus" / "samples"
GOLD = ROOT / "corpus" / "gold"
KEYS = {"text", "start", "end", "value", "low", "high", "unit", "kind", "approx", "redacted",
        "subject", "role", "period", "sentence", "rule", "links"}


def sample(name: str) -> str:
    return read_raw(SAMPLES / name)


def by_text(qs: list[dict]) -> dict[str, dict]:
    return {q["text"]: q for q in qs}


def one(text: str) -> dict:
    qs = extract_quantities(text)
    assert len(qs) == 1, [q["text"] for q in qs]
    return qs[0]


# --- real samples -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def summary():
    t = sample("2022_city-committee_summary-and-plan.txt")
    return t, extract_quantities(t)


@pytest.fixture(scope="module")
def compilation():
    t = sample("2015-2020_town_six-good-compilation.txt")
    return t, extract_quantities(t)


def test_schema_and_offsets(summary):
    text, qs = summary
    assert qs
    for q in qs:
        assert set(q) == KEYS
        assert text[q["start"]:q["end"]] == q["text"]
        assert q["sentence"][0] <= q["start"] < q["end"] <= q["sentence"][1]
        assert set(q["links"]) == {"total_of", "part_of", "changed_from"}
        if q["redacted"]:
            assert q["value"] is None and q["low"] is None and q["high"] is None
        else:
            assert q["low"] <= q["high"]


def test_real_summary_mentions(summary):
    text, qs = summary
    q = by_text(qs)
    assert (q["4200多名"]["low"], q["4200多名"]["high"], q["4200多名"]["kind"]) == (4200, 4300, "people")
    assert q["4200多名"]["subject"] == "五老" and q["4200多名"]["approx"]
    assert q["12万名"]["value"] == 120000 and q["12万名"]["subject"] == "青少年"
    assert q["11000多人次"]["kind"] == "person_times"
    assert q["xx万余名"]["redacted"] and q["xx万余名"]["approx"] and q["xx万余名"]["value"] is None
    assert q["xx万元"]["redacted"] and q["xx万元"]["kind"] == "funds"
    assert q["500多万元"]["value"] == 5_000_000 and q["500多万元"]["unit"] == "万元"
    assert q["320场次"]["subject"] == "家风家训报告会" and q["320场次"]["kind"] == "events"
    assert q["85%"]["role"] == "status" and q["85%"]["kind"] == "percent"
    assert q["12个"]["kind"] == "items"  # 数据库12个
    # 由300元提高到500元
    i300 = next(i for i, x in enumerate(qs) if x["text"] == "300元")
    assert qs[i300 + 1]["text"] == "500元" and qs[i300 + 1]["links"]["changed_from"] == i300
    assert qs[i300]["role"] == "historical"
    surfaces = {x["text"] for x in qs}
    for slogan in ("四带头", "五走进", "六个一", "第三册", "第四届", "三位一体", "一对一"):
        assert not any(slogan in s or s in slogan for s in surfaces), slogan


def test_real_speech_links():
    qs = extract_quantities(sample("2021_city-committee_speech.txt"))
    idx = {q["text"]: i for i, q in enumerate(qs)}
    assert qs[idx["87个"]]["links"]["part_of"] == idx["150个"]
    assert qs[idx["2个"]]["links"]["part_of"] == idx["12个"]
    assert qs[idx["34个"]]["links"]["part_of"] == idx["77个"]
    assert qs[idx["77个"]]["role"] == "historical"
    assert (qs[idx["1至4个"]]["low"], qs[idx["1至4个"]]["high"], qs[idx["1至4个"]]["value"]) == (1, 4, None)
    assert qs[idx["101万元"]]["period"] == "去年"
    assert not any(q["text"] in ("三个", "七个", "四个", "四项") for q in qs)  # discourse enumerators


def test_real_compilation_totals(compilation):
    text, qs = compilation
    find = lambda t: [i for i, q in enumerate(qs) if q["text"] == t]  # noqa: E731
    # 4067人，其中60-79岁老人820人；80-89岁老人165人；90岁以上老人13人；100岁以上老人1人
    second = find("4067人")[1]
    parts = {qs[j]["text"] for j in qs[second]["links"]["total_of"]}
    assert {"820人", "165人", "13人", "1人"} <= parts
    # 共为受害者家属争取赔偿金104万元。…27万元；…42万元；…35万元
    total = find("104万元")[0]
    assert [qs[j]["value"] for j in qs[total]["links"]["total_of"]] == [270000, 420000, 350000]
    # 有一名学生…两名学生…十五名学生…共使十八名学子
    t18 = find("十八名")[0]
    assert sorted(qs[j]["value"] for j in qs[t18]["links"]["total_of"]) == [1, 2, 15]
    q = by_text(qs)
    assert (q["20余万元"]["low"], q["20余万元"]["high"]) == (200000, 300000)
    assert (q["近8000元"]["low"], q["近8000元"]["high"]) == (7200, 8000)
    assert q["约30㎡"]["kind"] == "other" and q["1257亩"]["kind"] == "other"
    assert q["4口"]["kind"] == "people"
    assert q["10%以上"]["high"] == 20
    assert not find("5篇") and not find("一套") and not find("一人")


def test_gold_fully_correct_f1():
    d = evaluate(GOLD, SAMPLES, source="direct")
    assert not d["errors"], d["errors"]
    assert d["fully_correct"]["f1"] >= 0.97, format_report(d)
    assert d["detection"]["recall"] >= 0.97
    assert d["negatives"]["n"] >= 50 and d["negatives"]["extracted"] <= 2, d["negative_hits"]


# --- fresh sentences ----------------------------------------------------------------------

FRESH = [
    ("全年共举办各类培训班36期，培训五老骨干2400余人次。",
     [("36期", 36, 36, 36, "events", False), ("2400余人次", 2400, 2400, 2500, "person_times", True)]),
    ("慰问困境儿童三百二十名，发放慰问金近五万元。",
     [("三百二十名", 320, 320, 320, "people", False), ("近五万元", 50000, 45000, 50000, "funds", True)]),
    ("参与活动的青少年达十几万人次。", [("十几万人次", None, 110000, 190000, "person_times", True)]),
    ("组织数十名老党员深入学校宣讲，上千名志愿者参与服务。",
     [("数十名", None, 20, 90, "people", True), ("上千名", None, 1000, 9000, "people", True)]),
    ("按照统一部署，两三个乡镇建立了儿童之家三四十个。",
     [("两三个", None, 2, 3, "organizations", True), ("三四十个", None, 30, 40, "organizations", True)]),
    ("举办讲座3-5场，受益群众约2000人。",
     [("3-5场", None, 3, 5, "events", True), ("约2000人", 2000, 1800, 2200, "people", True)]),
    ("参训人数1.2万人，投入资金1亿2000万元，全市3万4000名学生参加。",
     [("1.2万人", 12000, 12000, 12000, "people", False),
      ("1亿2000万元", 120_000_000, 120_000_000, 120_000_000, "funds", False),
      ("3万4000名", 34000, 34000, 34000, "people", False)]),
    ("建成一百二十个基地，百分之八十五的学校达标，比上年提高了3个百分点。",
     [("一百二十个", 120, 120, 120, "organizations", False), ("百分之八十五", 85, 85, 85, "percent", False),
      ("3个百分点", 3, 3, 3, "percent", False)]),
    ("募集善款10余万元，近百名老同志，千余人参加，赠送图书5000余册，走访120户困难家庭。",
     [("10余万元", 100000, 100000, 200000, "funds", True), ("近百名", None, 90, 100, "people", True),
      ("千余人", None, 1000, 2000, "people", True), ("5000余册", 5000, 5000, 6000, "items", True),
      ("120户", 120, 120, 120, "organizations", False)]),
    ("筹集资金30万余元，资助学生1,250名。",
     [("30万余元", 300000, 300000, 310000, "funds", True), ("1,250名", 1250, 1250, 1250, "people", False)]),
]


@pytest.mark.parametrize("text,expected", FRESH, ids=[t[:12] for t, _ in FRESH])
def test_fresh_sentences(text, expected):
    got = [(q["text"], q["value"], q["low"], q["high"], q["kind"], q["approx"])
           for q in extract_quantities(text)]
    assert got == expected


@pytest.mark.parametrize("text", [
    "通过各种渠道资助xx万元。", "帮扶XX名儿童。", "捐款××元。", "筹集**万元用于慰问。", "发放资料近xxx余份。",
])
def test_fresh_redacted(text):
    q = one(text)
    assert q["redacted"] and q["value"] is None and q["low"] is None and q["high"] is None


@pytest.mark.parametrize("text", [
    "二〇二二年三月十五日召开会议。", "联系电话：0817-2345678。", "根据关工委〔2019〕3号文件精神。",
    "详见第3页，共9页。", "组织60岁以上老人开展活动。", "纪念建国70周年，7年来，三年来持续推进。",
    "开展“五个一”活动，落实“三个到位”，坚持一个中心两个基本点。", "三位一体，一对一帮扶，发挥五老作用。",
    "这是一项重要任务，一批老同志，进行一次调查，每月检查一次。", "按照统一部署，统一思想。",
    "在第二届论坛上获得第一名。", "浏览次数：1234次", "详见 http://www.example.com/2021/15个.html 。",
    "从四个方面抓好落实，建立健全三项机制。", "贯彻党的十九届四中全会精神和“十三五”规划。",
    "镇进一步创建六好关工委实施方案(通用5篇)", "他一个人完成，不让一名学生辍学。",
])
def test_fresh_non_quantities(text):
    assert extract_quantities(text) == []


def test_fullwidth_raw_input_keeps_offsets():
    text = "资助贫困学生１２０名，发放助学金１２．５万元。"
    qs = extract_quantities(text)
    assert [(q["text"], q["value"]) for q in qs] == [("１２０名", 120), ("１２．５万元", 125000)]
    for q in qs:
        assert text[q["start"]:q["end"]] == q["text"]


@pytest.mark.parametrize("text,role", [
    ("力争到2025年覆盖率达到95%以上。", "target"),
    ("参与人数要达到退休人数的30%以上。", "target"),
    ("计划明年开展活动10场。", "plan"),
    ("去年共资助学生50名。", "historical"),
    ("最近5年来，新增基地20个。", "historical"),
    ("目前已建立关工委组织87个。", "status"),
    ("今年共资助学生50名。", "achieved"),
])
def test_roles(text, role):
    assert one(text)["role"] == role


def test_period_and_subject():
    q = one("全年共为农村留守儿童举办家庭教育讲座36场。")
    assert q["period"] == "全年" and q["subject"] == "家庭教育讲座"
    q = one("上半年组织1200多名五老参加宣讲。")
    assert q["period"] == "上半年" and q["subject"] == "五老"


@pytest.mark.parametrize("text,subject,kind", [
    # a governing verb before the object is not part of it ("新建" is tagged as a place name)
    ("今年新建乡村少年宫12个。", "乡村少年宫", "organizations"),
    ("资助单亲家庭子女35名。", "单亲家庭子女", "people"),
    ("力争儿童之家覆盖率达到90%以上。", "儿童之家覆盖率", "percent"),
    # ...but the same verb ending the phrase names the activity
    ("协调医院开展视力筛查8次。", "视力筛查", "events"),
    # a domain word from the user dictionary stays whole; a people word heads no place
    ("各镇建立儿童之家三四十个。", "儿童之家", "organizations"),
])
def test_subjects_with_the_domain_dictionary(text, subject, kind):
    q = one(text)
    assert (q["subject"], q["kind"]) == (subject, kind)


# --- links --------------------------------------------------------------------------------

def test_links_qizhong_and_in_of():
    qs = extract_quantities("共资助学生120名，其中小学生80名，初中生30名，高中生10名。全市500个村中，已建立关工小组的有420个，占84%。")
    assert qs[0]["links"]["total_of"] == [1, 2, 3]
    assert all(qs[i]["links"]["part_of"] == 0 for i in (1, 2, 3))
    assert qs[5]["links"]["part_of"] == 4 and qs[6]["links"]["part_of"] is None  # 84% is not a part


def test_links_changes():
    qs = extract_quantities("活动经费由每年2万元增加到5万元，志愿者从300人增至500人。")
    assert qs[1]["links"]["changed_from"] == 0 and qs[3]["links"]["changed_from"] == 2
    assert qs[0]["links"]["changed_from"] is None


def test_links_enumeration_total_before_and_after():
    qs = extract_quantities("表彰先进集体10个、优秀组织5个，共计15个。投入资金20万元。其中市级10万元。")
    assert qs[2]["links"]["total_of"] == [0, 1]
    qs = extract_quantities("共争取资金9万元。甲村获得4万元；乙村获得5万元。另有捐款7万元。")
    assert qs[0]["links"]["total_of"] == [1, 2] and qs[3]["links"]["part_of"] is None


def test_link_function_is_pure_and_idempotent():
    qs = extract_quantities("全县共有组织1100个，其中村级组织860个。")
    before = json.dumps(qs, sort_keys=True)
    link_quantities("全县共有组织1100个，其中村级组织860个。", qs)
    assert json.dumps(qs, sort_keys=True) == before


# --- tables -------------------------------------------------------------------------------

def _table(rows: list[list[str]]) -> tuple[str, list[dict]]:
    text, cells = "表1\n", []
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            cells.append({"row": r, "col": c, "start": len(text), "end": len(text) + len(v)})
            text += v + "\t"
        text += "\n"
    return text, [{"index": 0, "n_rows": len(rows), "n_cols": len(rows[0]), "cells": cells}]


def test_tables():
    text, tables = _table([
        ["单位", "帮扶人数", "资助金额(万元)", "活动场次", "覆盖率", "序号"],
        ["A县", "120", "3.5", "12", "85%", "1"],
        ["B县", "80人", "xx", "约10", "90%", "2"],
        ["合计", "200", "5.5", "22", "", "3"],
    ])
    qs = extract_table_quantities(text, tables)
    got = {(q["cell"]["row"], q["cell"]["col"]): q for q in qs}
    assert not any(c == 5 for _, c in got)  # 序号 column skipped
    assert got[(1, 1)]["kind"] == "people" and got[(1, 1)]["subject"] == "A县·帮扶人数"
    assert got[(1, 2)]["value"] == 35000 and got[(1, 2)]["kind"] == "funds"
    assert got[(2, 2)]["redacted"] and got[(2, 2)]["value"] is None
    assert got[(2, 3)]["approx"] and got[(2, 3)]["kind"] == "events"
    assert got[(1, 4)]["kind"] == "percent" and got[(1, 4)]["value"] == 85
    for q in qs:
        assert text[q["start"]:q["end"]] == q["text"] and set(q) == KEYS | {"cell"}
    total = qs.index(got[(3, 1)])
    assert sorted(qs[j]["cell"]["row"] for j in qs[total]["links"]["total_of"]) == [1, 2]


def test_merge_prose_and_table_links():
    prose_text = "共资助学生120名，其中小学生80名。\n"
    text, tables = _table([["单位", "人数"], ["A", "5"], ["B", "6"], ["合计", "11"]])
    text = prose_text + text
    for c in tables[0]["cells"]:
        c["start"] += len(prose_text)
        c["end"] += len(prose_text)
    table_qs = extract_table_quantities(text, tables)
    prose = [q for q in extract_quantities(text) if q["start"] < len(prose_text)]
    merged = merge_table_quantities(prose, table_qs, inline=False)
    assert [q["text"] for q in merged] == ["120名", "80名", "5", "6", "11"]
    assert merged[1]["links"]["part_of"] == 0 and merged[4]["links"]["total_of"] == [2, 3]
    assert "inline" not in merged[2]["cell"]


def test_tab_separated_table_in_text():
    text = ("前言\n\t一、加强组织领导，开展活动12场\n\t二、培训五老300人\n附表\n"
            "类别\t活动场次（场）\t参与人数（人）\n家庭教育\t20\t47\n宣传信息\t5\t49\n合计\t25\t96\n")
    qs = extract_quantities(text)
    assert [q["text"] for q in qs[:2]] == ["12场", "300人"]  # tab-indented prose is not a table
    cells = [q for q in qs if "cell" in q]
    assert [(q["text"], q["kind"]) for q in cells] == [
        ("20", "events"), ("47", "people"), ("5", "events"), ("49", "people"), ("25", "events"), ("96", "people")]
    total = qs.index(cells[-1])
    assert [qs[j]["text"] for j in qs[total]["links"]["total_of"]] == ["47", "49"]
    assert all(q["cell"]["inline"] for q in cells)


def test_one_in_enumerations_and_as_article():
    assert [q["text"] for q in extract_quantities("建成一个基地、两个站点。")] == ["一个", "两个"]
    assert [q["text"] for q in extract_quantities("评出一等奖一名、二等奖两名。")] == ["一名", "两名"]
    assert extract_quantities("确保帮扶对象不漏一人。涌现出一批热心关爱下一代的老同志。") == []


# --- the evaluation itself can fail -------------------------------------------------------

def test_evaluation_detects_wrong_and_missing(tmp_path):
    src = "2021_econ-bureau_summary.txt"
    rows = [json.loads(x) for x in (GOLD / "2021_econ-bureau_summary.jsonl").read_text("utf-8").splitlines() if x]
    rows[2]["low"], rows[2]["kind"] = 300, "items"  # 数百名: a wrong kind
    rows.append(dict(rows[0], text="参观", context="学生参观土桥储备粮仓库"))  # not a quantity
    rows.append(dict(rows[0], text="无", context="这段话不在文件里"))  # cannot be located
    (tmp_path / "x.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")
    d = evaluate(tmp_path, SAMPLES, source="direct")
    assert d["fully_correct"]["f1"] < 1.0
    assert [w["text"] for w in d["wrong"]] == ["数百名"]
    assert [m["text"] for m in d["missed"]] == ["参观"]
    assert len(d["errors"]) == 1 and src in d["errors"][0]
    assert "missed" in format_report(d)
