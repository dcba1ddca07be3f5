"""The same report as UTF-8/GB18030/UTF-16 text, .docx and .pdf gives the same documents."""
import re

import pytest

from pipeline.process import process_file
from reportgen import REPORT, write_docx, write_docx_with_table, write_pdf, write_txt

ENCODINGS = ["utf-8", "utf-8-sig", "gb18030", "utf-16", "utf-16-le", "utf-16-be"]


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


@pytest.fixture(scope="module")
def variants(tmp_path_factory):
    d = tmp_path_factory.mktemp("formats")
    files = {enc: write_txt(d / f"report-{enc}.txt", enc) for enc in ENCODINGS}
    files["docx"] = write_docx(d / "report.docx")
    files["pdf"] = write_pdf(d / "report.pdf")
    return {k: process_file(p) for k, p in files.items()}


def _meta(doc):
    return (doc.title, doc.doc_type, doc.reporting_unit, doc.level, doc.recipient, doc.year,
            doc.years, doc.issued, doc.relevant)


def test_all_formats_read(variants):
    for k, res in variants.items():
        assert res.status == "ok", (k, res.error)
        assert len(res.documents) == 1


def test_same_text_and_metadata(variants):
    ref = variants["utf-8"].documents[0]
    assert _squash(ref.text) == _squash(REPORT)
    for k, res in variants.items():
        doc = res.documents[0]
        assert _squash(doc.text) == _squash(ref.text), k
        assert _meta(doc) == _meta(ref), k


def test_expected_metadata(variants):
    doc = variants["gb18030"].documents[0]
    assert doc.doc_type == "summary" and doc.year == 2023 and doc.issued == "2023-12-20"
    assert doc.reporting_unit == "XX县关心下一代工作委员会" and doc.level == "county"
    assert doc.recipient == "市关工委"
    assert variants["gb18030"].documents[0].encoding == "gb18030"


def test_same_sections(variants):
    def sig(doc):
        from pipeline.document import iter_sections
        return [(s.level, s.role, _squash(s.heading)) for s in iter_sections(doc.sections)]
    ref = sig(variants["utf-8"].documents[0])
    assert ("problems" in {r for _, r, _ in ref}) and ("next_steps" in {r for _, r, _ in ref})
    for k in ("docx", "pdf", "utf-16"):
        assert sig(variants[k].documents[0]) == ref, k


def test_fullwidth_normalised_for_matching(variants):
    doc = variants["utf-8"].documents[0]
    i = doc.text.index("（一）")
    assert doc.norm[i:i + 3] == "(一)" and len(doc.norm) == len(doc.text)


def test_traditional_text_simplified_for_analysis(tmp_path):
    from opencc import OpenCC

    trad = OpenCC("s2t").convert(REPORT)
    assert trad != REPORT
    res = process_file(write_txt(tmp_path / "trad.txt", "utf-8", trad))
    doc = res.documents[0]
    assert doc.text == trad.strip("\n") + "\n" or _squash(doc.text) == _squash(trad)
    assert "关心下一代工作委员会" in doc.norm and len(doc.norm) == len(doc.text)
    assert doc.doc_type == "summary" and doc.year == 2023


def test_docx_table_cells_addressable(tmp_path):
    p = write_docx_with_table(tmp_path / "t.docx", ["XX区关工委2023年工作总结", "全年帮扶情况如下："],
                              ["以上数据截至12月底。"])
    doc = process_file(p).documents[0]
    assert len(doc.tables) == 1
    tab = doc.tables[0]
    assert (tab.n_rows, tab.n_cols) == (3, 3)
    cell = next(c for c in tab.cells if (c.row, c.col) == (1, 2))
    assert doc.text[cell.start:cell.end] == "35.6"
    loc = doc.locate(cell.start)
    assert (loc["table"], loc["row"], loc["col"]) == (0, 1, 2)
    assert doc.text.index("以上数据") > tab.end - 1  # document order kept


def test_docx_table_cells_become_quantities(tmp_path):
    p = write_docx_with_table(tmp_path / "t.docx", ["XX区关工委2023年工作总结",
                                                    "全年共资助学生200名，其中初中生80名、小学生120名。"])
    doc = process_file(p).documents[0]
    cells = [q for q in doc.quantities if q.get("cell")]
    money = next(q for q in cells if q["cell"]["row"] == 1 and q["cell"]["col"] == 2)
    assert money["value"] == 356000 and money["kind"] == "funds" and money["cell"]["table"] == 0
    people = next(q for q in cells if q["cell"]["row"] == 2 and q["cell"]["col"] == 1)
    assert people["value"] == 80 and people["kind"] == "people"
    total = next(q for q in doc.quantities if q["text"] == "200名")
    parts = [doc.quantities[i]["text"] for i in total["links"]["total_of"]]
    assert parts == ["80名", "120名"]  # prose links survive the merge with table cells


def test_quantity_surface_is_the_source_text(tmp_path):
    p = write_txt(tmp_path / "fw.txt", "utf-8", "XX县关工委2023年工作总结\n全年开展讲座１２０场，资助学生４２０名。\n")
    doc = process_file(p).documents[0]
    q = next(q for q in doc.quantities if q["value"] == 120)
    assert q["text"] == "１２０场" and doc.text[q["start"]:q["end"]] == q["text"]


def test_pdf_table_cells_become_quantities(tmp_path):
    from reportgen import write_pdf_with_table

    p = write_pdf_with_table(tmp_path / "t.pdf", ["XX区关工委2023年工作总结", "全年帮扶情况见下表。"])
    doc = process_file(p).documents[0]
    assert len(doc.tables) == 1 and (doc.tables[0].n_rows, doc.tables[0].n_cols) == (3, 3)
    cells = {(q["cell"]["row"], q["cell"]["col"]): q for q in doc.quantities if q.get("cell")}
    assert cells[(1, 2)]["value"] == 356000 and cells[(1, 2)]["kind"] == "funds"
    assert cells[(2, 1)]["value"] == 80 and cells[(2, 1)]["kind"] == "people"
    assert "慰问" in (cells[(2, 1)]["subject"] or "")
    loc = doc.locate(cells[(1, 2)]["start"])
    assert (loc["page"], loc["table"], loc["row"], loc["col"]) == (1, 0, 1, 2)
    assert "全年帮扶情况见下表" in doc.text and doc.text.count("35.6") == 1  # table text not doubled
