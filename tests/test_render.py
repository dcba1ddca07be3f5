"""Excel and Word outputs (and the HTML page's static safety) on the example and real runs."""
import json
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from docx import Document as open_docx
from openpyxl import load_workbook

from pipeline import labels_zh as zh
from pipeline import render_docx, render_html, render_xlsx
from pipeline.consolidation import Consolidation

SAMPLES = Path(__file__).resolve().parents[1] / "corpus" / "samples"
SHEETS = ["单位", "数量明细", "分类汇总", "层级汇总", "缺口清单", "存在问题", "审计提示"]


@pytest.fixture(scope="module")
def example():
    return Consolidation.example()


def rows_of(ws):
    header = [c.value for c in ws[1]]
    return [dict(zip(header, [c.value for c in row])) for row in ws.iter_rows(min_row=2)]


# --- labels ------------------------------------------------------------------------

def test_labels_cover_contract_keys():
    assert zh.category("care_assistance") == "关爱帮扶"
    assert zh.category("rural_revitalization_service") == "服务大局/乡村振兴"
    assert len(zh.CATEGORY) == 16 and len(zh.FLAG_TYPE) == 11
    assert zh.label("gap_type", "missing_submission") == "未提交报告"
    assert zh.category("关爱帮扶") == "关爱帮扶"  # already-Chinese values pass through
    assert zh.label("kind", None) == "" and zh.label("kind", float("nan")) == ""


@pytest.mark.parametrize("args, expected", [
    (("people", 1200, 1200, 1200, 1, 0, 0), "1200人"),
    (("funds", 0, 200000, 210000, 0, 1, 0), "约20万–21万元"),
    (("funds", 0, 35000, 35000, 0, 1, 0), "约3.5万元"),
    (("person_times", 3000, 3000, 3000, 1, 0, 2), "3000人次，另有2处数字被隐去"),
    (("events", 0, 0, 0, 0, 0, 1), "数字被隐去（1处）"),
    (("funds", 3.5e8, 3.5e8, 3.5e8, 1, 0, 0), "3.5亿元"),
])
def test_describe_total(args, expected):
    assert zh.describe_total(*args) == expected


# --- Excel -------------------------------------------------------------------------

def test_xlsx_sheets_headers_numbers(example, tmp_path):
    path = render_xlsx.write(example, tmp_path / "consolidated.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames[:7] == SHEETS
    for name in SHEETS:
        ws = wb[name]
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
        assert all(re.search(r"[\u4e00-\u9fff]", str(c.value)) for c in ws[1])
    q = rows_of(wb["数量明细"])
    assert len(q) == 5
    first = q[0]
    assert first["数值"] == 1200 and isinstance(first["数值"], int)
    assert first["工作类别"] == "关爱帮扶" and first["数量类型"] == "人数" and first["性质"] == "已完成"
    assert isinstance(q[1]["下限"], int) and q[1]["约数"] == "是"
    assert q[2]["已隐去"] == "是" and q[2]["数值"] is None
    cats = rows_of(wb["分类汇总"])
    people = next(r for r in cats if r["数量类型"] == "人数")
    assert people["精确合计"] == 1250 and people["单位数"] == 2
    times = next(r for r in cats if r["数量类型"] == "人次")
    assert times["合计（文字）"] == "约2700–3300人次"  # never merged into 人数
    gaps = rows_of(wb["缺口清单"])
    assert {g["缺口类型"] for g in gaps} == {"工作要点未覆盖", "缺少关键数字", "目标未达成", "未提交报告"}
    assert any(g["项目"] == "经费" for g in gaps)
    units = rows_of(wb["单位"])
    assert [u["已提交报告"] for u in units] == ["否", "是", "是"]
    assert units[1]["上级单位"] == "示例市关工委"
    flags = rows_of(wb["审计提示"])
    assert flags[1]["提示类型"] == "分项之和与合计不符"


def test_xlsx_rows_spooled_in_chunks_read_back_alike_and_leave_no_spool(example, tmp_path):
    """A sheet's rows go through a temporary file a chunk at a time: rows split over many
    chunks read back as written in one, and the temporary folder is gone."""
    def sheets(path):
        wb = load_workbook(path)
        return {n: [[c.value for c in r] for r in wb[n].iter_rows()] for n in wb.sheetnames}
    one = sheets(render_xlsx.write(example, tmp_path / "one" / "c.xlsx"))
    many = sheets(render_xlsx.write(example, tmp_path / "many" / "c.xlsx", chunk=2))
    assert one == many and len(one["数量明细"]) == 6 and len(one["审计提示"]) > 2
    assert [p.name for p in (tmp_path / "many").iterdir()] == ["c.xlsx"]


def test_xlsx_column_widths_count_cjk_double(example, tmp_path):
    wb = load_workbook(render_xlsx.write(example, tmp_path / "c.xlsx"))
    ws = wb["数量明细"]
    header = [c.value for c in ws[1]]
    col = lambda name: ws.column_dimensions[chr(ord("A") + header.index(name))].width  # noqa: E731
    assert col("原句") >= 2 * len("全年共资助困难学生1200名，发放助学金20余万元。") - 10
    assert col("原句") <= render_xlsx.MAX_WIDTH
    assert col("年度") < col("单位名称")
    assert render_xlsx.display_width("关工委ab") == 8


def test_xlsx_untrusted_text_is_not_a_formula(tmp_path):
    cons = Consolidation.example()
    cons.problems.loc[0, "text"] = "=HYPERLINK(\"http://evil\",\"x\")\x07"
    wb = load_workbook(render_xlsx.write(cons, tmp_path / "c.xlsx"))
    cell = next(c for c in wb["存在问题"]["C"] if str(c.value).startswith("=HYPERLINK"))
    assert cell.data_type == "s" and "\x07" not in cell.value


def test_empty_consolidation_renders_everything(tmp_path):
    empty = Consolidation.empty()
    wb = load_workbook(render_xlsx.write(empty, tmp_path / "e.xlsx"))
    assert wb.sheetnames == SHEETS and wb["数量明细"].max_row == 1
    doc = open_docx(render_docx.write(empty, tmp_path / "e.docx"))
    assert "工作汇总报告" in doc.paragraphs[0].text
    assert "<script" in render_html.write(empty, tmp_path / "e.html").read_text("utf-8")


# --- Word --------------------------------------------------------------------------

def test_docx_draft(example, tmp_path):
    doc = open_docx(render_docx.write(example, tmp_path / "consolidated-report.docx"))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert doc.paragraphs[0].text == "关心下一代工作委员会2022年度工作汇总报告（草稿）"
    assert "本次汇总共收到2个单位的2份材料" in text
    assert "（一）关爱帮扶" in text
    # people and person-times are separate; money keeps its interval caveat
    assert "人数1250人" in text and "人次约2700–3300人次" in text and "经费约20万–21万元" in text
    assert "3950" not in text and "4550" not in text
    assert "数字被隐去（1处）" in text
    assert "一是经费不足。共2个单位反映：甲县关工委、乙县关工委。" in text
    assert "工作要点未覆盖" in text and "目标未达成" in text and "未提交报告" in text
    table = [[c.text for c in row.cells] for row in doc.tables[0].rows]
    assert table[0] == ["单位", "人数", "人次", "经费（元）"]
    assert table[1] == ["甲县关工委", "1200人", "", "约20万–21万元"]


def test_docx_never_adds_targets(example, tmp_path):
    cons = Consolidation.example()
    extra = cons.quantities.iloc[[0]].copy()
    extra["role"], extra["value"], extra["low"], extra["high"] = "target", 1500.0, 1500.0, 1500.0
    cons.quantities = pd.concat([cons.quantities, extra], ignore_index=True)
    text = "\n".join(p.text for p in open_docx(render_docx.write(cons, tmp_path / "t.docx")).paragraphs)
    assert "人数1250人" in text and "2750" not in text
    assert "另有1处数字为目标或计划数" in text


# --- HTML (static checks; behaviour is tested in a browser in test_html_browser.py) -

def test_html_is_self_contained_and_escapes_data(example, tmp_path):
    html = render_html.write(example, tmp_path / "report.html").read_text("utf-8")
    assert html.count("<script") == 2 and "<script>alert(1)" not in html
    assert "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in html
    assert not re.search(r"(?:src|href)=[\"']https?:", html) and "@import" not in html
    assert "innerHTML" not in html
    blob = html.split('<script type="application/json" id="data">')[1].split("</script>")[0]
    data = json.loads(blob)
    q = render_html.rows(data["quantities"])[1]
    assert q["sent"][q["ms"]:q["me"]] == q["text"] == "20余万元"


def test_html_mark_falls_back_to_search():
    assert render_html._mark("发放助学金20余万元。", "20余万元", 99, 5) == (5, 10)
    assert render_html._mark("没有这个数", "20名", None, None) == (-1, -1)


# --- a real run over the samples ---------------------------------------------------

@pytest.fixture(scope="module")
def real_run(tmp_path_factory):
    run = pytest.importorskip("pipeline.run")
    from pipeline.cli import build_parser

    out = tmp_path_factory.mktemp("run")
    args = build_parser().parse_args(["run", str(SAMPLES), "-o", str(out)])
    assert run.main(args) in (0, 1)
    return out


def test_real_run_outputs_open(real_run):
    wb = load_workbook(real_run / "consolidated.xlsx")
    assert wb.sheetnames[:7] == SHEETS
    units = rows_of(wb["单位"])
    assert len(units) >= 3
    problems = rows_of(wb["存在问题"])
    assert {"经费不足", "人员兼职/力量薄弱"} <= {p["问题主题"] for p in problems}
    with zipfile.ZipFile(real_run / "consolidated-report.docx") as z:
        assert "word/document.xml" in z.namelist()
    text = "\n".join(p.text for p in open_docx(real_run / "consolidated-report.docx").paragraphs)
    assert "经费不足" in text
    html = (real_run / "report.html").read_text("utf-8")
    assert "申光堰" not in html and "申光堰" not in text  # children's names masked upstream



def test_tables_past_the_limits_are_cut_and_say_where_the_rest_is(tmp_path, monkeypatch):
    """Excel sheets stop at Excel's row limit, the page's tables at DETAIL_ROWS; each cut
    is noted, and totals still come from every row (limits made small here)."""
    from pipeline import details

    cons = Consolidation.example()
    full = render_html.payload(cons)
    monkeypatch.setattr(render_xlsx, "MAX_ROWS", 2)
    monkeypatch.setattr(details, "DETAIL_ROWS", 2)
    render_xlsx.write(cons, tmp_path / "c.xlsx")
    wb = load_workbook(tmp_path / "c.xlsx", read_only=True)
    assert wb["层级汇总"].max_row == 1 + 2 and wb["缺口清单"].max_row == 1 + 2
    notes = {r[0]: r[1] for r in wb["说明"].iter_rows(min_row=2, values_only=True)}
    assert f"共{len(cons.aggregates)}行" in notes["层级汇总"]
    assert "data/aggregates.parquet" in notes["层级汇总"]
    cut = render_html.payload(cons)
    assert cut["aggregates"]["n"] == 2 and cut["gaps"]["n"] == 2
    assert any(n.startswith("各单位汇总") and f"共{len(cons.aggregates)}条" in n for n in cut["notes"])
    assert cut["totals"] == full["totals"] and not full["notes"]


def test_word_unit_tables_are_cut_with_a_note(monkeypatch):
    monkeypatch.setattr(render_docx, "MAX_UNIT_ROWS", 1)
    doc = render_docx.build(Consolidation.example())
    cut = [p.text for p in doc.paragraphs if p.text.startswith("（以上仅列出前1行")]
    assert cut and "层级汇总" in cut[0]
    # the example's 关爱帮扶 table has two units (甲县, 乙县): one row is left under the header
    assert min(len(t.rows) for t in doc.tables) == 2
