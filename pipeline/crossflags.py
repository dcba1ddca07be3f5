"""Cross-document audit flags: numbers contradicted by another report, copied passages.

``cross_document_flags(documents, quantities, texts, units)`` compares what different
documents (and different units of the roster) say:

* ``cross_document_conflict``: one unit, one year, one metric (subject + kind + category),
  two documents, values whose intervals cannot meet;
* ``parent_less_than_children``: a parent's figure below the sum of its children's;
* ``implausible_jump``: ×10 year over year, or a unit above an ancestor two levels up;
* ``copied_text``: ≥100 characters shared near-verbatim with another document, after each
  document's own unit and place names are replaced by a placeholder (MinHash LSH over
  character-shingled windows, verified and extended with difflib);
* ``round_numbers``: a unit whose figures are multiples of 100 far more often than its
  peers' (one-sided binomial test against the pooled rate of the other units).
"""
from __future__ import annotations

import math
import re
from collections import defaultdict
from difflib import SequenceMatcher

import numpy as np
import pandas as pd

from extractors.flags import ADDITIVE, half_step

COLUMNS = ["doc_id", "unit_id", "type", "severity", "message", "evidence", "source", "start",
           "end", "sentence_text", "other_doc_id"]
_PLACE = re.compile(r"(?:[\u4e00-\u9fff]{2}|[Xx×*]{1,4})(?:省|市|县|区|镇|乡|街道)")
_LEVEL = {"province": "省级", "city": "市级", "county": "县级", "township": "乡镇级",
          "village": "村级"}
_SCOPE = re.compile(r"^(?:全(?:省|市|县|区|镇|乡|街道|村|社区)|本(?:省|市|县|区|镇|乡)|各级|共计|共|累计|合计)+")
_UNIT_SUFFIX = re.compile(r"(关心下一代工作委员会|关工委|关工小组|委员会)$")


def _fmt(x: float) -> str:
    return f"{int(round(x))}" if abs(x - round(x)) < 1e-9 else f"{x:.2f}".rstrip("0").rstrip(".")


def _iv(lo: float, hi: float) -> str:
    return _fmt(lo) if abs(hi - lo) < 1e-9 else f"[{_fmt(lo)}, {_fmt(hi)}]"


# --- metric table ------------------------------------------------------------------------
def _metrics(quantities: pd.DataFrame) -> pd.DataFrame:
    """Additive, non-redacted, achieved/status quantities with a subject, as intervals."""
    q = quantities.copy()
    if q.empty:
        return q.assign(key=pd.Series(dtype=object), lo=pd.Series(dtype=float),
                        hi=pd.Series(dtype=float))
    for c in ("category", "subject", "role"):
        if c not in q.columns:
            q[c] = None
    ok = (q["kind"].isin(ADDITIVE) & ~q["redacted"].fillna(False).astype(bool)
          & q["low"].notna() & q["high"].notna() & q["subject"].notna()
          & q["unit_id"].notna() & q["year"].notna()
          & q["role"].fillna("achieved").isin(["achieved", "status"]))
    q = q[ok].copy()
    h = [0.0 if a else half_step({"text": t}, k)
         for t, k, a in zip(q["text"], q["kind"], q["approx"].fillna(False))]
    q["lo"] = q["low"].astype(float) - h
    q["hi"] = q["high"].astype(float) + h
    q["key"] = list(zip(q["subject"].astype(str).str.strip().str.replace(_SCOPE, "", regex=True),
                        q["kind"],
                        q["category"].fillna("").astype(str)))
    q["year"] = q["year"].astype(int)
    return q


def _row(r, type_, severity, message, evidence, other=None) -> dict:
    return {"doc_id": r["doc_id"], "unit_id": r["unit_id"], "type": type_, "severity": severity,
            "message": message, "evidence": evidence, "source": r.get("source"),
            "start": r.get("start"), "end": r.get("end"),
            "sentence_text": r.get("sentence_text"), "other_doc_id": other}


def _single_values(m: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """One row per group, for groups that state a single value (one distinct interval)."""
    distinct = m.drop_duplicates(by + ["low", "high"])
    n = distinct.groupby(by, sort=False)["low"].transform("size")
    return distinct[n == 1]


def _conflicts(m: pd.DataFrame) -> list[dict]:
    out = []
    one = _single_values(m, ["unit_id", "year", "key", "doc_id"])
    for _, g in one.groupby(["unit_id", "year", "key"], sort=False):
        rows = g.to_dict("records")
        for i, a in enumerate(rows):
            for b in rows[i + 1:]:
                if a["hi"] < b["lo"] or b["hi"] < a["lo"]:
                    subj = a["key"][0]
                    for x, y in ((a, b), (b, a)):
                        out.append(_row(x, "cross_document_conflict", "warning",
                                        f"同一单位{x['year']}年的“{subj}”在另一份文件中数值不同。",
                                        f"本文“{x['text']}”；{y['source']}“{y['text']}”",
                                        y["doc_id"]))
    return out


def _unit_values(m: pd.DataFrame) -> dict[tuple, dict]:
    """Per (unit, year, metric): the row with the largest upper bound, plus ``lo_max``."""
    out: dict[tuple, dict] = {}
    for r in m.to_dict("records"):
        k = (r["unit_id"], r["year"], r["key"])
        cur = out.get(k)
        if cur is None or r["hi"] > cur["hi"]:
            out[k] = dict(r, lo_max=max(r["lo"], cur["lo_max"]) if cur else r["lo"])
        else:
            cur["lo_max"] = max(cur["lo_max"], r["lo"])
    return out


def _parents(m: pd.DataFrame, units: pd.DataFrame) -> list[dict]:
    if units is None or units.empty or m.empty:
        return []
    parent = dict(zip(units["unit_id"], units["parent_id"]))
    name = dict(zip(units["unit_id"], units["unit_name"]))
    v = _unit_values(m)
    kids: dict[tuple, list[dict]] = defaultdict(list)
    for (u, year, key), r in v.items():
        if isinstance(parent.get(u), str):
            kids[(parent[u], year, key)].append(r)
    out = []
    for (p, year, key), ks in kids.items():
        top = v.get((p, year, key))
        total = sum(r["lo_max"] for r in ks)
        if top is not None and top["hi"] < total - 1e-9:
            parts = "、".join(f"{name.get(r['unit_id'], r['unit_id'])} {r['text']}" for r in ks)
            out.append(_row(top, "parent_less_than_children", "warning",
                            f"上级单位{year}年的“{key[0]}”少于下级单位所报之和。",
                            f"上级“{top['text']}”；下级合计 ≥ {_fmt(total)}（{parts}）",
                            ks[0]["doc_id"]))
    return out


def _jumps(m: pd.DataFrame, units: pd.DataFrame, ratio: float = 10.0) -> list[dict]:
    out = []
    one = _single_values(m, ["unit_id", "year", "key"])
    for (_, _), g in one.groupby(["unit_id", "key"]):
        g = g.sort_values("year").to_dict("records")
        for a, b in zip(g, g[1:]):
            if b["year"] - a["year"] > 2 or min(a["lo"], b["lo"]) <= 0:
                continue
            r = max(b["lo"] / a["hi"], a["lo"] / b["hi"])
            if r >= ratio:
                out.append(_row(b, "implausible_jump", "warning",
                                f"“{b['key'][0]}”从{a['year']}年到{b['year']}年变化了{_fmt(round(r, 1))}倍，请核实。",
                                f"{a['year']}年“{a['text']}”（{a['source']}）→ {b['year']}年“{b['text']}”",
                                a["doc_id"]))
    if units is None or units.empty:
        return out
    parent = dict(zip(units["unit_id"], units["parent_id"]))
    level = dict(zip(units["unit_id"], units["level"]))
    v = _unit_values(m)
    for r in m.to_dict("records"):
        anc = parent.get(parent.get(r["unit_id"]))
        while isinstance(anc, str) and anc:
            top = v.get((anc, r["year"], r["key"]))
            if top is not None:
                if r["lo"] > top["hi"]:
                    out.append(_row(r, "implausible_jump", "warning",
                                    f"下级单位的“{r['key'][0]}”超过了{_LEVEL.get(level.get(anc), '上级')}单位同一年的数字。",
                                    f"本单位“{r['text']}”；{top['source']}“{top['text']}”",
                                    top["doc_id"]))
                    break
            anc = parent.get(anc)
    return out


# --- round numbers ------------------------------------------------------------------------
def _binom_tail(k: int, n: int, p: float) -> float:
    """P(X ≥ k) for X ~ Binomial(n, p)."""
    return min(1.0, sum(math.comb(n, i) * p ** i * (1 - p) ** (n - i) for i in range(k, n + 1)))


def _round_numbers(quantities: pd.DataFrame, min_n: int = 8, alpha: float = 0.05) -> list[dict]:
    q = quantities
    if q.empty:
        return []
    ok = (q["kind"].isin(ADDITIVE) & ~q["approx"].fillna(False).astype(bool)
          & ~q["redacted"].fillna(False).astype(bool) & q["value"].notna() & q["unit_id"].notna())
    q = q[ok].copy()
    # the number as written: 54万元 is 54, not 540000 (a 万/亿 unit is declared rounding)
    mult = [1e8 if "亿" in str(t) else 1e4 if "万" in str(t) else 1.0 for t in q["text"]]
    q["written"] = q["value"].astype(float) / mult
    q = q[q["written"] >= 100]
    q["round"] = (q["written"] % 100).abs() < 1e-9
    stats = q.groupby("unit_id")["round"].agg(["sum", "count"])
    tested = stats[stats["count"] >= min_n]
    out = []
    K, N = int(stats["sum"].sum()), int(stats["count"].sum())
    for unit, (k, n) in tested.iterrows():
        k, n = int(k), int(n)
        ko, no = K - k, N - n
        if no < min_n:
            continue
        p0 = min(max(ko / no, 0.02), 0.98)
        pv = _binom_tail(k, n, p0)
        if pv < alpha / len(tested) and k / n >= 2 * p0:
            rows = q[(q["unit_id"] == unit) & q["round"]]
            doc = rows["doc_id"].value_counts().index[0]
            first = rows[rows["doc_id"] == doc].iloc[0].to_dict()
            vals = "、".join(rows["text"].astype(str).head(12))
            out.append(_row(first, "round_numbers", "info",
                            f"该单位的数字为100整倍数的比例（{k}/{n}）远高于其他单位（{ko}/{no}），可能是估算数。",
                            f"整百数 {k}/{n}，其他单位 {ko}/{no}（{p0:.0%}），二项检验 p = {pv:.2g}；{vals}"))
    return out


# --- copied text --------------------------------------------------------------------------
def _normalise(text: str, names: list[str]) -> tuple[str, list[int]]:
    """Text without whitespace, unit and place names replaced by 〇; and a map to offsets."""
    alts = [re.escape(n) for n in sorted({x for x in names if x and len(x) >= 2}, key=len, reverse=True)]
    pat = re.compile("|".join(alts + [_PLACE.pattern, r"\s+"]))
    chars, index, pos = [], [], 0
    for m in pat.finditer(text):
        chars.append(text[pos:m.start()])
        index.extend(range(pos, m.start()))
        if not m.group().isspace():
            chars.append("〇")
            index.append(m.start())
        pos = m.end()
    chars.append(text[pos:])
    index.extend(range(pos, len(text)))
    return "".join(chars), index


def _names(row) -> list[str]:
    out = []
    for n in (row.get("reporting_unit"), row.get("unit_name")):
        if isinstance(n, str) and n:
            out += [n, _UNIT_SUFFIX.sub("", n)]
    return out


def _passages(a: str, b: str, a0: int, b0: int, min_chars: int, gap: int = 6):
    """Near-verbatim passages shared by a[a0:] and b[b0:] (offsets in a and b)."""
    sm = SequenceMatcher(None, a, b, autojunk=False)
    cur = None
    for blk in sm.get_matching_blocks():
        if blk.size == 0:
            continue
        if cur and blk.a - cur[1] <= gap and 0 <= blk.b - cur[3] <= gap:
            cur = [cur[0], blk.a + blk.size, cur[2], blk.b + blk.size, cur[4] + blk.size]
            continue
        if cur and cur[4] >= min_chars and cur[4] >= 0.9 * (cur[1] - cur[0]):
            yield cur[0] + a0, cur[1] + a0, cur[2] + b0, cur[3] + b0
        cur = [blk.a, blk.a + blk.size, blk.b, blk.b + blk.size, blk.size]
    if cur and cur[4] >= min_chars and cur[4] >= 0.9 * (cur[1] - cur[0]):
        yield cur[0] + a0, cur[1] + a0, cur[2] + b0, cur[3] + b0


_PRIME, _MAXH = np.uint64((1 << 61) - 1), np.uint64((1 << 32) - 1)


class _Sig:
    """A MinHash signature as datasketch's LSH reads it (``hashvalues`` and ``len``)."""

    def __init__(self, hashvalues: np.ndarray):
        self.hashvalues = hashvalues

    def __len__(self) -> int:
        return len(self.hashvalues)


def _signatures(t: str, k: int, step: int, perms: tuple[np.ndarray, np.ndarray]):
    """MinHash signatures of windows of 2·``step`` character ``k``-shingles, one every ``step``.

    Vectorised: each shingle is hashed once, permuted like datasketch's MinHash, and a
    window's minimum is the minimum of its two blocks (so tens of thousands of documents
    stay cheap).  Returns (window start offsets, signatures [n_windows, num_perm])."""
    n = len(t) - k + 1
    if n < 2 * step:
        return np.zeros(0, dtype=int), np.zeros((0, len(perms[0])), dtype=np.uint64)
    codes = np.frombuffer(t.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    h = np.zeros(n, dtype=np.uint64)
    for j in range(k):
        h = h * np.uint64(1000003) + codes[j:j + n]
    h = (h ^ (h >> np.uint64(29))) & _MAXH
    a, b = perms
    phv = ((a[:, None] * h[None, :] + b[:, None]) % _PRIME) & _MAXH
    nb = n // step
    blocks = np.minimum.reduceat(phv[:, :nb * step], np.arange(0, nb * step, step), axis=1)
    return np.arange(nb - 1) * step, np.minimum(blocks[:, :-1], blocks[:, 1:]).T


def copied_passages(documents: pd.DataFrame, texts: dict[str, str], min_chars: int = 100,
                    step: int = 30, k: int = 5, num_perm: int = 64,
                    threshold: float = 0.4, common: int = 25) -> list[dict]:
    """Pairs of documents sharing ≥ ``min_chars`` near-verbatim, as offset records.

    Windows are 2·step+k-1 characters long (64), one every ``step``: any shared passage of
    ≥ 100 characters holds a whole window of one document that overlaps a window of the
    other by ≥ 75 %, which the LSH (Jaccard threshold 0.4) finds; difflib then verifies.
    A window found in more than ``common`` other documents is a stock formula and ignored."""
    from datasketch import MinHashLSH

    window = 2 * step + k - 1
    rng = np.random.RandomState(1)
    perms = (rng.randint(1, int(_PRIME), num_perm, dtype=np.uint64),
             rng.randint(0, int(_PRIME), num_perm, dtype=np.uint64))
    docs = [r for r in documents.to_dict("records") if isinstance(texts.get(r["doc_id"]), str)]
    norm = [_normalise(texts[r["doc_id"]], _names(r)) for r in docs]
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    hits: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    for di, (t, _) in enumerate(norm):
        starts, sigs = _signatures(t, k, step, perms)
        mhs = [_Sig(sig) for sig in sigs]
        for s, mh in zip(starts, mhs):
            found = lsh.query(mh)
            if len({dj for dj, _ in found}) > common:
                continue  # a formula shared by many reports (套话), not copying
            for dj, sj in found:
                hits[(dj, di)].append((sj, int(s)))
        for s, mh in zip(starts, mhs):
            lsh.insert((di, int(s)), mh, check_duplication=False)
    out = []
    for (da, db), pairs in hits.items():
        (ta, ia), (tb, ib) = norm[da], norm[db]
        found = []
        pairs.sort(key=lambda p: (p[1] - p[0], p[0]))
        groups, cur = [], [pairs[0]]
        for p in pairs[1:]:
            if abs((p[1] - p[0]) - (cur[-1][1] - cur[-1][0])) <= window and p[0] - cur[-1][0] <= 4 * window:
                cur.append(p)
            else:
                groups.append(cur)
                cur = [p]
        groups.append(cur)
        for g in groups:
            a0, a1 = max(min(p[0] for p in g) - window, 0), max(p[0] for p in g) + 2 * window
            b0, b1 = max(min(p[1] for p in g) - window, 0), max(p[1] for p in g) + 2 * window
            for pa0, pa1, pb0, pb1 in _passages(ta[a0:a1], tb[b0:b1], a0, b0, min_chars):
                if not any(pa0 < f[1] and f[0] < pa1 for f in found):
                    found.append((pa0, pa1, pb0, pb1))
        for pa0, pa1, pb0, pb1 in sorted(found):
            out.append({"doc_a": docs[da]["doc_id"], "doc_b": docs[db]["doc_id"],
                        "a_start": ia[pa0], "a_end": ia[pa1 - 1] + 1,
                        "b_start": ib[pb0], "b_end": ib[pb1 - 1] + 1, "n_chars": pa1 - pa0})
    return out


def _copied(documents: pd.DataFrame, texts: dict[str, str], min_chars: int) -> list[dict]:
    meta = documents.set_index("doc_id").to_dict("index")
    out = []
    for p in copied_passages(documents, texts, min_chars=min_chars):
        for me, other, s, e, os_, oe in (("doc_a", "doc_b", "a_start", "a_end", "b_start", "b_end"),
                                         ("doc_b", "doc_a", "b_start", "b_end", "a_start", "a_end")):
            d, o = meta[p[me]], meta[p[other]]
            same = d.get("unit_id") is not None and d.get("unit_id") == o.get("unit_id")
            passage = texts[p[me]][p[s]:p[e]]
            r = {"doc_id": p[me], "unit_id": d.get("unit_id"), "source": d.get("source"),
                 "start": p[s], "end": p[e],
                 "sentence_text": passage if len(passage) <= 200 else passage[:200] + "…"}
            out.append(_row(r, "copied_text", "info" if same else "warning",
                            f"这段约{p['n_chars']}字与另一份文件（{o.get('source')}）几乎逐字相同。",
                            f"本文第{p[s]}–{p[e]}字 ≈ {o.get('source')}（{p[other]}）第{p[os_]}–{p[oe]}字",
                            p[other]))
    return out


def cross_document_flags(documents: pd.DataFrame, quantities: pd.DataFrame,
                         texts: dict[str, str], units: pd.DataFrame,
                         min_copy_chars: int = 100) -> pd.DataFrame:
    """All cross-document flags of a corpus, one row per flagged document."""
    rows: list[dict] = []
    m = _metrics(quantities) if quantities is not None else pd.DataFrame()
    if not m.empty:
        rows += _conflicts(m) + _parents(m, units) + _jumps(m, units)
    if quantities is not None and not quantities.empty:
        rows += _round_numbers(quantities)
    if documents is not None and not documents.empty and texts:
        rows += _copied(documents, texts, min_copy_chars)
    df = pd.DataFrame(rows, columns=COLUMNS)
    return df.astype({"start": "Int64", "end": "Int64"}) if not df.empty else df
