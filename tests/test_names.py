"""Children's names: found by context, masked as 申**; adults and places untouched."""
from pathlib import Path

import pytest

from extractors.names import find_child_names, mask, mask_children, surnames

SAMPLES = Path(__file__).resolve().parents[1] / "corpus" / "samples"


def names_in(text: str) -> list[str]:
    return [text[s:e] for s, e in find_child_names(text)]


@pytest.mark.parametrize("text, expected", [
    ("学校组织师生为贫困学生吴晓丽捐款，共筹集善款3000元。", ["吴晓丽"]),
    ("镇关工委走访了留守儿童马俊、杨小雨，送去了学习用品。", ["马俊", "杨小雨"]),
    ("患病学生黄思远身患白血病，五老们纷纷伸出援手。", ["黄思远"]),
    ("重病儿童郭子涵家庭困难，社区为其募集医疗费。", ["郭子涵"]),
    ("单亲孩子何雨桐的成绩一直名列前茅。", ["何雨桐"]),
    ("五老志愿者长期资助孤儿欧阳明月完成学业。", ["欧阳明月"]),
    ("我们了解到一名叫许嘉怡的留守儿童生活困难。", ["许嘉怡"]),
    ("受资助的罗浩然同学考上了重点大学。", ["罗浩然"]),
    ("看望贫困儿童蒋涛和宋佳，为他们送去书包。", ["蒋涛", "宋佳"]),
])
def test_children_found(text, expected):
    assert names_in(text) == expected


@pytest.mark.parametrize("text", [
    "成立了以党委书记彭涛同志为组长，李小桃、李梅为副组长的领导小组。",
    "县关工委主任王建国带队深入学校调研。",
    "邀请退休教师张桂兰为学生讲授传统文化。",
    "组织学生到张家港市参观学习，学生代表发言。",
    "全体同学参加了升旗仪式，学生宿舍卫生评比同时进行。",
    "关爱留守儿童关爱保护工作扎实推进，儿童节慰问困境儿童120名。",
    "学生王老师带队参加比赛。",
    "资助贫困学生35名，发放助学金4.2万元。",
    "慰问留家住x社区守儿童x，帮扶蒲阳小学贫困学生xxx。",
])
def test_adults_places_and_plain_text_untouched(text):
    assert find_child_names(text) == []
    assert mask_children(text) == text


def test_mask_keeps_first_character_and_length():
    text = "帮扶贫困学生申光堰，慰问贫困儿童周彬。"
    out = mask(text, find_child_names(text))
    assert out == "帮扶贫困学生申**，慰问贫困儿童周*。"
    assert len(out) == len(text)


def test_mask_handles_overlaps_and_bounds():
    assert mask("abcdef", [(0, 3), (2, 5), (5, 99)]) == "a****f"
    assert mask("abc", []) == "abc"


def test_surname_list_is_shipped():
    single, compound = surnames()
    assert {"王", "李", "张", "申", "周", "田"} <= single
    assert {"欧阳", "司马", "诸葛"} <= compound
    assert len(single) > 250


def test_econ_bureau_sample_children_masked_adults_kept():
    text = (SAMPLES / "2021_econ-bureau_summary.txt").read_text("utf-8")
    found = names_in(text)
    assert {"申光堰", "田俊函", "周彬"} <= set(found)
    masked = mask_children(text)
    for child in ("申光堰", "田俊函", "周彬"):
        assert child not in masked
    assert "申**" in masked and "田**" in masked and "周*" in masked
    for adult in ("彭涛", "李小桃", "李梅", "党斐", "郑维桐", "郑一泓"):
        assert adult in masked
    assert len(masked) == len(text)


def test_other_samples_only_children():
    found = {}
    for path in sorted(SAMPLES.glob("*.txt")):
        text = path.read_text("utf-8")
        found[path.name] = names_in(text)
    # a sick vocational-school student in the compilation; no names in the plans/speech
    assert found["2015-2020_town_six-good-compilation.txt"] == ["张琴"]
    assert found["2020_market-regulator_work-points.txt"] == []
    assert found["2021_city-committee_speech.txt"] == []
    assert found["2022_city-committee_summary-and-plan.txt"] == []
