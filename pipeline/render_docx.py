"""consolidated-report.docx: a first draft of the committee's own summary report.

Title, overview, one part per activity category (totals in words with their precision
caveats — 约, intervals, "另有N处数字被隐去" — and a table with one row per unit), the
problems the units reported (by theme, with the units naming each theme), the gaps
(plan items not covered, missing figures, unmet targets, missing submissions) and a short
list of figures to verify.  Totals come from the own-scope aggregates, one kind at a time:
person-times are never added to people, targets never to achievements.
"""
from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pandas as pd
from docx import Document as new_docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Pt
from docx.table import _Cell
from lxml import etree

from pipeline import labels_zh as zh
from pipeline import summaries
from pipeline.consolidation import Consolidation
from pipeline.render_xlsx import category_totals, cell_value

FONT = "宋体"
_NUM = "一二三四五六七八九十"
MAX_QUOTES = summaries.QUOTES  # problem statements quoted per theme
MAX_GAP_LINES = summaries.GAP_LINES  # gaps listed per gap type (all: consolidated.xlsx)
MAX_UNIT_ROWS = summaries.UNIT_ROWS  # rows of a category's table of units (all: 层级汇总)
KIND_ORDER = list(zh.KIND)
NUMS = ["exact_sum", "low_sum", "high_sum", "n_exact", "n_approx", "n_redacted"]


def _cn_index(i: int) -> str:
    return _NUM[i] if i < len(_NUM) else str(i + 1)


def _text(v: Any) -> str:
    """Untrusted text as a plain string python-docx accepts (no control characters)."""
    v = cell_value(v)
    return "" if v is None else str(v)


def _set_fonts(doc) -> None:
    for style_name in ("Normal", "Title", "Heading 1", "Heading 2", "Table Grid"):
        try:
            style = doc.styles[style_name]
        except KeyError:
            continue
        style.font.name = FONT
        rpr = style.element.get_or_add_rPr()
        rfonts = rpr.find(qn("w:rFonts"))
        if rfonts is None:
            rfonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(rfonts)
        rfonts.set(qn("w:eastAsia"), FONT)
    doc.styles["Normal"].font.size = Pt(12)


# --- fast paragraphs and table rows -------------------------------------------------------
# python-docx builds every element through generic, xpath-heavy helpers (≈1 ms a paragraph or
# a table row, 2 ms more to look a style up by name).  Long lists and tables are written by
# copying an element python-docx made once and setting its text, which gives the same XML.
_SPECIAL = re.compile(r"[\t\r\n]")
_SECT = qn("w:sectPr")
_NSDECL = re.compile(r'\sxmlns:\w+="[^"]*"')


def _plain(text: str) -> bool:
    """Text that python-docx writes as exactly one ``<w:t>`` (no tab/break, no xml:space)."""
    return bool(text) and text.strip() == text and not _SPECIAL.search(text)


def _set_t(el, text: str):
    el.find(f".//{qn('w:t')}").text = text
    return el


def _bullet(doc, text: str) -> None:
    """``doc.add_paragraph(text, style="List Bullet")``, fast."""
    tpl = getattr(doc, "_ngr_bullet", None)
    if tpl is None or not _plain(text):
        p = doc.add_paragraph(text, style="List Bullet")
        if tpl is None and _plain(text):
            doc._ngr_bullet = copy.deepcopy(p._p)
        return
    body, p = doc.element.body, _set_t(copy.deepcopy(tpl), text)
    # python-docx keeps w:sectPr last and inserts body paragraphs before it; find() and
    # len() would walk the whole body (quadratic in the number of paragraphs), [-1] does not
    last = next(body.iterchildren(reversed=True), None)
    if last is not None and last.tag == _SECT:
        last.addprevious(p)
    else:
        body.append(p)


class _Rows:
    """Appends rows to a python-docx table like ``table.add_row()`` + ``cell.text = …``."""

    def __init__(self, table):
        self.table = table
        row = table.add_row()
        self.empty = [copy.deepcopy(tc) for tc in row._tr.tc_lst]
        for cell in row.cells:
            cell.text = "X"
        self.filled = [copy.deepcopy(tc) for tc in row._tr.tc_lst]
        for tc in row._tr.tc_lst:
            row._tr.remove(tc)
        self.bare = row._tr
        table._tbl.remove(row._tr)
        # the same elements as XML text: rows of plain cells are parsed in one go
        tr = _xml(self.bare)
        self.head = tr[:-2] + ">" if tr.endswith("/>") else tr[:-len("</w:tr>")]
        self.cells = [_xml(tc) for tc in self.empty], [_xml(tc).split(">X<") for tc in self.filled]

    def add(self, texts: list[str | None]) -> None:
        """One row; ``None`` leaves a cell untouched (empty)."""
        tr = copy.deepcopy(self.bare)
        for i, text in enumerate(texts):
            if text is not None and _plain(text):
                tr.append(_set_t(copy.deepcopy(self.filled[i]), text))
                continue
            tc = copy.deepcopy(self.empty[i])
            tr.append(tc)
            if text is not None:
                _Cell(tc, self.table).text = text
        self.table._tbl.append(tr)

    def add_all(self, rows: list[list[str | None]]) -> None:
        """:meth:`add` of every row; rows of plain texts are written as XML and parsed at once."""
        empty, filled = self.cells
        plain = [all(t is None or _plain(t) for t in texts) for texts in rows]
        xml = "".join(self.head + "".join(empty[i] if t is None else f">{escape(t)}<".join(filled[i])
                                          for i, t in enumerate(texts)) + "</w:tr>"
                      for texts, ok in zip(rows, plain) if ok)
        made = iter(list(parse_xml(f'<w:tbl {nsdecls("w")}>{xml}</w:tbl>')) if xml else [])
        for texts, ok in zip(rows, plain):
            if ok:
                self.table._tbl.append(next(made))
            else:
                self.add(texts)


def _xml(el) -> str:
    """``el`` as XML text without namespace declarations (the table declares them)."""
    return _NSDECL.sub("", etree.tostring(el, encoding="unicode"))


def _unit_names(cons: Consolidation) -> dict[str, str]:
    names = {str(r.unit_id): _text(r.unit_name) for r in cons.units.itertuples()
             if not zh.is_missing(r.unit_id)}
    for r in cons.documents.itertuples():
        if not zh.is_missing(r.unit_id) and str(r.unit_id) not in names:
            names[str(r.unit_id)] = _text(r.unit_name) or str(r.unit_id)
    return names


def _years(cons: Consolidation) -> list[int]:
    ys = pd.to_numeric(cons.documents["year"], errors="coerce").dropna().astype(int)
    return sorted(set(ys.tolist()))


def _year_phrase(years: list[int]) -> str:
    if not years:
        return ""
    if len(years) == 1:
        return f"{years[0]}年度"
    return f"{years[0]}—{years[-1]}年度"


def _category_order(values) -> list[str]:
    keys = list(zh.CATEGORY)
    labels = list(zh.CATEGORY.values())

    def rank(v: str) -> tuple[int, str]:
        if v in keys:
            return keys.index(v), v
        if v in labels:
            return labels.index(v), v
        return len(keys), v
    return sorted({str(v) for v in values if not zh.is_missing(v)}, key=rank)


def _overview(cons: Consolidation, names: dict[str, str]) -> str:
    docs = cons.documents
    n_docs = len(docs)
    n_rel = int(docs["relevant"].fillna(True).astype(bool).sum()) if n_docs else 0
    reporting = {str(u) for u in docs["unit_id"].dropna()}
    from_roster = "matched_by" in cons.units and (cons.units["matched_by"] == "roster").any()
    n_roster = len(cons.units) if from_roster else 0  # without a roster there is no list to miss
    missing = cons.units[~cons.units["has_report"].fillna(False).astype(bool)] if n_roster else cons.units
    counts = cons.counts()
    n_q, n_approx, n_red = counts["quantities"], counts["approx"], counts["redacted"]
    parts = [f"本次汇总共收到{len(reporting)}个单位的{n_docs}份材料，其中与关心下一代工作相关的{n_rel}份。"]
    if n_roster:
        parts.append(f"花名册共列{n_roster}个单位，其中{len(missing)}个单位未提交报告。")
    parts.append(f"从材料中共提取数字{n_q}处，其中约数{n_approx}处、被隐去的数字{n_red}处；"
                 "以下合计按数量类型分别统计，人次不计入人数，目标数不计入完成数。")
    if len(cons.unmatched):
        where = "花名册中的单位" if from_roster else "任何单位（材料中未写明报送单位）"
        parts.append(f"另有{len(cons.unmatched)}份材料未能对应到{where}。")
    return "".join(parts)


def _numeric(rows: pd.DataFrame) -> pd.DataFrame:
    """The aggregate count/sum columns as numbers (missing = 0)."""
    return rows.assign(**{c: pd.to_numeric(rows[c], errors="coerce").fillna(0) for c in NUMS})


def _describe(kind: str, rows: pd.DataFrame) -> str:
    """``rows`` summed (numeric NUMS columns, see :func:`_numeric`), in words."""
    return zh.describe_total(kind, *rows[NUMS].to_numpy(dtype=float).sum(axis=0))


def _year_label(y: Any) -> str:
    return "年度不详" if zh.is_missing(y) else f"{int(y)}年"


def _kinds(values) -> list[str]:
    present = {str(v) for v in values if not zh.is_missing(v)}
    return [k for k in KIND_ORDER if k in present] + sorted(present - set(KIND_ORDER))


def _category_sentence(label: str, rows: pd.DataFrame) -> str:
    """One sentence per category: each kind on its own, per year when there are several."""
    bits = []
    for kind in _kinds(rows["kind"]):
        sub = rows[rows["kind"] == kind]
        name = zh.kind(kind).replace("（元）", "")
        per_year = [(y, _describe(kind, g)) for y, g in sub.groupby("year", dropna=False, sort=True)]
        per_year = [(y, d) for y, d in per_year if d]
        if len(per_year) == 1:
            bits.append(f"{name}{per_year[0][1]}")
        elif per_year:
            bits.append(f"{name}（" + "，".join(f"{_year_label(y)}{d}" for y, d in per_year) + "）")
    n_units = int(pd.to_numeric(rows["n_units"], errors="coerce").max()) if len(rows) else 0
    if not bits:
        return f"共有{n_units}个单位报告了{label}方面的工作，但未给出可汇总的数字。"
    return f"共有{n_units}个单位报告了{label}方面的数字：" + "；".join(bits) + "。"


def _key(v: Any) -> Any:
    return None if zh.is_missing(v) else v


def _unit_table(doc, own: pd.DataFrame, names: dict[str, str], count) -> None:
    """One row per unit (and year, when several years are present), one column per kind.

    ``own`` holds numeric sums (see :func:`_numeric`) of the category's first units,
    ``count`` its ``n_years``, ``n_unit_years`` and ``n_units``
    (:mod:`pipeline.summaries`); all cells are summed in one group-by and the rows are
    appended by :class:`_Rows`."""
    kinds = _kinds(own["kind"])
    several_years = int(count.n_years) > 1
    n_rows = int(count.n_unit_years if several_years else count.n_units)
    lead = ["单位", "年度"] if several_years else ["单位"]
    table = doc.add_table(rows=1, cols=len(lead) + len(kinds))
    table.style = "Table Grid"
    for cell, head in zip(table.rows[0].cells, lead + [zh.kind(k) for k in kinds]):
        cell.text = head
    keys = ["unit_id", "year"] if several_years else ["unit_id"]
    sums = own.groupby(keys + ["kind"], sort=True, dropna=False)[NUMS].sum().reset_index()
    rows: dict[tuple, tuple[tuple, dict[str, str]]] = {}  # in group-by (sorted) order
    described = zh.describe_totals(sums.assign(kind=sums["kind"].astype(str)))
    for *key, kind, text in zip(*(sums[c].tolist() for c in keys + ["kind"]), described):
        rows.setdefault(tuple(_key(v) for v in key), (tuple(key), {}))[1][str(kind)] = text
    shown = list(rows.values())[:MAX_UNIT_ROWS]
    if shown:
        _Rows(table).add_all([
            [names[str(key[0])] if str(key[0]) in names else _text(key[0]) or "（未匹配单位）"]
            + ([_year_label(key[1])] if several_years else []) + [texts.get(k) for k in kinds]
            for key, texts in shown])
    if n_rows > MAX_UNIT_ROWS:
        doc.add_paragraph(f"（以上仅列出前{MAX_UNIT_ROWS}行，共{n_rows}行；"
                          "完整表格见汇总表“层级汇总”。）")


def _categories_part(doc, cons: Consolidation, names: dict[str, str]) -> None:
    doc.add_heading("一、各类工作开展情况", level=1)
    totals = _numeric(category_totals(cons))
    own = _numeric(cons.summaries().unit_rows)
    counts = cons.summaries().unit_counts.set_index("category")
    own_cat, tot_cat = own["category"].astype(str), totals["category"].astype(str)
    cats = _category_order(totals["category"])
    if not cats:
        doc.add_paragraph("本次材料中没有可按类别汇总的数字。")
        return
    for i, cat in enumerate(cats):
        label = zh.category(cat)
        doc.add_heading(f"（{_cn_index(i)}）{label}", level=2)
        rows = totals[tot_cat == cat]
        doc.add_paragraph(_category_sentence(label, rows))
        _unit_table(doc, own[own_cat == cat], names, counts.loc[cat])
    n_targets = cons.counts()["targets"]
    if n_targets:
        doc.add_paragraph(f"另有{n_targets}处数字为目标或计划数，未计入以上完成数（见汇总表“数量明细”）。")


def _unit_name(unit_id, names: dict[str, str]) -> str:
    """A unit's display name (its id when the roster has no name)."""
    return "（未匹配单位）" if zh.is_missing(unit_id) else names.get(str(unit_id), _text(unit_id))


def _problems_part(doc, cons: Consolidation, names: dict[str, str]) -> None:
    doc.add_heading("二、存在的主要问题", level=1)
    themes, quotes = cons.summaries().themes, cons.summaries().quotes
    if not len(themes):
        doc.add_paragraph("各单位材料中未见专门的问题表述。")
        return
    order = sorted(themes.itertuples(), key=lambda r: (r.theme == "other", -r.n_units, str(r.theme)))
    for i, r in enumerate(order):
        units = "、".join(_unit_name(u, names) for u in r.unit_ids)
        more = "等" if r.n_units > len(r.unit_ids) else ""
        title = "其他问题" if r.theme == "other" else _text(r.theme)
        said = f"共{r.n_units}个单位反映：{units}{more}。" if r.n_units else ""
        doc.add_paragraph(f"{_cn_index(i)}是{title}。{said}")
        for q in quotes[quotes["theme"] == r.theme]["text"].map(_text).drop_duplicates():
            _bullet(doc, f"“{q}”")


def _gaps_part(doc, cons: Consolidation, names: dict[str, str]) -> None:
    doc.add_heading("三、工作缺口", level=1)
    s = cons.summaries()
    if not len(s.gap_types):
        doc.add_paragraph("未发现工作缺口。")
        return
    for i, g in enumerate(s.gap_types.itertuples()):
        gtype, n = g.gap_type, int(g.n)
        label = (lambda v: zh.label("metric", v)) if gtype == "missing_metric" else _text
        doc.add_heading(f"（{_cn_index(i)}）{zh.label('gap_type', gtype)}（{n}项）", level=2)
        if n > MAX_GAP_LINES and int(g.n_items) < n:  # the most frequent first
            items = s.gap_items[s.gap_items["gap_type"] == gtype]
            doc.add_paragraph("按项目统计：" + "；".join(
                f"{label(k)}（{c}个单位）" for k, c in zip(items["item"], items["n"])) + "。")
        for r in s.gap_rows[s.gap_rows["gap_type"] == gtype].itertuples():
            unit, item, detail = _unit_name(r.unit_id, names), label(r.item), _text(r.detail)
            line = unit if item in ("", unit) else f"{unit}：{item}"
            _bullet(doc, line + (f"（{detail}）" if detail else ""))
        if n > MAX_GAP_LINES:
            doc.add_paragraph(f"（以上仅列出前{MAX_GAP_LINES}项，共{n}项；"
                              "完整清单见汇总表“缺口清单”。）")


def _flags_part(doc, cons: Consolidation) -> None:
    flags = cons.flags
    if not len(flags):
        return
    doc.add_heading("四、需核实的数字", level=1)
    counts = cons.counts()["flag_types"]
    text = "；".join(f"{zh.label('flag_type', t)}{n}处" for t, n in counts.items())
    doc.add_paragraph(f"审核中发现以下情况，请在定稿前核实：{text}。详见汇总表“审计提示”。")


def build(cons: Consolidation):
    """The python-docx Document (not yet saved)."""
    names = _unit_names(cons)
    doc = new_docx()
    _set_fonts(doc)
    years = _years(cons)
    title = doc.add_heading(f"关心下一代工作委员会{_year_phrase(years)}工作汇总报告（草稿）", level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(_overview(cons, names))
    _categories_part(doc, cons, names)
    _problems_part(doc, cons, names)
    _gaps_part(doc, cons, names)
    _flags_part(doc, cons)
    note = doc.add_paragraph("（本稿由系统根据各单位报告自动生成，数字均可在汇总表中追溯到原文，请核对后使用。）")
    note.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return doc


def write(cons: Consolidation, path: Path | str) -> Path:
    """Write ``consolidated-report.docx`` to ``path`` and return it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    build(cons).save(path)
    return path
