"""report.html: one self-contained, offline page to browse a consolidation.

Filterable tables (unit, category, kind filters + text search), a chart of categories by
unit (and by year when several years exist) drawn as inline SVG by a small script, and
every number linked to its source: a click opens a panel with the sentence, the number
wrapped in ``<mark>``, the source file and the locator.  Aggregated numbers open all the
sentences they were summed from.

Report text is untrusted.  All data travels as JSON inside
``<script type="application/json">`` (each table column by column, a repeated text once:
:func:`rows` reads it back) with ``<``, ``>``, ``&`` escaped as ``\\u003c`` …;
the script inserts it with ``textContent`` only, never ``innerHTML``.  No network: CSS and
JavaScript are inline, no CDN, no fonts to fetch.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline import labels_zh as zh
from pipeline.consolidation import Consolidation
from pipeline.render_xlsx import category_totals


def _clean(v: Any) -> Any:
    """JSON-safe scalar: NaN/NA -> None, numpy -> Python."""
    if zh.is_missing(v):
        return None
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        v = v.item()
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
        return int(v)
    return v if isinstance(v, (bool, int, float, str)) else str(v)


def _s(v: Any) -> str:
    v = _clean(v)
    return "" if v is None else str(v)


def _mark(sentence: str, text: str, rel_start: Any, length: Any) -> tuple[int, int]:
    """Code-point offsets of the number inside its sentence, or (-1, -1)."""
    try:
        a, n = int(rel_start), int(length)
        if 0 <= a and a + n <= len(sentence) and n > 0 and (not text or sentence[a:a + n] == text):
            return a, a + n
    except (TypeError, ValueError):
        pass
    if text and text in sentence:
        a = sentence.index(text)
        return a, a + len(text)
    return -1, -1


# --- whole columns as JSON-ready lists (a table travels column by column) -----------------

def _texts(s: pd.Series) -> list[str]:
    """A column as strings ("" for missing), as :func:`_s` gives them."""
    return [v if type(v) is str else _s(v) for v in s.tolist()]


def _numbers(s: pd.Series) -> list:
    """A column as JSON numbers: whole floats as ints, missing as None (:func:`_clean`)."""
    v = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    whole = np.isfinite(v) & (v == np.round(v)) & (np.abs(v) < 2**53)
    return [int(x) if w else (None if n else x)
            for x, w, n in zip(v.tolist(), whole.tolist(), np.isnan(v).tolist())]


def _flags_of(s: pd.Series) -> list[bool]:
    return [bool(_clean(v)) for v in s.tolist()] if s.dtype == object else \
        s.fillna(False).astype(bool).tolist()


class _Raw(str):
    """A value already encoded as JSON (a whole column): written as it is."""


def _dumps(v: Any) -> str:
    return json.dumps(v, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _column_json(values: list) -> _Raw:
    """A column as JSON; a text column with repeated values is sent once per distinct value
    (``{"d": distinct, "c": codes}``)."""
    if values and type(values[0]) is str:
        codes, distinct = pd.factorize(pd.Series(values, dtype=object))
        if len(distinct) < 0.7 * len(values):
            return _Raw(f'{{"d":{_dumps(distinct.tolist())},"c":{_dumps(codes.tolist())}}}')
    return _Raw(_dumps(values))


def _table(cols: dict[str, list]) -> dict[str, Any]:
    """``{"n": rows, "cols": {name: values}}``, each column encoded as it is taken out of
    ``cols`` (so the lists go one by one; see :func:`_column_json`); the page rebuilds the
    rows."""
    n = len(next(iter(cols.values()))) if cols else 0
    out = {}
    for name in list(cols):
        values = cols.pop(name)
        out[name] = values if isinstance(values, _Raw) else _column_json(values)
    return {"n": n, "cols": out}


def rows(table: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of a :func:`_table` (what the page's script makes of it)."""
    cols = {k: json.loads(v) if isinstance(v, _Raw) else v for k, v in table["cols"].items()}
    cols = {k: [v["d"][c] for c in v["c"]] if isinstance(v, dict) else v for k, v in cols.items()}
    return [dict(zip(cols, r)) for r in zip(*cols.values())] if cols else []


def _summed_mask(q: pd.DataFrame) -> list[bool]:
    """Which quantity rows the aggregates added up (pipeline.aggregate's own rule)."""
    try:
        from pipeline.aggregate import summable_mask
        return summable_mask(q).astype(bool).tolist()
    except Exception:  # noqa: BLE001 - fall back to the basic rule
        return (q["role"].astype(str) == "achieved").tolist()


def _quantities(cons: Consolidation, names: dict[str, str]) -> dict[str, list]:
    q = cons.quantities
    uid, sent, text = _texts(q["unit_id"]), _texts(q["sentence_text"]), _texts(q["text"])
    start, s0, end = (pd.to_numeric(q[c], errors="coerce") for c in ("start", "sentence_start", "end"))
    rel, length = _numbers(start - s0), _numbers(end - start)
    marks = [_mark(*a) for a in zip(sent, text, rel, length)]
    del rel, length
    j = _column_json  # columns the flags do not look up are encoded (and dropped) at once
    return {"doc": _texts(q["doc_id"]), "uid": j(uid), "unit": j([names.get(u, u) for u in uid]),
            "year": j(_numbers(q["year"])), "cat": j(_texts(q["category"])),
            "kind": j(_texts(q["kind"])), "text": text, "value": j(_numbers(q["value"])),
            "low": j(_numbers(q["low"])), "high": j(_numbers(q["high"])),
            "approx": j(_flags_of(q["approx"])), "redacted": j(_flags_of(q["redacted"])),
            "subject": j(_texts(q["subject"])), "role": j(_texts(q["role"])),
            "source": j(_texts(q["source"])), "loc": _texts(q["locator"]),
            "start": _numbers(start), "sent": sent, "ms": [m[0] for m in marks],
            "me": [m[1] for m in marks], "summed": j(_summed_mask(q))}


def _flags(cons: Consolidation, names: dict[str, str], qs: dict[str, list]) -> dict[str, list]:
    """Flags with the mark of the quantity they rest on (same document, same start)."""
    f = cons.flags
    at = {k: i for i, k in enumerate(zip(qs["doc"], qs["start"]))}
    uid, sent, evidence = _texts(f["unit_id"]), _texts(f["sentence_text"]), _texts(f["evidence"])
    hits = [at.get(k) for k in zip(_texts(f["doc_id"]), _numbers(f["start"]))]
    marks = [(qs["ms"][i], qs["me"][i]) if i is not None and qs["sent"][i] == s
             else _mark(s, e, None, None) for i, s, e in zip(hits, sent, evidence)]
    return {"uid": uid, "unit": [names.get(u, u) for u in uid], "type": _texts(f["type"]),
            "severity": _texts(f["severity"]), "message": _texts(f["message"]),
            "evidence": evidence, "source": _texts(f["source"]), "sent": sent,
            "loc": ["" if i is None else qs["loc"][i] for i in hits],
            "ms": [m[0] for m in marks], "me": [m[1] for m in marks],
            "text": [e if i is None else qs["text"][i] for i, e in zip(hits, evidence)]}


def _aggregate_rows(df: pd.DataFrame, names: dict[str, str]) -> dict[str, list]:
    uid = _texts(df["unit_id"]) if "unit_id" in df else [""] * len(df)
    return {"uid": uid, "unit": [names.get(u, u) for u in uid],
            "scope": _texts(df["scope"]) if "scope" in df else [""] * len(df),
            "year": _numbers(df["year"]), "cat": _texts(df["category"]), "kind": _texts(df["kind"]),
            "n_units": _numbers(df["n_units"]) if "n_units" in df else [None] * len(df),
            "desc": zh.describe_totals(df)}


def _head(df: pd.DataFrame, label: str, name: str, notes: list[str]) -> pd.DataFrame:
    """The first DETAIL_ROWS rows of a table for the page (a note says when there are more;
    the totals on the page are computed from the whole table)."""
    from pipeline.details import DETAIL_ROWS

    if len(df) <= DETAIL_ROWS:
        return df
    notes.append(f"{label}：仅列出其中{DETAIL_ROWS}条（共{len(df)}条）；完整数据见 "
                 f"data/{name}.parquet 或 consolidated.xlsx。")
    return df.iloc[:DETAIL_ROWS]


def payload(cons: Consolidation) -> dict[str, Any]:
    """Everything the page shows, as JSON-ready plain data (tables column by column)."""
    names = dict(zip(_texts(cons.units["unit_id"]), _texts(cons.units["unit_name"])))
    for u, n in zip(_texts(cons.documents["unit_id"]), _texts(cons.documents["unit_name"])):
        names.setdefault(u, n or u)
    units = [{"id": _s(r.unit_id), "name": _s(r.unit_name), "parent": _s(r.parent_id),
              "level": _s(r.level), "has_report": bool(_clean(r.has_report))}
             for r in cons.units.itertuples()]
    known = {u["id"] for u in units}
    units += [{"id": uid, "name": n, "parent": "", "level": "", "has_report": True}
              for uid, n in names.items() if uid and uid not in known]
    qs = _quantities(cons, names)
    flags = _table(_flags(cons, names, qs))
    quantities = _table(qs)  # after the flags, which look quantities up
    counts = cons.counts()
    notes = [f"{label}：{note}" for label, name in (
        ("数字明细", "quantities"), ("审计提示", "flags"), ("缺口清单", "gaps"),
        ("存在问题", "problems"), ("各单位汇总", "aggregates")) if (note := cons.shown(name))]
    g, p, agg = (_head(df, label, name, notes) for df, label, name in (
        (cons.gaps, "缺口清单", "gaps"), (cons.problems, "存在问题", "problems"),
        (cons.aggregates, "各单位汇总", "aggregates")))
    return {
        "run": {k: _clean(v) if not isinstance(v, (list, dict)) else None
                for k, v in (cons.run or {}).items()},
        "labels": {"category": zh.CATEGORY, "kind": zh.KIND, "role": zh.ROLE,
                   "gap_type": zh.GAP_TYPE, "flag_type": zh.FLAG_TYPE, "severity": zh.SEVERITY,
                   "level": zh.LEVEL, "scope": zh.SCOPE, "metric": zh.METRIC},
        "units": units,
        "n_documents": len(cons.documents),
        "counts": {"quantities": counts["quantities"], "flags": counts["flags"]},
        "notes": notes,
        "quantities": quantities,
        "totals": _table(_aggregate_rows(category_totals(cons), names)),
        "aggregates": _table(_aggregate_rows(agg, names)),
        "gaps": _table({"uid": (gu := _texts(g["unit_id"])), "unit": [names.get(u, u) for u in gu],
                        "type": _texts(g["gap_type"]), "item": _texts(g["item"]),
                        "detail": _texts(g["detail"])}),
        "problems": _table({"uid": (pu := _texts(p["unit_id"])), "unit": [names.get(u, u) for u in pu],
                            "theme": _texts(p["theme"]), "text": _texts(p["text"]),
                            "doc": _texts(p["doc_id"])}),
        "flags": flags,
    }


_ESCAPES = (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("\u2028", "\\u2028"),
            ("\u2029", "\\u2029"))


def _escape(text: str) -> str:
    for ch, esc in _ESCAPES:
        text = text.replace(ch, esc)
    return text


def _json_pieces(data: Any, depth: int = 3):
    """JSON safe inside a <script> element, piece by piece: dictionaries are opened up to
    ``depth`` levels (a table's columns), every other value is one piece; no "<", ">", "&",
    U+2028/9 left unescaped (each is one character, so pieces are escaped on their own)."""
    if isinstance(data, _Raw):
        yield _escape(data)
        return
    if not isinstance(data, dict) or depth == 0:
        yield _escape(_dumps(data))
        return
    yield "{"
    for i, (k, v) in enumerate(data.items()):
        yield ("," if i else "") + _escape(_dumps(str(k))) + ":"
        yield from _json_pieces(v, depth - 1)
    yield "}"


def embed_json(data: Any) -> str:
    """JSON safe inside a <script> element (see :func:`_json_pieces`)."""
    return "".join(_json_pieces(data))


def render(cons: Consolidation) -> str:
    """The whole page as a string."""
    return PAGE.replace("/*DATA*/", embed_json(payload(cons)), 1)


def write(cons: Consolidation, path: Path | str) -> Path:
    """Write ``report.html`` to ``path`` and return it; the data is encoded and written a
    piece at a time (a page with every row is never held as one string)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    head, tail = PAGE.split("/*DATA*/", 1)
    data = payload(cons)
    with path.open("w", encoding="utf-8") as fh:
        fh.write(head)
        buf: list[str] = []
        size = 0
        for piece in _json_pieces(data):
            buf.append(piece)
            size += len(piece)
            if size > 1 << 20:
                fh.write("".join(buf))
                buf, size = [], 0
        fh.write("".join(buf) + tail)
    return path


#: The page: HTML, CSS and script; the data replaces the ``/*DATA*/`` marker.
PAGE = (Path(__file__).parent / "data" / "report_page.html").read_text(encoding="utf-8")
