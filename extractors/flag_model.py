"""The arithmetic model behind the audit flags: quantities as intervals, the document
they sit in, and the helpers that format expectations.  Pure."""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

ADDITIVE = {"people", "person_times", "funds", "events", "organizations", "items"}
_TOTAL = re.compile(r"(共计|合计|总计|累计|总共|一共|总数|(?<![中公])共(?![青同建享产担进治商识鸣赢筑育抓谋]))")
_SUBSET = re.compile(r"(?<![与身入在乐于])其中")
_ENUM_AFTER = re.compile(r"^[^。!?；;]{0,8}?(分别为|分别是|分别有|分别|包括)")
_INCREASE = "提高|增加|增长|上升|扩大|提升|增至|升至|达到"
_DECREASE = "下降|减少|降低|降至|缩小|减至"
_CHANGE_VERB = re.compile(rf"({_INCREASE}|{_DECREASE})")
_FROM_TO = re.compile(rf"^[^，,。；;]{{0,8}}?({_INCREASE}|{_DECREASE})了?(到|至|为)?[^，,。；;0-9]{{0,8}}$")
_DELTA = re.compile(r"^[，,]?[^。；;，,]{0,6}?(增加了|增长了|提高了|上升了|增加|增长|提高|上升|增幅为|增幅|净增|"
                    r"多|减少了|下降了|降低了|减少|下降|降低|降幅为|降幅|少)$")
_LAST_YEAR = re.compile(r"(去年|上年|上一年|前一年|同期)")
_PCT_CUE = re.compile(r"(占比为|占比|占|比例为|比重为|比例达|比例)")
_NUM = re.compile(r"(\d+)(?:\.(\d+))?")


@dataclass
class Q:
    """One quantity mention seen as an interval (rounding included)."""

    i: int
    start: int
    end: int
    text: str
    kind: str
    unit: str
    low: float | None
    high: float | None
    lo: float | None
    hi: float | None
    approx: bool
    role: str | None
    sent: int
    links: dict = field(default_factory=dict)

    @property
    def known(self) -> bool:
        return self.lo is not None and self.hi is not None

    @property
    def exact(self) -> bool:
        return not self.approx and self.low == self.high

    def same_family(self, other: "Q") -> bool:
        return self.kind == other.kind and (self.kind in ADDITIVE or self.unit == other.unit)


def half_step(q: dict, kind: str) -> float:
    """Half the place value of the last written digit, when the writer rounded."""
    text = q.get("text") or ""
    m = _NUM.search(text)
    decimals = len(m.group(2)) if m and m.group(2) else 0
    if kind == "percent":
        return 0.5 * 10 ** -decimals
    mult = 1e8 if "亿" in text else 1e4 if "万" in text else 1.0
    if decimals:
        return 0.5 * 10 ** -decimals * mult
    return 0.5 * mult if mult > 1 else 0.0


def _build(quantities: list[dict], sentences: list[tuple[int, int]]) -> list[Q]:
    starts = [s for s, _ in sentences]
    out = []
    for i, q in enumerate(quantities):
        kind, unit = q.get("kind") or "other", q.get("unit") or ""
        kind = "percent_point" if kind == "percent" and "百分点" in unit else kind
        low, high = q.get("low"), q.get("high")
        if q.get("redacted") or low is None or high is None:
            lo = hi = None
        else:
            h = 0.0 if q.get("approx") and kind != "percent" else half_step(q, kind)
            lo, hi = float(low) - h, float(high) + h
        sent = bisect.bisect_right(starts, q["start"]) - 1 if starts else 0
        out.append(Q(i, q["start"], q["end"], q.get("text") or "", kind, unit, low, high, lo, hi,
                     bool(q.get("approx")), q.get("role"), sent, q.get("links") or {}))
    out.sort(key=lambda x: x.start)
    return out


def _fmt(x: float) -> str:
    return f"{int(round(x))}" if abs(x - round(x)) < 1e-9 else f"{x:.2f}".rstrip("0").rstrip(".")


def _eq(lo: float, hi: float, sign: str = "= ") -> str:
    """"= 25" for a point, "∈ [1500, 1700]" for an interval (``sign=""``: bare)."""
    return f"{sign}{_fmt(lo)}" if abs(hi - lo) < 1e-9 else f"{'∈ ' if sign else ''}[{_fmt(lo)}, {_fmt(hi)}]"


def _disjoint(a: tuple[float, float], b: tuple[float, float], eps: float = 1e-9) -> bool:
    return a[1] < b[0] - eps or b[1] < a[0] - eps


class _Doc:
    """The document's quantities in text order, with the text between them."""

    def __init__(self, text, quantities, sentences, doc_id, source):
        self.text, self.sentences = text, sentences or [(0, len(text))]
        self.qs = _build(quantities, self.sentences)
        self.doc_id, self.source = doc_id, source
        self.flags: list[dict] = []

    def gap(self, k: int) -> str:
        """Text between quantity k-1 (or its sentence start) and quantity k."""
        q = self.qs[k]
        s0 = self.sentences[q.sent][0] if 0 <= q.sent < len(self.sentences) else 0
        prev_end = self.qs[k - 1].end if k > 0 else 0
        return self.text[max(s0, prev_end):q.start]

    def flag(self, type_, severity, message, qs, expected=None, detail=None):
        ids = {k: v for k, v in (("doc_id", self.doc_id), ("source", self.source)) if v is not None}
        spans = [{**ids, "start": q.start, "end": q.end, "text": self.text[q.start:q.end]} for q in qs]
        self.flags.append({"type": type_, "severity": severity, "message": message,
                           "quantities": [q.i for q in qs], "spans": spans,
                           "expected": expected, "detail": detail or {}})


def _iv(qs: list[Q], raw: bool = False) -> tuple[float, float]:
    """Sum of intervals: with rounding (``lo``/``hi``) or as written (``low``/``high``)."""
    return (sum(q.low for q in qs), sum(q.high for q in qs)) if raw else \
        (sum(q.lo for q in qs), sum(q.hi for q in qs))


# --- redacted / vague ------------------------------------------------------------------
