"""Each real sample: documents, metadata, sections found, no boilerplate left."""
import re

import pytest

from pipeline.document import iter_sections

EXPECTED = {
    # file: [(doc_type, reporting_unit, level, year, relevant)] per article
    "2015-2020_town_six-good-compilation.txt": [
        ("implementation_plan", "中共XX县XX镇委员会", "township", 2015, True),
        ("summary", "xx镇总工会", "township", None, False),
        ("implementation_plan", None, "department", None, False),
        ("self_inspection", None, "department", None, True),
        ("summary", "锁金村街道南京林业大学社区居委会", "community", None, True),
    ],
    "2020_market-regulator_work-points.txt": [("plan", "遂宁市市场监督管理局", "department", 2020, True)],
    "2021_city-committee_speech.txt": [("speech", "市关工委", "city", 2021, True)],
    "2021_econ-bureau_summary.txt": [("summary", "经济科技和信息化局", "department", 2021, True)],
    "2022_city-committee_summary-and-plan.txt": [("summary", "市关工委", "city", 2022, True)],
}

BOILERPLATE = re.compile(
    r"第\s*\d+\s*页\s*/\s*共|点击查看更多|试读结束|上一篇|下一篇|版权|copyright|ICP|免责声明|https?://|www\.|"
    r"您的位置|当前位置|\(\d+字\)|浏览次数|文档编号|上传人|由会员分享|展开阅读全文|扫一扫|加微信|转载")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_metadata(sample_results, name):
    res = sample_results[name]
    assert res.status == "ok", res.error
    got = [(d.doc_type, d.reporting_unit, d.level, d.year, d.relevant) for d in res.documents]
    assert got == EXPECTED[name]
    assert [d.article for d in res.documents] == list(range(len(EXPECTED[name])))


def test_nine_documents(sample_results):
    assert sum(len(r.documents) for r in sample_results.values()) == 9


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_no_boilerplate_survives(sample_results, name):
    for doc in sample_results[name].documents:
        for line in doc.text.split("\n"):
            assert not BOILERPLATE.search(line), f"{name}#{doc.article}: {line[:60]}"


def test_report_content_kept(sample_results):
    """Cleaning keeps every line of report content (spot checks across the files)."""
    text = {n: "".join(d.text for d in r.documents) for n, r in sample_results.items()}
    assert "特此报告" in text["2021_econ-bureau_summary.txt"]
    assert "市直机关工委:" in text["2021_econ-bureau_summary.txt"]
    assert "关工委2022年工作总结暨2023年工作安排" in text["2022_city-committee_summary-and-plan.txt"]
    assert "(6373字)" not in text["2022_city-committee_summary-and-plan.txt"]
    assert "11.抓好宣传总结" in text["2020_market-regulator_work-points.txt"]
    assert "2015年5月22日" in text["2015-2020_town_six-good-compilation.txt"]


def test_extra_metadata(sample_results):
    econ = sample_results["2021_econ-bureau_summary.txt"].documents[0]
    assert econ.recipient == "市直机关工委"
    assert econ.years == {"covered": [2021], "planned": [2022]}  # 来年工作思路
    city = sample_results["2022_city-committee_summary-and-plan.txt"].documents[0]
    assert city.years == {"covered": [2022], "planned": [2023]}  # 总结暨2023年工作安排
    plan = sample_results["2020_market-regulator_work-points.txt"].documents[0]
    assert plan.issued == "2020-04-21" and plan.recipient == "局机关各科室、各直属事业单位"
    town = sample_results["2015-2020_town_six-good-compilation.txt"].documents[0]
    assert town.issued == "2015-05-22"
    assert "reporting_unit" in town.anonymised  # XX县XX镇 kept as written, marked
    inspection = sample_results["2015-2020_town_six-good-compilation.txt"].documents[3]
    assert inspection.recipient == "区关工委"
    union = sample_results["2015-2020_town_six-good-compilation.txt"].documents[1]
    assert "工会" in union.relevance_reason


def _roles(doc):
    return {s.role for s in iter_sections(doc.sections)}


def test_problems_and_next_steps_sections(sample_results):
    econ = sample_results["2021_econ-bureau_summary.txt"].documents[0]
    secs = {s.role: s for s in iter_sections(econ.sections)}
    assert {"problems", "next_steps", "achievements"} <= _roles(econ)
    assert "队伍建设有待加强" in econ.text[secs["problems"].start:secs["problems"].end]
    assert "继续吸纳" in econ.text[secs["next_steps"].start:secs["next_steps"].end]
    inspection = sample_results["2015-2020_town_six-good-compilation.txt"].documents[3]
    probs = [s for s in iter_sections(inspection.sections) if s.role == "problems"]
    assert probs and "经费不足" in inspection.text[probs[0].start:probs[0].end]
    plan = sample_results["2020_market-regulator_work-points.txt"].documents[0]
    items = [s for s in iter_sections(plan.sections) if s.marker.startswith(tuple("0123456789"))]
    assert len(items) == 11 and all(s.role == "next_steps" for s in items)


def test_sentences_and_paragraphs(sample_results):
    doc = sample_results["2022_city-committee_summary-and-plan.txt"].documents[0]
    assert doc.paragraphs and doc.sentences
    for a, b in doc.sentences:
        assert doc.text[a:b].strip() == doc.text[a:b]
    s = doc.sentence_at(doc.text.index("1850名"))
    assert doc.text[s[0]:s[1]].startswith("通过各种渠道协调筹措帮扶资金")
