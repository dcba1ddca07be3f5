"""Per-document audit flags: numbers that cannot be taken at face value, and why.

``document_flags(norm, quantities, sentences)`` checks one document's quantity mentions
(schema in docs/ARCHITECTURE.md) against each other, the way XBRL calculation rules compare
totals with parts and GRIM tests a percentage against its denominator: ``redacted``,
``vague``, ``sum_mismatch`` (共/合计/累计 … against listed parts), ``subset_exceeds_total``
("其中"), ``percent_mismatch`` and ``change_mismatch`` ("由A提高到B", "增长X%", "比去年增加N").
Every number is an interval: approximate values use the extractor's ``low``/``high``; exact
values with a decimal or 万/亿 get their rounding (1.2万 → ±500), percentages the rounding of
their decimals (58% → ±0.5).  A flag is raised only when the intervals cannot meet.  Pure.
"""
from __future__ import annotations

import re
from typing import Any

from extractors.flag_model import (
    ADDITIVE,
    half_step,
    _TOTAL,
    _SUBSET,
    _ENUM_AFTER,
    _FROM_TO,
    _PCT_CUE,
    _NUM,
    Q,
    _fmt,
    _eq,
    _disjoint,
    _Doc,
    _iv,
)
from extractors.flag_changes import _changes

__all__ = ["document_flags", "ADDITIVE", "half_step"]


def _redacted_vague(d: _Doc) -> None:
    for q in d.qs:
        if not q.known:
            d.flag("redacted", "info", f"数字“{q.text}”已脱敏或无法解析，无法核对，也不能计入汇总。", [q])
        elif q.approx and q.kind in ADDITIVE and (q.role == "achieved" or q.links.get("part_of") is not None):
            # only figures that are added up (achievements, or parts of a stated total)
            d.flag("vague", "info", f"“{q.text}”是约数，计入合计时只能按区间 {_eq(q.low, q.high, '')} 计算。",
                   [q], f"区间 {_eq(q.low, q.high, '')}", {"low": q.low, "high": q.high})


# --- totals and parts ---------------------------------------------------------------------
def _check_sum(d: _Doc, total: Q, parts: list[Q], how: str, seen: set) -> None:
    key = (total.i, tuple(sorted(p.i for p in parts)))
    if key in seen or len(parts) < 2 or not total.known or not all(p.known for p in parts):
        return
    seen.add(key)
    s_iv = _iv(parts)
    if not _disjoint(s_iv, (total.lo, total.hi)):
        return
    exact = total.exact and all(p.exact for p in parts)
    raw = _iv(parts, raw=True)
    d.flag("sum_mismatch", "error" if exact else "warning",
           f"所列{len(parts)}项之和与文中合计“{total.text}”不符。", [total] + parts,
           f"各项之和 {_eq(*raw)}，文中合计 {_eq(total.low, total.high)}",
           {"parts_sum": list(raw), "total": [total.low, total.high], "how": how,
            "tolerance": [s_iv[0] - raw[0], s_iv[1] - raw[1]]})


def _check_subset(d: _Doc, total: Q, part: Q, how: str, seen: set) -> None:
    if (total.i, part.i) in seen or not total.known or not part.known:
        return
    seen.add((total.i, part.i))
    if part.lo > total.hi + 1e-9:
        exact = total.exact and part.exact
        d.flag("subset_exceeds_total", "error" if exact else "warning",
               f"“其中”部分“{part.text}”大于其总数“{total.text}”。", [total, part],
               f"其中部分 {_eq(part.low, part.high)}，总数 {_eq(total.low, total.high)}",
               {"part": [part.low, part.high], "total": [total.low, total.high], "how": how})


def _sent_span(d: _Doc, k: int, back: int = 0) -> list[int]:
    """Indices of quantities in the sentence of quantity k (and ``back`` sentences before)."""
    s = d.qs[k].sent
    return [j for j, q in enumerate(d.qs) if s - back <= q.sent <= s]


def _subset_of(d: _Doc, k: int) -> int | None:
    """If quantity k opens a "其中" list, the index of its total."""
    gap = d.gap(k)
    ms = list(_SUBSET.finditer(gap))
    if not ms or re.search(r"[。!?]", gap[ms[-1].end():]):
        return None
    cut = d.qs[k].start - len(gap) + ms[-1].start()
    return next((j for j in sorted(_sent_span(d, k, back=1), reverse=True)
                 if d.qs[j].end <= cut and d.qs[j].same_family(d.qs[k])), None)


def _subset_parts(d: _Doc, k: int) -> list[int]:
    """Quantity k and the same-family quantities after it in the same "其中" list."""
    q, out = d.qs[k], [k]
    for j in range(k + 1, len(d.qs)):
        o = d.qs[j]
        if o.sent != q.sent or _TOTAL.search(d.gap(j)) or _SUBSET.search(d.gap(j)):
            break
        if o.same_family(q):
            out.append(j)
    return out


def _totals(d: _Doc) -> None:
    seen: set = set()
    by_i = {q.i: j for j, q in enumerate(d.qs)}
    in_subset: set[int] = set()
    # 1. links from the quantity extractor
    for k, t in enumerate(d.qs):
        parts = [d.qs[by_i[i]] for i in (t.links.get("total_of") or []) if i in by_i]
        if not parts:
            continue
        lo = min(p.start for p in parts)
        between = d.text[t.end:lo] if lo > t.end else ""
        if _SUBSET.search(between) or len(parts) == 1:
            for p in parts:
                in_subset.add(p.i)
                _check_subset(d, t, p, "links", seen)
        else:
            _check_sum(d, t, [p for p in parts if p.same_family(t)], "links", seen)
    linked = {q.i for q in d.qs if q.links.get("total_of")}
    # 2. "其中" lists
    for k, p in enumerate(d.qs):
        j = _subset_of(d, k)
        if j is None:
            continue
        for m in _subset_parts(d, k):
            in_subset.add(d.qs[m].i)
            _check_subset(d, d.qs[j], d.qs[m], "其中", seen)
    # 3. enumerations before or after a stated total
    for k, t in enumerate(d.qs):
        if t.i in linked or t.kind not in ADDITIVE or t.i in in_subset:
            continue
        gap = d.gap(k)
        cue = _TOTAL.search(gap[-12:])
        if cue:
            _check_sum(d, t, _parts_before(d, k), "enumeration", seen)
        if cue or _TOTAL.search(gap):
            after = d.text[t.end:]
            m = _ENUM_AFTER.match(after)
            if m:
                parts = [d.qs[j] for j in range(k + 1, len(d.qs))
                         if d.qs[j].sent == t.sent and d.qs[j].same_family(t)]
                _check_sum(d, t, parts, "enumeration", seen)


def _parts_before(d: _Doc, k: int) -> list[Q]:
    t = d.qs[k]
    # a previous sentence only for a bare summary sentence: "以上共计25场。", "合计250人。"
    lead = d.text[d.sentences[t.sent][0]:t.start] if 0 <= t.sent < len(d.sentences) else ""
    back = 1 if re.fullmatch(r"\s*(以上|上述|各项|这些)?[^，,。0-9]{0,2}", _TOTAL.sub("", lead, 1)) and \
        _TOTAL.search(lead) else 0
    parts: list[Q] = []
    for j in range(k - 1, -1, -1):
        q = d.qs[j]
        if q.sent < t.sent - back:
            break
        gap = d.gap(j + 1) if j + 1 < len(d.qs) else ""
        if _SUBSET.search(gap) and parts:
            return []
        if not q.same_family(t):
            continue
        if _TOTAL.search(d.gap(j)[-12:]) or _SUBSET.search(d.gap(j)):
            break
        if parts and _FROM_TO.match(d.text[q.end:parts[-1].start]):
            return []  # "由A增加到B" is a change, not a list of parts
        parts.append(q)
    return parts[::-1]


# --- percentages ------------------------------------------------------------------------
def _percents(d: _Doc) -> None:
    for k, p in enumerate(d.qs):
        if p.kind != "percent" or not p.known:
            continue
        s0 = d.sentences[p.sent][0]
        window = d.text[max(s0, p.start - 40):p.start]
        cues = list(_PCT_CUE.finditer(window))
        if not cues:
            continue
        cue_pos = p.start - len(window) + cues[-1].start()
        before = [j for j in range(k) if d.qs[j].end <= cue_pos and d.qs[j].sent == p.sent
                  and d.qs[j].kind in ADDITIVE and d.qs[j].known]
        if not before:
            continue
        n = d.qs[before[-1]]
        inside = [q for q in d.qs[before[-1] + 1:k] if q.start >= cue_pos and q.same_family(n)]
        den = inside[0] if inside else _denominator(d, before[-1])
        if den is None or not den.known or den.lo <= 0 or den.i == n.i:
            continue
        if not inside and not _names_whole(d, cue_pos + len(cues[-1].group(0)), p.start, den):
            continue
        r_lo, r_hi = n.lo / den.hi * 100, n.hi / den.lo * 100
        p_lo, p_hi = p.lo, p.hi
        hedged = re.search(r"(约|近|大约|接近|将近)$", d.text[max(0, cue_pos - 3):cue_pos]) or \
            re.match(r"(左右|上下)", d.text[p.end:p.end + 2])
        if hedged and not p.approx:  # "约占20%": the hedge sits outside the quantity's span
            p_lo, p_hi = 0.9 * p.lo, 1.1 * p.hi
        if not _disjoint((r_lo, r_hi), (p_lo, p_hi)):
            continue
        exact = n.exact and den.exact and not p.approx and not hedged
        raw_lo, raw_hi = n.low / den.high * 100, n.high / den.low * 100
        dec = len(_NUM.search(p.text).group(2) or "") + 1 if _NUM.search(p.text) else 1
        shown = (f"= {raw_lo:.{dec}f}%" if abs(raw_hi - raw_lo) < 1e-9
                 else f"∈ [{raw_lo:.{dec}f}%, {raw_hi:.{dec}f}%]")
        d.flag("percent_mismatch", "error" if exact else "warning",
               f"百分比“{p.text}”与分子“{n.text}”、分母“{den.text}”算出的比例不符。", [p, n, den],
               f"{_fmt(n.low) if n.exact else n.text} / {_fmt(den.low) if den.exact else den.text} "
               f"{shown}，文中 = {p.text}",
               {"ratio": [raw_lo, raw_hi], "stated": [p.low, p.high], "allowed": [p_lo, p_hi]})


def _names_whole(d: _Doc, a: int, b: int, den: Q) -> bool:
    """"占社区“五老”总人数20%" names its whole: accept a denominator only if its context agrees."""
    phrase = re.sub(r"[^\u4e00-\u9fff]", "", d.text[a:b])
    core = re.sub(r"(的|总人数|总人口|总数|人数|总量|比例|比重|总)+$", "", phrase)
    core = re.sub(r"^(约|近|达|了|全)+", "", core)
    if len(core) < 2:
        return True
    s0 = d.sentences[den.sent][0] if 0 <= den.sent < len(d.sentences) else 0
    context = d.text[max(s0, den.start - 40):den.start]
    return core[-2:] in context or ("人口" in phrase and "人口" in context)


def _denominator(d: _Doc, kn: int) -> Q | None:
    """The whole that quantity kn is a share of: a linked or "其中" total, "N个…中", "共N"."""
    n = d.qs[kn]
    by_i = {q.i: q for q in d.qs}
    if n.links.get("part_of") in by_i:
        return by_i[n.links["part_of"]]
    j = _subset_of(d, kn)
    if j is not None:
        return d.qs[j]
    for j in sorted(_sent_span(d, kn, back=1), reverse=True):
        q = d.qs[j]
        if j >= kn or not q.same_family(n):
            continue
        after = d.text[q.end:min(q.end + 14, n.start)]
        if re.match(r"^[^，,。；;0-9]{0,12}?(中|之中|里)[，,]?", after) or _TOTAL.search(d.gap(j)[-8:]):
            return q
    return None


def document_flags(text: str, quantities: list[dict[str, Any]],
                   sentences: list[tuple[int, int]], doc_id: str | None = None,
                   source: str | None = None) -> list[dict[str, Any]]:
    """All per-document flags of one document (``text`` is its ``norm``)."""
    d = _Doc(text, quantities, list(sentences), doc_id, source)
    _redacted_vague(d)
    _totals(d)
    _percents(d)
    _changes(d)
    order = ["sum_mismatch", "subset_exceeds_total", "percent_mismatch", "change_mismatch"]
    d.flags.sort(key=lambda f: (order.index(f["type"]) if f["type"] in order else 9,
                                f["spans"][0]["start"] if f["spans"] else 0))
    return d.flags
