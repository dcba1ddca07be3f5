"""Problem statements: split from problems sections and cue sentences, themed by lexicon."""
from pathlib import Path

import pytest

from extractors.problems import classify_theme, extract_problems, theme_model
from pipeline.document import Section

SAMPLES = Path(__file__).resolve().parents[1] / "corpus" / "samples"


def texts_and_themes(items):
    return [(p["text"], p["theme"]) for p in items]


def test_theme_model_is_packaged_with_all_themes():
    names = [name for name, _ in theme_model()]
    assert names == ["经费不足", "人员兼职/力量薄弱", "队伍老化/老同志年龄偏大", "认识不到位/重视不够",
                     "活动阵地缺乏", "工作发展不平衡", "机制不健全", "创新不足", "宣传不够"]


@pytest.mark.parametrize("statement, theme", [
    ("基层关工委普遍缺少工作经费", "经费不足"),
    ("乡镇关工委干部多为兼职，精力有限", "人员兼职/力量薄弱"),
    ("五老队伍年龄偏大，后继乏人", "队伍老化/老同志年龄偏大"),
    ("个别单位领导对关心下一代工作重视不够", "认识不到位/重视不够"),
    ("村级关工小组没有固定的活动场所", "活动阵地缺乏"),
    ("各乡镇之间工作发展不平衡，差距较大", "工作发展不平衡"),
    ("部门之间协调联动机制不健全", "机制不健全"),
    ("活动形式单一，缺乏创新", "创新不足"),
    ("对典型经验的宣传报道不够", "宣传不够"),
    ("天气炎热影响了部分户外活动", "other"),
])
def test_classify_theme(statement, theme):
    assert classify_theme(statement) == theme


def test_section_with_numbered_items_and_next_steps_cut():
    text = ("一、主要工作\n开展活动20场。\n"
            "二、存在的问题\n"
            "（一）经费保障不到位，活动经费主要靠自筹；\n"
            "（二）五老队伍年龄结构老化。\n"
            "针对上述问题，明年我们将积极争取财政支持。\n")
    a = text.index("二、存在")
    sec = Section(heading="二、存在的问题", level=1, role="problems", start=a, end=len(text),
                  heading_start=a, heading_end=a + len("二、存在的问题"))
    out = extract_problems(text, [sec])
    assert texts_and_themes(out) == [
        ("经费保障不到位，活动经费主要靠自筹", "经费不足"),
        ("五老队伍年龄结构老化", "队伍老化/老同志年龄偏大"),
    ]
    for p in out:
        assert text[p["start"]:p["end"]] == p["text"]


def test_sections_as_dicts_and_inline_enumeration():
    text = "四、不足之处\n一是少数村关工委形同虚设；二是活动阵地简陋；三是信息宣传工作滞后。"
    sec = {"role": "problems", "start": 0, "end": len(text), "heading": "四、不足之处",
           "heading_end": 6, "children": []}
    assert [p["theme"] for p in extract_problems(text, [sec])] == [
        "other", "活动阵地缺乏", "宣传不够"]


def test_nested_problem_section_found_under_other_role():
    text = "二、工作情况\n（一）成绩\n开展活动。\n（二）困难和问题\n1.人员都是兼职。\n2.考核机制不健全。"
    b = text.index("（二）困难")
    child = Section(heading="（二）困难和问题", level=2, role="problems", start=b, end=len(text),
                    heading_start=b, heading_end=b + 8)
    parent = Section(heading="二、工作情况", level=1, role="achievements", start=0, end=len(text),
                     heading_start=0, heading_end=6, children=[child])
    assert [p["theme"] for p in extract_problems(text, [parent])] == [
        "人员兼职/力量薄弱", "机制不健全"]


def test_cue_sentence_outside_sections():
    text = ("全年开展活动30场。但也要清醒地看到，工作中还存在一些不足：一是部分村关工小组作用发挥不够；"
            "二是工作经费紧张。下一步我们将加强宣传。")
    out = extract_problems(text, [])
    assert texts_and_themes(out) == [
        ("部分村关工小组作用发挥不够", "other"),
        ("工作经费紧张", "经费不足"),
    ]


def test_inline_list_of_problems_is_split():
    text = "我镇关工委工作虽有进步，但仍存在经费紧张、人员兼职和活动阵地不足等问题。"
    assert [p["theme"] for p in extract_problems(text, [])] == [
        "经费不足", "人员兼职/力量薄弱", "活动阵地缺乏"]


@pytest.mark.parametrize("text", [
    "针对存在的问题，局关工委完善规章制度并及时整改。",
    "要帮助基层解决在创建工作中遇到的困难和问题。",
    "坚持问题导向，开展调查研究。",
    "我镇不存在此类问题。",
    "开展活动20场，受教育学生3000人次。",
])
def test_no_false_problems(text):
    assert extract_problems(text, []) == []


def test_econ_bureau_sample():
    text = (SAMPLES / "2021_econ-bureau_summary.txt").read_text("utf-8")
    out = extract_problems(text, [])
    assert texts_and_themes(out) == [
        ("队伍建设有待加强", "人员兼职/力量薄弱"),
        ("部分同志对关工委工作认识仍不够高", "认识不到位/重视不够"),
        ("工作经费缺乏,一些活动难于组织开展", "经费不足"),
    ]  # the next-steps paragraph (针对存在问题…) is not a problem


def test_compilation_sample_with_structure():
    structure = pytest.importorskip("extractors.structure")
    text = (SAMPLES / "2015-2020_town_six-good-compilation.txt").read_text("utf-8")
    out = extract_problems(text, structure.section_tree(text))
    assert [p["theme"] for p in out] == [
        "经费不足", "人员兼职/力量薄弱", "队伍老化/老同志年龄偏大"]
    assert out[0]["text"] == "经费不足"


def test_plans_and_speech_have_no_problems():
    for name in ("2020_market-regulator_work-points.txt", "2022_city-committee_summary-and-plan.txt"):
        text = (SAMPLES / name).read_text("utf-8")
        assert extract_problems(text, []) == []
