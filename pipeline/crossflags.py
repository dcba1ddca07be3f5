"""Cross-document audit flags: numbers contradicted by another report, copied passages.

``cross_document_flags(documents, quantities, texts, units)`` compares what different
documents (and different units of the roster) say:

* ``cross_document_conflict``: one unit, one year, one metric (subject + kind + category),
  two documents, values whose intervals cannot meet;
* ``parent_less_than_children``: a parent's figure below the sum of its children's;
* ``implausible_jump``: ×10 year over year, or a unit above an ancestor two levels up;
* ``copied_text``: ≥100 characters shared near-verbatim with another document, after each
  document's own unit and place names are replaced by a placeholder (:mod:`pipeline.copied`;
  ``texts`` may be a lazy mapping: only fingerprints of every text are kept);
* ``round_numbers``: a unit whose figures are multiples of 100 far more often than its
  peers' (one-sided binomial test against the pooled rate of the other units).

All checks work on whole columns (group-bys, merges, numpy arrays): the cost grows about
linearly with the number of reports (``bench/consolidate.py``).
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from extractors.flags import ADDITIVE, half_step
from pipeline.copied import copied_passages

COLUMNS = ["doc_id", "unit_id", "type", "severity", "message", "evidence", "source", "start",
           "end", "sentence_text", "other_doc_id"]
_LEVEL = {"province": "省级", "city": "市级", "county": "县级", "township": "乡镇级",
          "village": "村级"}
_SCOPE = re.compile(r"^(?:全(?:省|市|县|区|镇|乡|街道|村|社区)|本(?:省|市|县|区|镇|乡)|各级|共计|共|累计|合计)+")
_KEY = ["subj", "kind", "cat"]           # a metric: subject (scope words removed), kind, category
_G = ["unit_id", "year", *_KEY]          # one unit's metric in one year
_USED = ["doc_id", "unit_id", "year", "text", "value", "low", "high", "kind", "approx",
         "redacted", "subject", "role", "category", "source", "start", "end", "sentence_text",
         "q_index"]
_SPENT = ["value", "approx", "redacted", "subject", "role", "category"]  # read by _metrics only
_SHOWN = ["text", "source"]  # only shown in the flags' messages and rows


def _fmt(x: float) -> str:
    return f"{int(round(x))}" if abs(x - round(x)) < 1e-9 else f"{x:.2f}".rstrip("0").rstrip(".")


def _metrics(quantities: pd.DataFrame) -> pd.DataFrame:
    """Additive, non-redacted, achieved/status quantities with a subject, as intervals."""
    if quantities.empty:
        return pd.DataFrame(columns=[*quantities.columns, *_KEY, "lo", "hi"])
    q = quantities.assign(**{c: None for c in ("category", "subject", "role")
                             if c not in quantities.columns})
    q = q[[c for c in _USED if c in q.columns]]  # fewer columns to carry through filters
    ok = (q["kind"].isin(ADDITIVE) & ~q["redacted"].fillna(False).astype(bool) & q["low"].notna()
          & q["high"].notna() & q["subject"].notna() & q["unit_id"].notna() & q["year"].notna()
          & q["role"].fillna("achieved").isin(["achieved", "status"]))
    q = q[ok].reset_index(drop=True)
    pair = q.groupby(["text", "kind"], sort=False, dropna=False).ngroup().to_numpy()
    first = q.iloc[np.unique(pair, return_index=True)[1]]  # half_step once per (text, kind)
    steps = np.array([half_step({"text": t}, k) for t, k in zip(first["text"].tolist(),
                                                               first["kind"].tolist())] or [0.0])
    h = np.where(q["approx"].fillna(False).astype(bool).to_numpy(), 0.0, steps[pair])
    q["lo"], q["hi"] = q["low"].astype(float) - h, q["high"].astype(float) + h
    q["subj"] = q["subject"].astype(str).str.strip().str.replace(_SCOPE, "", regex=True)
    q["cat"] = q["category"].fillna("").astype(str)
    q["year"] = q["year"].astype(int)
    # the checks copy these rows many times: drop what they no longer read, and hold the
    # texts only shown in messages as categories (a copy moves their codes, not the text)
    q = q.drop(columns=[c for c in _SPENT if c in q.columns])
    return q.astype({c: "category" for c in _SHOWN if c in q.columns and q[c].notna().all()})


def _row(r, type_, severity, message, evidence, other=None) -> dict:
    return {"doc_id": r["doc_id"], "unit_id": r["unit_id"], "type": type_, "severity": severity,
            "message": message, "evidence": evidence, "source": r.get("source"),
            "start": r.get("start"), "end": r.get("end"),
            "sentence_text": r.get("sentence_text"), "other_doc_id": other}


def _single_values(m: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """One row per group, for groups that state a single value (one distinct interval)."""
    distinct = m.drop_duplicates(by + ["low", "high"])
    return distinct[distinct.groupby(by, sort=False)["low"].transform("size") == 1]


def _conflicts(m: pd.DataFrame) -> list[dict]:
    one = _single_values(m, _G + ["doc_id"]).reset_index(drop=True)
    grp = one.groupby(_G, sort=False)["lo"]
    one["_i"], one["_g"] = np.arange(len(one)), grp.ngroup()
    multi = one.loc[grp.transform("size").to_numpy() > 1, ["_g", "_i"]]
    pairs = multi.merge(multi, on="_g", suffixes=("_a", "_b"))
    pairs = pairs[pairs["_i_a"] < pairs["_i_b"]]
    lo, hi = one["lo"].to_numpy(), one["hi"].to_numpy()
    a, b = pairs["_i_a"].to_numpy(), pairs["_i_b"].to_numpy()
    hit = (hi[a] < lo[b]) | (hi[b] < lo[a])
    pairs = pairs[hit].sort_values(["_g", "_i_a", "_i_b"])
    need = np.unique(np.r_[a[hit], b[hit]])
    rec, out = dict(zip(need, one.iloc[need].to_dict("records"))), []
    for i, j in zip(pairs["_i_a"], pairs["_i_b"]):
        for x, y in ((rec[i], rec[j]), (rec[j], rec[i])):
            out.append(_row(x, "cross_document_conflict", "warning",
                            f"同一单位{x['year']}年的“{x['subj']}”在另一份文件中数值不同。",
                            f"本文“{x['text']}”；{y['source']}“{y['text']}”", y["doc_id"]))
    return out


def _unit_values(m: pd.DataFrame) -> pd.DataFrame:
    """Per (unit, year, metric): the (first) row with the largest upper bound, plus
    ``lo_max`` (the largest lower bound of the group), in order of first appearance."""
    g = m.groupby(_G, sort=False)
    v = m.loc[g["hi"].idxmax().to_numpy()].reset_index(drop=True)
    return v.assign(lo_max=g["lo"].max().to_numpy())


def _parents(v: pd.DataFrame, units: pd.DataFrame,
             parent: Mapping[str, str | None] | None = None) -> list[dict]:
    """``v``: :func:`_unit_values`; ``parent``: unit -> parent (made from ``units`` when not
    given: pass it when checking the corpus a chunk at a time)."""
    parent = dict(zip(units["unit_id"], units["parent_id"])) if parent is None else parent
    par = [parent.get(u) for u in v["unit_id"].tolist()]
    is_kid = np.array([isinstance(p, str) for p in par], dtype=bool)
    kids = v[is_kid].assign(parent=[p for p, k in zip(par, is_kid) if k], _pos=np.flatnonzero(is_kid))
    by = ["parent", "year", *_KEY]
    tot = kids.groupby(by, sort=False).agg(total=("lo_max", "sum"), first=("_pos", "min")).reset_index()
    tops = v[_G].assign(top=np.arange(len(v))).rename(columns={"unit_id": "parent"})
    tot = tot.merge(tops, on=by, how="inner")
    tot = tot[v["hi"].to_numpy()[tot["top"].to_numpy()] < tot["total"].to_numpy() - 1e-9]
    kids, groups, out = kids.merge(tot[by], on=by).sort_values("_pos"), {}, []
    for *key, u, t, d in zip(*(kids[c].tolist() for c in [*by, "unit_id", "text", "doc_id"])):
        groups.setdefault(tuple(key), []).append((u, t, d))
    tot = tot.sort_values("first")
    name = unit_column(units, "unit_name", {u for ks in groups.values()
                                            for u, _, _ in ks[:MAX_CHILDREN_SHOWN]})
    for r, top in zip(tot.itertuples(index=False), _records(v, tot["top"])):
        ks = groups[(r.parent, r.year, r.subj, r.kind, r.cat)]
        out.append(parent_flag(top, r, ks, len(ks), name))
    return out


def parent_flag(top: dict, r, ks: list[tuple], n: int, name: dict) -> dict:
    """The parent_less_than_children flag of the parent's row ``top``; ``r``: the group
    (year, subj, total), ``ks``: its first children (unit, text, doc) in report order, of
    ``n`` in all."""
    return _row(top, "parent_less_than_children", "warning",
                f"上级单位{r.year}年的“{r.subj}”少于下级单位所报之和。",
                f"上级“{top['text']}”；下级合计 ≥ {_fmt(r.total)}（{_children(ks, name, n)}）",
                ks[0][2])


#: Children named in a parent_less_than_children flag's evidence; more are counted.
MAX_CHILDREN_SHOWN = 10


def _children(ks: list[tuple], name: dict, n: int) -> str:
    """"甲县关工委 300名、乙县关工委 400名" for the first (unit, text, doc) of ``n`` in report
    order; beyond :data:`MAX_CHILDREN_SHOWN` (a province's flag could list every county), the
    first ones and "等N个下级单位"."""
    parts = "、".join(f"{name.get(u, u)} {t}" for u, t, _ in ks[:MAX_CHILDREN_SHOWN])
    return parts if n <= MAX_CHILDREN_SHOWN else f"{parts}等{n}个下级单位"


def unit_column(units: pd.DataFrame, column: str, ids) -> dict:
    """unit_id -> ``column`` of the units ``ids`` only: a chunk's flags name a few units of
    a roster that may hold a hundred thousand."""
    sel = units["unit_id"].isin(list(ids)).to_numpy()
    return dict(zip(units["unit_id"][sel].tolist(), units[column][sel].tolist()))


def _records(df: pd.DataFrame, rows) -> list[dict]:
    """The rows at positions ``rows`` as dicts (one conversion for them all)."""
    return df.iloc[np.asarray(rows, dtype=np.int64)].to_dict("records")


def _ancestors(units: pd.DataFrame) -> pd.DataFrame:
    """(unit_id, anc, depth) for every ancestor two or more levels up."""
    parent = dict(zip(units["unit_id"], units["parent_id"]))
    rows = []
    for u in parent:
        anc, depth = parent.get(parent.get(u)), 2
        while isinstance(anc, str) and anc and depth <= len(parent) + 1:
            rows.append((u, anc, depth))
            anc, depth = parent.get(anc), depth + 1
    return pd.DataFrame(rows, columns=["unit_id", "anc", "depth"])


def _year_jumps(m: pd.DataFrame, ratio: float = 10.0) -> list[dict]:
    """A unit's single value of a metric ×``ratio`` (or more) against its value within two
    years."""
    out = []
    one = _single_values(m, _G).sort_values(["unit_id", *_KEY, "year"]).reset_index(drop=True)
    if len(one) > 1:
        same = np.logical_and.reduce([one[c].to_numpy()[1:] == one[c].to_numpy()[:-1] for c in ["unit_id", *_KEY]])
        year, lo, hi = one["year"].to_numpy(), one["lo"].to_numpy(), one["hi"].to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.maximum(lo[1:] / hi[:-1], lo[:-1] / hi[1:])
        hit = same & (year[1:] - year[:-1] <= 2) & (np.minimum(lo[1:], lo[:-1]) > 0) & (r >= ratio)
        hits = np.flatnonzero(hit)
        for i, a, b in zip(hits, _records(one, hits), _records(one, hits + 1)):
            out.append(_row(b, "implausible_jump", "warning",
                            f"“{b['subj']}”从{a['year']}年到{b['year']}年变化了{_fmt(round(r[i], 1))}倍，请核实。",
                            f"{a['year']}年“{a['text']}”（{a['source']}）→ {b['year']}年“{b['text']}”", a["doc_id"]))
    return out


def _ancestor_jumps(m: pd.DataFrame, v: pd.DataFrame, units: pd.DataFrame,
                    anc: pd.DataFrame) -> list[dict]:
    """Figures of ``m`` above the same year's figure of an ancestor two or more levels up
    (the nearest such ancestor); ``v``: :func:`_unit_values` of (at least) those ancestors,
    ``anc``: :func:`_ancestors`."""
    if anc.empty or v.empty:
        return []
    tops = v[_G + ["hi"]].assign(_top=np.arange(len(v)))
    tops = tops.rename(columns={"unit_id": "anc", "hi": "top_hi"})
    x = m[_G + ["lo"]].assign(_pos=np.arange(len(m))).merge(anc, on="unit_id")
    x = x.merge(tops, on=["anc", "year", *_KEY])
    x = x[x["lo"] > x["top_hi"]].sort_values(["_pos", "depth"]).drop_duplicates("_pos")
    level, out = unit_column(units, "level", set(x["anc"])), []
    for a, r, top in zip(x["anc"], _records(m, x["_pos"]), _records(v, x["_top"])):
        out.append(_row(r, "implausible_jump", "warning",
                        f"下级单位的“{r['subj']}”超过了{_LEVEL.get(level.get(a), '上级')}单位同一年的数字。",
                        f"本单位“{r['text']}”；{top['source']}“{top['text']}”", top["doc_id"]))
    return out


def _jumps(m: pd.DataFrame, v: pd.DataFrame, units) -> list[dict]:
    out = _year_jumps(m)
    if units is None or not len(units):
        return out
    return out + _ancestor_jumps(m, v, units, _ancestors(units))


def _binom_tail(k: int, n: int, p: float) -> float:
    """P(X ≥ k) for X ~ Binomial(n, p)."""
    return min(1.0, sum(math.comb(n, i) * p ** i * (1 - p) ** (n - i) for i in range(k, n + 1)))


def _round_rows(quantities: pd.DataFrame) -> pd.DataFrame:
    """The exact, unredacted additive figures of a unit that are ≥ 100 as written, with
    ``round`` (a multiple of 100)."""
    q = quantities[[c for c in _USED if c in quantities.columns]]
    ok = (q["kind"].isin(ADDITIVE) & ~q["approx"].fillna(False).astype(bool)
          & ~q["redacted"].fillna(False).astype(bool) & q["value"].notna() & q["unit_id"].notna())
    q = q[ok]
    text = q["text"].astype(str)
    # the number as written: 54万元 is 54, not 540000 (a 万/亿 unit is declared rounding)
    written = q["value"].astype(float).to_numpy() / np.where(
        text.str.contains("亿", regex=False), 1e8, np.where(text.str.contains("万", regex=False), 1e4, 1.0))
    return q[written >= 100].assign(round=(np.abs(written[written >= 100] % 100) < 1e-9))


def _round_stats(rows: pd.DataFrame) -> pd.DataFrame:
    """Per unit (the index, sorted): ``sum`` (round figures) and ``count`` of
    :func:`_round_rows`."""
    return rows.groupby("unit_id")["round"].agg(["sum", "count"])


def _round_tests(stats: pd.DataFrame, min_n: int = 8, alpha: float = 0.05) -> list[tuple]:
    """(unit_id, k, n, k_others, n_others, p_others, p-value) of every unit whose share of
    round figures is significantly above the pooled share of the other units
    (``stats``: :func:`_round_stats` over every unit)."""
    tested = stats[stats["count"] >= min_n]
    k, n = tested["sum"].to_numpy(int), tested["count"].to_numpy(int)
    ko, no = int(stats["sum"].sum()) - k, int(stats["count"].sum()) - n
    with np.errstate(divide="ignore", invalid="ignore"):
        p0 = np.clip(ko / no, 0.02, 0.98)
        maybe = (no >= min_n) & (k / n >= 2 * p0)   # the test is only run where it can flag
    out = []
    for i in np.flatnonzero(maybe):
        if (pv := _binom_tail(int(k[i]), int(n[i]), float(p0[i]))) < alpha / len(tested):
            out.append((tested.index[i], int(k[i]), int(n[i]), int(ko[i]), int(no[i]),
                        float(p0[i]), pv))
    return out


def _round_flag(rows: pd.DataFrame, test: tuple) -> dict:
    """The round_numbers flag of one unit of :func:`_round_tests` (``rows``: its
    :func:`_round_rows`, in document order)."""
    unit, k, n, ko, no, p0, pv = test
    rows = rows[(rows["unit_id"] == unit) & rows["round"]]
    first = rows[rows["doc_id"] == rows["doc_id"].value_counts().index[0]].iloc[0].to_dict()
    vals = "、".join(rows["text"].astype(str).head(12))
    return _row(first, "round_numbers", "info",
                f"该单位的数字为100整倍数的比例（{k}/{n}）远高于其他单位（{ko}/{no}），可能是估算数。",
                f"整百数 {k}/{n}，其他单位 {ko}/{no}（{p0:.0%}），二项检验 p = {pv:.2g}；{vals}")


def _round_numbers(quantities: pd.DataFrame, min_n: int = 8, alpha: float = 0.05) -> list[dict]:
    q = _round_rows(quantities)
    return [_round_flag(q, t) for t in _round_tests(_round_stats(q), min_n, alpha)]


def _copied(documents: pd.DataFrame, texts: Mapping[str, str], min_chars: int,
            shared=None) -> list[dict]:
    shown = [c for c in ("unit_id", "source") if c in documents.columns]
    meta = documents.set_index("doc_id")[shown].to_dict("index")
    out = []
    for p in copied_passages(documents, texts, min_chars=min_chars, shared=shared):
        a, b = (p["doc_a"], p["a_start"], p["a_end"]), (p["doc_b"], p["b_start"], p["b_end"])
        for (me, s, e), (other, os_, oe) in ((a, b), (b, a)):
            d, o = meta[me], meta[other]
            same = d.get("unit_id") is not None and d.get("unit_id") == o.get("unit_id")
            passage = texts[me][s:e]
            r = {"doc_id": me, "unit_id": d.get("unit_id"), "source": d.get("source"), "start": s,
                 "end": e, "sentence_text": passage if len(passage) <= 200 else passage[:200] + "…"}
            out.append(_row(r, "copied_text", "info" if same else "warning",
                            f"这段约{p['n_chars']}字与另一份文件（{o.get('source')}）几乎逐字相同。",
                            f"本文第{s}–{e}字 ≈ {o.get('source')}（{other}）第{os_}–{oe}字", other))
    return out


#: The fewest matched characters a copied passage has.
MIN_COPY_CHARS = 100


def cross_document_flags(documents: pd.DataFrame, quantities: pd.DataFrame,
                         texts: Mapping[str, str], units: pd.DataFrame,
                         min_copy_chars: int = MIN_COPY_CHARS, shared=None) -> pd.DataFrame:
    """All cross-document flags of a corpus, one row per flagged document (``shared``: the
    stored fingerprints, see :func:`pipeline.copied.copied_passages`)."""
    rows: list[dict] = []
    m = _metrics(quantities) if quantities is not None else pd.DataFrame()
    if not m.empty:
        v = _unit_values(m)
        rows += _conflicts(m) + (_parents(v, units) if units is not None and len(units) else [])
        rows += _jumps(m, v, units)
    if quantities is not None and not quantities.empty:
        rows += _round_numbers(quantities)
    if documents is not None and not documents.empty and texts:
        rows += _copied(documents, texts, min_copy_chars, shared)
    return as_frame(rows)


def as_frame(rows: list[dict]) -> pd.DataFrame:
    """Flag rows (:func:`_row`) as the flags frame (:data:`COLUMNS`), with the same dtypes
    however many rows there are (so frames made a part at a time concatenate alike)."""
    df = pd.DataFrame(rows, columns=COLUMNS)
    return df.astype({c: "Int64" if c in ("start", "end") else "str" for c in COLUMNS})
