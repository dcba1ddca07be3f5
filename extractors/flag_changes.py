"""Change checks: "由A提高到B", "增长X%", "比去年增加N" whose two sides disagree."""
from __future__ import annotations

import re

from extractors.flag_model import (
    _INCREASE,
    _DECREASE,
    _CHANGE_VERB,
    _FROM_TO,
    _DELTA,
    _LAST_YEAR,
    Q,
    _fmt,
    _eq,
    _disjoint,
    _Doc,
)


# --- changes ------------------------------------------------------------------------------
def _changes(d: _Doc) -> None:
    by_i = {q.i: j for j, q in enumerate(d.qs)}
    done: set[int] = set()
    for k, b in enumerate(d.qs):
        a_idx = None
        cf = b.links.get("changed_from")
        if cf in by_i:
            a_idx = by_i[cf]
        elif k > 0 and d.qs[k - 1].same_family(b) and d.qs[k - 1].sent == b.sent:
            pre = d.text[max(0, d.qs[k - 1].start - 8):d.qs[k - 1].start]
            if re.search(r"[由从]", pre) and _FROM_TO.match(d.gap(k)):
                a_idx = k - 1
        if a_idx is None or not b.known or not d.qs[a_idx].known:
            continue
        a = d.qs[a_idx]
        verb = _CHANGE_VERB.search(d.text[a.end:b.start])
        up = verb is None or not re.match(_DECREASE, verb.group(1))
        done.add(k)
        if (up and b.hi < a.lo) or (not up and b.lo > a.hi) or (a.exact and b.exact and a.low == b.low):
            word = verb.group(1) if verb else ("增加" if up else "减少")
            d.flag("change_mismatch", "error", f"文中称由“{a.text}”{word}到“{b.text}”，但新值并未{'增加' if up else '减少'}。",
                   [a, b], f"原值 {_eq(a.low, a.high)}，新值 {_eq(b.low, b.high)}",
                   {"from": [a.low, a.high], "to": [b.low, b.high], "direction": "up" if up else "down"})
            continue
        if k + 1 < len(d.qs) and d.qs[k + 1].sent == b.sent and _DELTA.match(d.gap(k + 1)):
            _check_delta(d, a, b, d.qs[k + 1], up)  # "…到B，增长了X%"
    _last_year(d, done)


def _check_delta(d: _Doc, a: Q, b: Q, c: Q, up: bool) -> None:
    if not c.known or not (c.kind == "percent" or c.same_family(b)):
        return
    sign = 1 if up else -1
    if c.kind == "percent":
        if a.lo <= 0:
            return
        lo, hi = sign * (b.lo / a.hi - 1) * 100, sign * (b.hi / a.lo - 1) * 100
        raw = sign * (b.low - a.low) / a.low * 100 if a.low else 0
        shown = f"({_fmt(b.low)} − {_fmt(a.low)}) / {_fmt(a.low)} = {raw:.1f}%"
    else:
        lo, hi = sign * (b.lo - a.hi), sign * (b.hi - a.lo)
        raw = sign * (b.low - a.low)
        shown = f"{_fmt(b.low)} − {_fmt(a.low)} = {_fmt(sign * raw)}" if up else \
            f"{_fmt(a.low)} − {_fmt(b.low)} = {_fmt(raw)}"
    lo, hi = min(lo, hi), max(lo, hi)
    if not _disjoint((lo, hi), (c.lo, c.hi)):
        return
    exact = a.exact and b.exact and c.exact
    d.flag("change_mismatch", "error" if exact else "warning",
           f"文中所述变化“{c.text}”与前后两个数值“{a.text}”“{b.text}”算出的变化不符。", [a, b, c],
           f"{shown}，文中 = {c.text}", {"from": [a.low, a.high], "to": [b.low, b.high],
                                          "stated_change": [c.low, c.high], "computed": [lo, hi]})


def _last_year(d: _Doc, done: set[int]) -> None:
    """"比去年增加N" / "同比增长X%" with last year's and this year's values both stated."""
    for kc, c in enumerate(d.qs):
        if kc == 0 or kc - 1 in done or not c.known:
            continue
        s0 = d.sentences[c.sent][0]
        window = d.text[max(s0, c.start - 30):c.start]
        m = re.search(rf"(比|较)([^，,。；;]{{0,12}}?)({_INCREASE}|{_DECREASE})了?$", window)
        if not m or not (_LAST_YEAR.search(m.group(2)) or window[:m.start()].endswith("同")):
            continue
        up = not re.match(_DECREASE, m.group(3))
        cmp_pos = c.start - len(window) + m.start()
        old = new = None
        for j in range(kc - 1, -1, -1):
            q = d.qs[j]
            if q.sent < c.sent - 1:
                break
            lead = d.text[max(d.sentences[q.sent][0], q.start - 10):q.start]
            last = q.start >= cmp_pos or (_LAST_YEAR.search(lead) and "今年" not in lead)
            if not q.known or not (c.kind == "percent" or q.same_family(c)):
                continue
            if last and old is None:
                old = j
            elif not last and new is None and q.start < cmp_pos:
                new = j
        if old is not None and new is not None and d.qs[new].same_family(d.qs[old]):
            _check_delta(d, d.qs[old], d.qs[new], c, up)
