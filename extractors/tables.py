"""Table cells -> quantity mentions.

``extract_table_quantities(text, tables)``: each table is ``{"index", "n_rows", "n_cols",
"cells": [{"row", "col", "start", "end"}, …]}`` with the cell texts at text[start:end].
Every numeric cell outside the header row and column becomes a quantity (the schema of
docs/ARCHITECTURE.md plus ``cell``).  Its unit and kind come from the cell itself
("120人") or from its header ("资助金额(万元)" -> funds, x10000; "人数" -> people); its
subject joins the row header and the column header ("A县·帮扶人数").  A 合计/总计/小计
row or column is linked as the total of the cells it sums.
"""
from __future__ import annotations

import re

from extractors.numerals import FULLWIDTH, numeral_interval, range_interval
from extractors.units import UNIT_RE, unit_kind

_CN = "〇零一二两三四五六七八九十百千万亿"
_NUM = rf"[0-9]+(?:,[0-9]{{3}})*(?:\.[0-9]+)?[万亿]?|[{_CN}]+|[xX×*]+[万亿]?"
_CELL = re.compile(
    rf"^\s*(?P<pre>近|约|逾|超过|不足)?(?:(?P<a>{_NUM})\s*(?:-|~|～|至|到)\s*(?P<b>{_NUM})|(?P<num>{_NUM}))"
    rf"(?P<suf>余|多)?\s*(?P<unit>{UNIT_RE}|万元|亿元)?(?P<post>以上|左右)?\s*$")
_HEADER_UNIT = re.compile(rf"[(（\[【]\s*(?P<unit>万元|亿元|千元|元|{UNIT_RE})\s*[)）\]】]|单位[:：]\s*(?P<unit2>万元|亿元|元|{UNIT_RE})")
_KIND_WORDS = [
    (re.compile(r"人次"), "person_times", "人次"),
    (re.compile(r"比例|比率|占比|率|百分比|%"), "percent", "%"),
    (re.compile(r"金额|资金|经费|款|投入|费用|元"), "funds", "元"),
    (re.compile(r"人数|人员|名额|志愿者|五老|学生|儿童|青少年|家长"), "people", "人"),
    (re.compile(r"场次|次数|期数|场数|活动"), "events", "次"),
    (re.compile(r"户数|家数|所数|个数|基地|组织|单位数|阵地"), "organizations", "个"),
    (re.compile(r"份数|篇数|件数|册数|条数|稿件|信息"), "items", "份"),
]
_SKIP_HEADER = re.compile(r"序号|编号|年份|年度|日期|时间|电话|手机|排名|名次|邮编|代码|页码")
_TOTAL = re.compile(r"^\s*(?:合\s*计|总\s*计|小\s*计|共\s*计|总数|全市|全县|全区|总体)\s*$")
_YEAR = re.compile(r"^\s*(?:19|20)\d\d\s*年?\s*$")
_MULT = {"万元": 10_000, "亿元": 100_000_000, "千元": 1000}


def _label(text: str, cell: dict | None) -> str:
    if cell is None:
        return ""
    s = text[cell["start"]:cell["end"]].translate(FULLWIDTH)
    return re.sub(r"\s+", "", s)


def _header_info(label: str) -> tuple[str | None, str | None]:
    """(unit, kind) named by a header: 金额(万元) -> (万元, funds); 人数 -> (人, people)."""
    if not label or _SKIP_HEADER.search(label):
        return None, None
    m = _HEADER_UNIT.search(label)
    if m:
        unit = m.group("unit") or m.group("unit2")
        return unit, unit_kind(unit)
    for rx, kind, unit in _KIND_WORDS:
        if rx.search(label):
            return unit, kind
    return None, None


def _strip_unit(label: str) -> str:
    return _HEADER_UNIT.sub("", label).strip()


def _cell_quantity(text: str, cell: dict, table: int, row_label: str, col_label: str) -> dict | None:
    raw = text[cell["start"]:cell["end"]]
    s = raw.translate(FULLWIDTH)
    m = _CELL.match(s)
    if not m or _YEAR.match(s) and not m.group("unit"):
        return None
    g = m.groupdict()
    h_unit, h_kind = _header_info(col_label)
    if h_kind is None:
        h_unit, h_kind = _header_info(row_label)
    if (_SKIP_HEADER.search(col_label) or _SKIP_HEADER.search(row_label)) and not g["unit"]:
        return None
    unit = g["unit"] or h_unit
    if unit is None and not re.search(r"[0-9xX×*]", g["num"] or g["a"] or ""):
        return None  # a bare Chinese numeral with no unit anywhere is not a measurement
    factor = 1
    if not g["unit"] and unit in _MULT:
        factor = _MULT[unit]
    elif g["unit"] in _MULT:
        factor = _MULT[g["unit"]]
    if g["a"]:
        iv = range_interval(g["a"], g["b"])
    else:
        num = g["num"]
        if g["unit"] in _MULT:
            factor = 1
            num = num + g["unit"][0]
        iv = numeral_interval(num, g["pre"] or "", g["suf"] or "", "", g["post"] or "")
    if iv is None:
        return None
    if factor != 1:
        iv = iv.scaled(factor)
    kind = unit_kind(unit) if unit else (h_kind or "other")
    if g["unit"] is None and h_kind:
        kind = h_kind
    lead = len(s) - len(s.lstrip())
    start = cell["start"] + lead
    end = cell["start"] + len(s.rstrip())
    subject = "·".join(x for x in (_strip_unit(row_label), _strip_unit(col_label)) if x) or None
    value = iv.value if (iv.low == iv.high or iv.value is not None) else None
    return {
        "text": text[start:end], "start": start, "end": end,
        "value": value, "low": iv.low, "high": iv.high, "unit": unit or "",
        "kind": kind, "approx": bool(iv.approx), "redacted": bool(iv.redacted),
        "subject": subject, "role": "achieved",
        "period": _period(col_label) or _period(row_label),
        "sentence": [cell["start"], cell["end"]], "rule": "table_cell",
        "links": {"total_of": [], "part_of": None, "changed_from": None},
        "cell": {"table": table, "row": cell["row"], "col": cell["col"]},
    }


def _period(label: str) -> str | None:
    m = re.search(r"(?:19|20)\d\d年(?:上半年|下半年)?|全年|上半年|下半年|累计", label)
    return m.group(0) if m else None


def _link_totals(qs: list[dict], base: int, row_labels: dict, col_labels: dict) -> None:
    """A 合计 row (or column) is the total of the same-column (same-row) cells."""
    by_pos = {(q["cell"]["row"], q["cell"]["col"]): base + i for i, q in enumerate(qs)}
    all_q = {base + i: q for i, q in enumerate(qs)}
    for (r, c), idx in by_pos.items():
        if _TOTAL.match(row_labels.get(r, "")):
            parts = [j for (r2, c2), j in by_pos.items() if c2 == c and r2 != r
                     and not _TOTAL.match(row_labels.get(r2, ""))]
        elif _TOTAL.match(col_labels.get(c, "")):
            parts = [j for (r2, c2), j in by_pos.items() if r2 == r and c2 != c
                     and not _TOTAL.match(col_labels.get(c2, ""))
                     and all_q[j]["kind"] == all_q[idx]["kind"]]
        else:
            continue
        parts = [j for j in parts if all_q[j]["links"]["part_of"] is None]
        if len(parts) >= 2:
            all_q[idx]["links"]["total_of"] = sorted(parts)
            for j in parts:
                all_q[j]["links"]["part_of"] = idx


_TAB_LINE = re.compile(r"^[^\t\n]*\t[^\n]*$", re.M)
_TAB_CELL = re.compile(r"[^\t\r\n]+")
_NUMERIC_CELL = re.compile(r"^\s*[近约]?[0-9xX×*][0-9.,xX×*]*\s*\S{0,3}\s*$")


def find_text_tables(text: str, first_index: int = 0) -> list[dict]:
    """Tab-separated tables written in plain text, in the table format of
    extract_table_quantities plus ``start``/``end`` of the block.

    A table is two or more consecutive lines, each with at least two non-empty
    tab-separated cells, the same number of cells (one odd row allowed), short cells, and
    some numeric cells; tab-indented prose is not a table.
    """
    tables: list[dict] = []
    block: list[list[re.Match]] = []
    spans: list[tuple[int, int]] = []

    def flush() -> None:
        rows = list(block)
        block.clear()
        if len(rows) < 2:
            return
        n_cols = max(len(r) for r in rows)
        cells = [c for r in rows for c in r]
        if (sum(len(r) == n_cols for r in rows) < len(rows) - 1
                or sorted(len(c.group(0).strip()) for c in cells)[len(cells) // 2] > 20
                or not any(_NUMERIC_CELL.match(c.group(0)) for c in cells)):
            return
        out = [{"row": r, "col": c, "start": m.start() + len(m.group(0)) - len(m.group(0).lstrip()),
                "end": m.end() - (len(m.group(0)) - len(m.group(0).rstrip()))}
               for r, row in enumerate(rows) for c, m in enumerate(row)]
        tables.append({"index": first_index + len(tables), "n_rows": len(rows), "n_cols": n_cols,
                       "cells": out, "start": spans[0][0], "end": spans[-1][1]})

    last_end = -2
    for line in _TAB_LINE.finditer(text):
        row = [c for c in _TAB_CELL.finditer(text, line.start(), line.end()) if c.group(0).strip()]
        if block and (line.start() != last_end + 1 or len(row) < 2):
            flush()
            spans.clear()
        if len(row) >= 2:
            block.append(row)
            spans.append((line.start(), line.end()))
        last_end = line.end()
    flush()
    return tables


def extract_table_quantities(text: str, tables: list[dict]) -> list[dict]:
    """Quantity mentions for the numeric cells of ``tables`` (offsets into ``text``).

    ``links`` indices point into the returned list.
    """
    out: list[dict] = []
    for t in tables:
        cells = {(c["row"], c["col"]): c for c in t.get("cells", [])}
        col_labels = {c: _label(text, cells.get((0, c))) for c in range(t.get("n_cols", 0))}
        row_labels = {r: _label(text, cells.get((r, 0))) for r in range(t.get("n_rows", 0))}
        qs = []
        for (r, c), cell in sorted(cells.items()):
            if r == 0 or c == 0:
                continue
            q = _cell_quantity(text, cell, t.get("index", 0), row_labels.get(r, ""), col_labels.get(c, ""))
            if q is not None:
                qs.append(q)
        _link_totals(qs, len(out), row_labels, col_labels)
        out.extend(qs)
    return out
