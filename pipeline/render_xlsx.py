"""consolidated.xlsx: the consolidation as Excel sheets a committee clerk can filter.

Sheets: 单位, 数量明细, 分类汇总, 层级汇总, 缺口清单, 存在问题, 审计提示 (+ 未匹配文档 when
some documents matched no unit).  Every sheet has Chinese headers, a frozen header row,
an autofilter and column widths sized for CJK text (a CJK character counts double).
Numbers stay numbers; keys are shown with their Chinese labels (:mod:`pipeline.labels_zh`).
Report text is untrusted: a cell starting with "=" is stored as text, never a formula.
"""
from __future__ import annotations

import io
import math
import re
import shutil
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from pipeline import labels_zh as zh
from pipeline.consolidation import Consolidation

MAX_WIDTH = 60
#: Data rows a sheet can hold (Excel's limit of 1,048,576 rows, less the header).
MAX_ROWS = 1_048_575
#: Where the rows of a sheet cut at MAX_ROWS are in full.
_SOURCES = {"单位": "data/units.parquet", "数量明细": "data/quantities.parquet",
            "层级汇总": "data/aggregates.parquet", "缺口清单": "data/gaps.parquet",
            "存在问题": "data/problems.parquet", "审计提示": "data/flags.parquet",
            "未匹配文档": "data/unmatched.parquet"}
MIN_WIDTH = 6
MAX_CELL = 32000
#: zlib level of the package: 1 takes a third of the time of the default 6, ≈ 25 % larger.
COMPRESSION = 1
YES, NO = "是", "否"

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


# --- sheet frames (pure: Consolidation -> DataFrame with Chinese headers) -----------

def _unit_names(cons: Consolidation) -> dict[str, str]:
    names = {str(u): str(n) for u, n in zip(cons.units["unit_id"], cons.units["unit_name"])
             if not zh.is_missing(u) and not zh.is_missing(n)}
    docs = cons.documents[["unit_id", "unit_name"]].dropna().drop_duplicates()
    for u, n in zip(docs["unit_id"], docs["unit_name"]):
        names.setdefault(str(u), str(n))
    return names


def _map_values(s: pd.Series, fn) -> pd.Series:
    """``s.map(fn)``, ``fn`` called once per distinct value (``fn(None)`` for missing ones)."""
    codes, uniq = pd.factorize(s, use_na_sentinel=True)
    out = np.array([fn(u) for u in uniq] + [fn(None)], dtype=object)
    return pd.Series(out[codes], index=s.index, dtype=object)


def _names_of(names: dict[str, str], ids: pd.Series) -> pd.Series:
    return _map_values(ids, lambda u: _name_of(names, u))


def _name_of(names: dict[str, str], unit_id: Any) -> str:
    return "" if zh.is_missing(unit_id) else names.get(str(unit_id), str(unit_id))


def _yes_no(v: Any) -> str:
    if zh.is_missing(v):
        return ""
    return YES if bool(v) else NO


def _labelled(df: pd.DataFrame, columns: dict[str, str | None]) -> pd.DataFrame:
    """Select ``columns`` (name -> label table or None) and rename to Chinese headers."""
    out = pd.DataFrame(index=df.index)
    for col, table in columns.items():
        s = df[col] if col in df.columns else pd.Series([None] * len(df), index=df.index)
        out[zh.column(col)] = _map_values(s, lambda v, t=table: zh.label(t, v)) if table else s
    return out.reset_index(drop=True)


def units_frame(cons: Consolidation) -> pd.DataFrame:
    names = _unit_names(cons)
    df = cons.units.copy()
    df["parent_name"] = _names_of(names, df["parent_id"])
    df["has_report"] = _map_values(df["has_report"], _yes_no)
    return _labelled(df, {"unit_id": None, "unit_name": None, "level": "level",
                          "parent_name": None, "n_documents": None, "matched_by": "matched_by",
                          "has_report": None})


def quantities_frame(cons: Consolidation) -> pd.DataFrame:
    names = _unit_names(cons)
    df = cons.quantities.copy()
    df["unit_name"] = _names_of(names, df["unit_id"])
    for c in ("approx", "redacted"):
        df[c] = _map_values(df[c], _yes_no)
    return _labelled(df, {"unit_name": None, "year": None, "category": "category", "kind": "kind",
                          "text": None, "value": None, "low": None, "high": None, "unit": None,
                          "approx": None, "redacted": None, "subject": None, "role": "role",
                          "period": None, "sentence_text": None, "source": None,
                          "locator": None, "doc_id": None})


_AGG_NUMS = ["exact_sum", "low_sum", "high_sum", "n_exact", "n_approx", "n_redacted"]


def _describe_rows(df: pd.DataFrame) -> pd.Series:
    return pd.Series(zh.describe_totals(df), index=df.index, dtype=object)


def category_totals(cons: Consolidation) -> pd.DataFrame:
    """Own-scope aggregates summed over units, per year × category × kind (English keys),
    over the whole table (:mod:`pipeline.summaries`)."""
    out = cons.summaries().totals.copy()
    out["year"] = out["year"].astype(object).where(out["year"].notna(), None)
    return out[["year", "category", "kind", "n_units"] + _AGG_NUMS]


def category_frame(cons: Consolidation) -> pd.DataFrame:
    tot = category_totals(cons)
    tot["describe"] = _describe_rows(tot) if len(tot) else pd.Series(dtype=object)
    out = _labelled(tot, {"year": None, "category": "category", "kind": "kind"})
    out["单位数"] = tot["n_units"].values
    for c in _AGG_NUMS:
        out[zh.column(c)] = tot[c].values
    out["合计（文字）"] = tot["describe"].values
    return out


def hierarchy_frame(cons: Consolidation) -> pd.DataFrame:
    names = _unit_names(cons)
    levels = {str(u): v for u, v in zip(cons.units["unit_id"], cons.units["level"])}
    df = cons.aggregates.copy()
    df["unit_name"] = _names_of(names, df["unit_id"])
    df["level"] = _map_values(df["unit_id"], lambda u: levels.get(str(u)))
    df["describe"] = _describe_rows(df) if len(df) else pd.Series(dtype=object)
    out = _labelled(df, {"unit_name": None, "level": "level", "scope": "scope", "year": None,
                         "category": "category", "kind": "kind", **{c: None for c in _AGG_NUMS}})
    out["合计（文字）"] = df["describe"].values
    return out


def gaps_frame(cons: Consolidation) -> pd.DataFrame:
    names = _unit_names(cons)
    df = cons.gaps.copy()
    df["unit_name"] = _names_of(names, df["unit_id"])
    df["item"] = [zh.label("metric", i) if g == "missing_metric" else ("" if zh.is_missing(i) else i)
                  for g, i in zip(df["gap_type"], df["item"])]
    return _labelled(df, {"unit_name": None, "gap_type": "gap_type", "item": None, "detail": None})


def problems_frame(cons: Consolidation) -> pd.DataFrame:
    names = _unit_names(cons)
    sources = {str(d): v for d, v in zip(cons.documents["doc_id"], cons.documents["source"])}
    df = cons.problems.copy()
    df["unit_name"] = _names_of(names, df["unit_id"])
    df["source"] = _map_values(df["doc_id"], lambda d: sources.get(str(d), ""))
    df = df.sort_values(["theme", "unit_name"], kind="stable")
    out = _labelled(df, {"theme": None, "unit_name": None, "text": None, "source": None,
                         "doc_id": None, "start": None, "end": None})
    return out.rename(columns={zh.column("text"): "问题表述"})


def flags_frame(cons: Consolidation) -> pd.DataFrame:
    names = _unit_names(cons)
    df = cons.flags.copy()
    df["unit_name"] = _names_of(names, df["unit_id"])
    return _labelled(df, {"type": "flag_type", "severity": "severity", "unit_name": None,
                          "message": None, "evidence": None, "sentence_text": None,
                          "source": None, "start": None, "end": None, "doc_id": None})


def unmatched_frame(cons: Consolidation) -> pd.DataFrame:
    return _labelled(cons.unmatched, {"doc_id": None, "source": None, "reporting_unit": None})


def sheet_frames(cons: Consolidation) -> Iterator[tuple[str, pd.DataFrame]]:
    """(sheet name, frame) in workbook order, each frame made when it is asked for, so a
    writer holds one at a time."""
    makers = [("单位", units_frame), ("数量明细", quantities_frame), ("分类汇总", category_frame),
              ("层级汇总", hierarchy_frame), ("缺口清单", gaps_frame), ("存在问题", problems_frame),
              ("审计提示", flags_frame)]
    if len(cons.unmatched):
        makers.append(("未匹配文档", unmatched_frame))
    notes = [(sheet, note) for sheet, name in (
        ("数量明细", "quantities"), ("层级汇总", "aggregates"), ("缺口清单", "gaps"),
        ("存在问题", "problems"), ("审计提示", "flags")) if (note := cons.shown(name))]
    for sheet, make in makers:
        df = make(cons)
        if len(df) > MAX_ROWS:  # a sheet holds at most 1,048,576 rows, its header one
            source = _SOURCES.get(sheet)
            notes.append((sheet, f"仅列出前{MAX_ROWS}行（共{len(df)}行，超出 Excel 工作表的行数上限）"
                                 + (f"；完整数据见 {source}。" if source else "。")))
            df = df.iloc[:MAX_ROWS]
        yield sheet, df
        del df  # before the next frame is made
    if notes:
        yield "说明", pd.DataFrame(notes, columns=["工作表", "说明"])


# --- writing -----------------------------------------------------------------------

def display_width(value: Any) -> int:
    """Columns a value needs: East-Asian wide/full-width characters count double."""
    if zh.is_missing(value):
        return 0
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(value))


def cell_value(value: Any) -> Any:
    """A value openpyxl stores faithfully: numbers as int/float, text cleaned, NaN empty."""
    if zh.is_missing(value):
        return None
    if isinstance(value, bool):
        return YES if value else NO
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy scalar -> Python
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isinf(value):
            return None
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    return text[:MAX_CELL]


# A sheet is laid out by openpyxl with its header row only (styles, widths, frozen pane,
# autofilter); the data rows are then written as the exact XML openpyxl would write for them
# (inline strings, "%.16g" numbers, empty cells left out) straight into the saved package.
# openpyxl spends ≈ 8 µs a cell (tens of seconds for tens of thousands of reports).
_SHEET_DATA_END = b"</sheetData>"
_DIMENSION = re.compile(rb'<dimension ref="[^"]*"\s*/>')
_ESCAPE = re.compile(r"[&<>\r]")
_ENTITY = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"}


def _column(values: list) -> list:
    """``cell_value`` of every value (str and int fast)."""
    out = []
    for v in values:
        t = type(v)
        if (t is str and len(v) <= MAX_CELL and not ILLEGAL_CHARACTERS_RE.search(v)) or t is int:
            out.append(v)
        elif t is float and math.isfinite(v):
            out.append(int(v) if v.is_integer() and abs(v) < 2**53 else v)
        else:
            out.append(cell_value(v))
    return out


def _max_width(values: list) -> int:
    """``max(display_width(v))``, computed exactly but only where it can raise the result
    (a string is at most twice its length wide; widths saturate at MAX_WIDTH)."""
    numbers = {v for v in values if v is not None and type(v) is not str}
    best = max((len(str(v)) for v in numbers), default=0)
    for v in sorted({v for v in values if type(v) is str}, key=len, reverse=True):
        if 2 * len(v) <= best or best >= MAX_WIDTH - 2:
            break
        best = max(best, len(v) if v.isascii() else display_width(v))
    return best


def _cell_tail(v: Any) -> str:
    """A cell's XML after ``<c r="A1`` (the reference), as openpyxl writes it."""
    if type(v) is not str:
        return f'" t="n"><v>{v:.16g}</v></c>'  # openpyxl: "%.16g" % v
    if not v:
        return '" t="inlineStr"></c>'
    if v in ERROR_CODES:  # openpyxl stores "#N/A" & co. as error cells
        return f'" t="e"><v>{v}</v></c>'
    text = _ESCAPE.sub(lambda m: _ENTITY[m.group()], v) if _ESCAPE.search(v) else v
    space = ' xml:space="preserve"' if v != v.strip() else ""
    return f'" t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _cells(s: pd.Series) -> tuple[np.ndarray, int]:
    """Every cell of a column as its XML after the reference (``None``: empty), and the
    column's width; :func:`cell_value` and :func:`_cell_tail` run once per distinct value."""
    codes, distinct = pd.factorize(s, use_na_sentinel=True)
    values = _column(distinct.tolist())
    tails = np.array([None if v is None else _cell_tail(v) for v in values] + [None], dtype=object)
    return tails[codes], _max_width(values)


def _rows_xml(columns: list[np.ndarray], a: int, b: int) -> bytes:
    """The ``<row>`` elements of data rows ``a`` to ``b`` (0-based; row 2 on in the sheet),
    from :func:`_cells` columns; empty cells are left out."""
    refs = [str(r) for r in range(a + 2, b + 2)]
    # one row of pieces per data row: <row r="N">, then (<c r="COL, N, tail) per column (all
    # three "" for an empty cell), then </row>; filled column-wise, joined once
    parts = np.empty((b - a, 3 * len(columns) + 2), dtype=object)
    parts[:, 0] = ['<row r="' + r + '">' for r in refs]
    parts[:, -1] = "</row>"
    for i, col in enumerate(columns):
        tails = col[a:b]
        parts[:, 3 * i + 1] = '<c r="' + get_column_letter(i + 1)
        parts[:, 3 * i + 2] = refs
        parts[:, 3 * i + 3] = tails
        parts[np.equal(tails, None), 3 * i + 1:3 * i + 4] = ""
    return "".join(parts.ravel().tolist()).encode("utf-8")


def _write_sheet(wb: Workbook, title: str, df: pd.DataFrame) -> tuple[list[np.ndarray], str]:
    """Lay the sheet out (header row, widths, pane, filter); return its cells (for
    :func:`_rows_xml`) and the sheet's dimension."""
    ws = wb.create_sheet(title)
    headers = list(df.columns)
    ws.append(headers)
    columns, widths = [], []
    for i, h in enumerate(headers):
        cells, width = _cells(df.iloc[:, i])
        columns.append(cells)
        widths.append(max(display_width(h), width))
    for cell in ws[1]:
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(vertical="center")
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = min(MAX_WIDTH, max(MIN_WIDTH, w + 2))
    ws.freeze_panes = "A2"
    last_col = get_column_letter(max(1, len(headers)))
    ws.auto_filter.ref = f"A1:{last_col}{len(df) + 1}"
    dim = f"A1:{last_col}{len(df) + 1}" if headers else "A1:A1"
    return columns, dim


def write(cons: Consolidation, path: Path | str, chunk: int = 5000) -> Path:
    """Write ``consolidated.xlsx`` to ``path`` (a file path) and return it.  The data rows
    are made ``chunk`` rows at a time: a sheet's rows go to a temporary file beside ``path``
    as soon as its frame is made (so one sheet's cells are held at a time, not the
    workbook's), then into the package, compressed, once openpyxl has laid out every sheet."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    wb.remove(wb.active)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".xlsx-") as tmp:
        rows: dict[str, tuple[Path, str]] = {}
        for i, (title, df) in enumerate(sheet_frames(cons), start=1):
            columns, dim = _write_sheet(wb, title, df)
            del df
            spool = Path(tmp) / f"sheet{i}.xml"
            with open(spool, "wb") as fh:
                n = len(columns[0]) if columns else 0
                for a in range(0, n, chunk):
                    fh.write(_rows_xml(columns, a, min(a + chunk, n)))
            rows[f"xl/worksheets/sheet{i}.xml"] = (spool, dim)
            del columns
        buf = io.BytesIO()
        wb.save(buf)
        with zipfile.ZipFile(buf) as src, zipfile.ZipFile(
                path, "w", zipfile.ZIP_DEFLATED, allowZip64=True, compresslevel=COMPRESSION) as dst:
            assert set(rows) <= set(src.namelist()), "unexpected openpyxl package layout"
            for info in src.infolist():
                data = src.read(info)
                if info.filename not in rows:
                    dst.writestr(info, data, compresslevel=COMPRESSION)
                    continue
                spool, dim = rows[info.filename]
                head, tail = _DIMENSION.sub(f'<dimension ref="{dim}"/>'.encode(), data, count=1
                                            ).split(_SHEET_DATA_END, 1)
                size = len(head) + spool.stat().st_size + len(_SHEET_DATA_END + tail)
                with dst.open(info.filename, "w", force_zip64=size >= zipfile.ZIP64_LIMIT) as fh, \
                        open(spool, "rb") as part:
                    fh.write(head)
                    shutil.copyfileobj(part, fh, 1 << 20)
                    fh.write(_SHEET_DATA_END + tail)
    return path
