"""Quantity mentions: every counted or measured amount of a report, as an interval.

``extract_quantities(norm, sentences)`` returns dicts with exactly the schema of
docs/ARCHITECTURE.md (text, start, end, value, low, high, unit, kind, approx, redacted,
subject, role, period, sentence, rule, links).  What counts as a quantity, and the
precision of each form, follow corpus/gold/GUIDELINES.md.

A mention is a numeral (Arabic, full-width, Chinese, mixed, vague or redacted) followed
by a measure word or unit.  Chinese numerals are only read when such a unit follows, so
统一 or 五老 never become numbers.  Dates, ordinals, slogans (“六个一”, 三位一体),
indefinite 一 (一项重要任务), URLs and phone numbers are rejected by context checks.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from extractors.links import link_quantities, remap_links
from extractors.normalize import fold_width
from extractors.numerals import CN_CHARS, Interval, numeral_interval, range_interval
from extractors.quantity_roles import period_of, role_of
from extractors.quantity_subjects import find_subject
from extractors.tables import extract_table_quantities, find_text_tables
from extractors.units import NOT_AFTER, UNIT_RE, refine_kind, unit_kind

# Full-width ASCII forms and the ideographic space -> ASCII (same length, offsets kept).

_AR = r"[0-9]+(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?"
_CN = CN_CHARS
_NUM = rf"(?:(?:数|几|上)(?=[十百千万亿]))?(?:{_AR}|[{_CN}])(?:{_AR}|[{_CN}几])*"
_RED = r"(?<![A-Za-z])[0-9]*[xX×*]+[0-9xX×*]*(?:\.[0-9xX×*]+)?[万亿千百]?"
_ONE = rf"(?:{_RED}|{_NUM})"
_SEP = r"[ \t]*(?:至|到|-|~|—|－|～)[ \t]*"
_PRE = r"将近|接近|大约|近|约|逾|超过|不足|不到"
_POST = r"以上|左右|以下|以内"

_QTY = re.compile(
    rf"(?P<pre>{_PRE})?"
    rf"(?:(?P<a>{_ONE}){_SEP}(?P<b>{_ONE})|(?P<num>{_ONE}))"
    rf"(?P<suf>余|多|来)?(?P<mult>[万亿](?=[ \t]*(?:{UNIT_RE})))?(?P<suf2>余|多)?"
    rf"[ \t]{{0,2}}(?P<unit>{UNIT_RE})(?P<post>{_POST})?"
)
# Cheap pre-scan: a run of numeral characters ending in a unit.  _QTY is then tried only
# in a small window around each candidate (10-50x faster than searching the whole text).
_CAND = re.compile(rf"[0-9xX×*{_CN}几][0-9xX×*.,{_CN}几余多来至到~\-—－～ \t]*(?:{UNIT_RE})")
_PCT = re.compile(rf"(?P<pre>{_PRE})?百分之(?P<num>{_NUM})(?P<post>以上|左右|以下)?")

# Fixed formulas and idioms in which a numeral + measure word is not a count.
_FORMULAS = re.compile(
    r"(?=[一二两三四五六七八九十多千])(?:"  # every formula starts with one of these: a cheap first test
    r"[一二两三四五六七八九十]个(?:意识|自信|维护|全面|确立|代表|服从|务必|坚持|到位|一|统一|面向|结合|优先|必须|"
    r"全覆盖|不变|转变|提升|延伸|拓展)|"
    r"[一二三四五六七八九十]位一体|一对一|多对一|一帮一|一对多|三番五次|千家万户|一次性|一条龙|"
    r"一站式|一揽子|一把手|一系列|一部分|一起(?!案|事)|一本正经|一家人|三人行|一个中心|两个基本点|"
    r"两个责任|两个务必|两个巩固|三个倡导|四个一百|四个意识)")
# Numerals that only announce or sum up the text's own points or listed categories.
_DISCOURSE = re.compile(r"[\u4e00-\u9fff]{0,4}?(?:方面|机制|类别|指标|原则|层面)")
# Download-site collection titles: 范文(通用5篇), 精选8篇.
_COLLECTION = re.compile(r"(?:通用|精选|汇总|合集|优选|推荐|热门|最新|共)$")
# 约 written before the verb still makes the figure approximate: 约占…总数的20%.
_LOOSE_APPROX = re.compile(r"约(?:占|为|有|达|合|计)[^，,；;。]*$")
_URL = re.compile(r"(?=[A-Za-z0-9._%+-])(?:(?:https?://|www\.)[^\s\u4e00-\u9fff]+|[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+|"
                  r"[A-Za-z0-9.-]+\.(?:com|cn|net|org|html?)\b)")
_PHONE_CTX = re.compile(r"(?:电话|手机|微信|QQ|qq|热线|传真|邮编|编号|文号|号码|"
                        r"(?:浏览|阅读|点击|访问|下载|评论|收藏|分享|字数|页数)(?:次数|量|数)?)[:：\s]*$")
_SENT = re.compile(r"[^。！？!?\n]+[。！？!?]*|\n")
_OPEN_Q = "“\"「『‘"
_CLOSE_Q = "”\"」』’"
_CLAUSE = re.compile(r"[，,；;。！!？?：:]")

_KEEP_ONE_BEFORE = ("有", "共", "仅", "只", "计", "各", "发生", "增加", "新增", "选", "推荐")
_NEGATED = re.compile(r"[不没无未漏][^，,。；;]{0,3}$")


@dataclass
class _Hit:
    start: int
    end: int
    iv: Interval
    unit: str
    rule: str


def fold(text: str) -> str:
    """Fold full-width digits, letters and punctuation to ASCII (length preserved); the
    pipeline's own normalisation, so raw input and a document's ``norm`` read alike."""
    return fold_width(text)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """A fallback sentence splitter (。！？ and line breaks) when none is given."""
    return [(m.start(), m.end()) for m in _SENT.finditer(text) if m.group(0).strip()]


def _blocked_spans(text: str) -> list[tuple[int, int]]:
    spans = [(m.start(), m.end()) for m in _URL.finditer(text)]
    spans += [(m.start(), m.end()) for m in _FORMULAS.finditer(text)]
    spans.sort()
    return spans


def _overlaps(spans: list[tuple[int, int]], starts: list[int], s: int, e: int) -> bool:
    """Does [s, e) overlap one of the (few, sorted) blocked spans?"""
    i = bisect.bisect_left(starts, e) - 1
    return any(spans[j][1] > s for j in range(i, max(-1, i - 8), -1))


def _clause_before(text: str, lo: int, pos: int) -> str:
    """text[lo:pos] cut after its last clause delimiter."""
    window = text[lo:pos]
    cut = max(window.rfind(c) for c in "，,；;。！!？?：:")
    return window[cut + 1:]


def _slogan(text: str, s: int, e: int, num: str) -> bool:
    """A numeral formula in quotes (“六个一”, “四个自信”) or X个一 / 三位一体 unquoted."""
    if s > 0 and text[s - 1] in _OPEN_Q:
        close = text[e:e + 6]
        if any(q in close for q in _CLOSE_Q) and re.fullmatch(rf"[{_CN}]+", num):
            return True
    nxt = text[e:e + 1]
    if nxt and nxt in "一二两三四五六七八九" and re.fullmatch(rf"[{_CN}]+", num):
        after = text[e + 1:e + 2]
        if not re.match(UNIT_RE, after or " "):
            return True
    return False


def _indefinite_one(text: str, s: int, e: int, clause_start: int) -> bool:
    """一 + measure word used as an article: 一项重要任务, 一次调查, 每月检查一次."""
    before = text[max(clause_start, s - 4):s]
    if _NEGATED.search(before):
        return True  # 不漏一人, 不让一名学生辍学: emphatic, not a count
    if before.endswith(_KEEP_ONE_BEFORE) and "的" not in text[e:e + 4]:
        return False  # 有一名学生…, but not 有一个舒适的环境
    if "每" in text[max(clause_start, s - 14):s]:
        return True
    unit = text[s + 1:e]
    near = re.compile(rf"[^、，,；;。！？!?]{{0,8}}[、，,；;][^。！？!?]{{0,12}}?[两二三四五六七八九十0-9]+{re.escape(unit)}")
    if near.match(text, e, min(len(text), e + 16)):
        return False  # one of an enumeration: 建成一个基地、两个站点
    after = text[e:e + 1]
    if after and after in "，,。；;、)）" and s > 0 and "\u4e00" <= text[s - 1] <= "\u9fff":
        return False  # post-nominal count: 主席一名，副主席两名
    return True


def _unit_surface(g: dict) -> str:
    """万元/亿元 for money written with a multiplier (12万元, 20余万元); else the unit."""
    unit = g["unit"]
    if unit.endswith("元"):
        head = g["mult"]
        if not head:
            m = re.search(r"[万亿千]$", g["num"] or g["b"] or "")
            head = m.group(0) if m else ""
        return head + unit
    return unit


def _scan(text: str) -> list[_Hit]:
    hits: list[_Hit] = []
    blocked = _blocked_spans(text)
    bstarts = [b[0] for b in blocked]
    done = 0
    n = len(text)
    for c in _CAND.finditer(text):
        if c.end() <= done:
            continue
        p, hi = max(done, c.start() - 4), min(n, c.end() + 2)
        while p < c.end():
            m = _QTY.search(text, p, hi)
            if not m or m.start() >= c.end():
                break
            hit = _accept(text, m, blocked, bstarts)
            if hit is not None:
                hits.append(hit)
                done = hit.end
                break
            p = m.start() + 1
    for m in _PCT.finditer(text):
        iv = numeral_interval(m.group("num"), m.group("pre") or "", "", "", m.group("post") or "")
        if iv is not None and not any(h.start <= m.start() < h.end for h in hits):
            hits.append(_Hit(m.start(), m.end(), iv, "%", "percent_cn"))
    hits.sort(key=lambda h: h.start)
    return hits


def _accept(text: str, m: re.Match, blocked, bstarts) -> _Hit | None:
    g = m.groupdict()
    s, e = m.start(), m.end()
    num_start = m.start("a") if g["a"] else m.start("num")
    prev = text[num_start - 1] if num_start > 0 else ""
    if prev and (prev.isdigit() or prev in "./:_#" or prev.isascii() and prev.isalpha()):
        return None
    if prev == "第" or (g["pre"] and s > 0 and text[s - 1] == "第"):
        return None
    pre = g["pre"] or ""
    if pre and s > 0 and (text[s - 1] in "最附亲" and pre == "近" or
                          text[s - 1] in "公条签预节制契邀相特履违" and pre == "约"):
        s, pre = m.start("a") if g["a"] else m.start("num"), ""
    unit = g["unit"]
    if unit in NOT_AFTER and text.startswith(NOT_AFTER[unit], m.end("unit")):
        return None
    if unit == "口" and not text.startswith(("人", "之家"), m.end("unit")):
        return None  # 4口人 counts people; 3口井 does not
    if unit == "名" and text[max(0, s - 1):s] == "前":
        return None  # 前三名: a ranking
    if _DISCOURSE.match(text, m.end("unit")) and not re.match(r"[0-9]", g["num"] or g["a"] or "0"):
        return None
    if unit == "篇" and _COLLECTION.search(text[max(0, s - 2):s]):
        return None
    if _overlaps(blocked, bstarts, s, e):
        return None
    num = g["num"] or ""
    clause_start = 0
    for c in _CLAUSE.finditer(text, max(0, s - 40), s):
        clause_start = c.end()
    if g["a"]:
        if _slogan(text, num_start, m.end("unit"), g["a"] + g["b"]):
            return None
        iv = range_interval(g["a"], g["b"], g["mult"] or "")
        if iv is None:
            return None
        rule = "range"
    else:
        if re.fullmatch(r"[0-9]{11,}", num) or _PHONE_CTX.search(text[max(0, s - 12):s]):
            return None
        if _slogan(text, num_start, m.end("unit"), num):
            return None
        if num in ("一", "壹") and not pre and not g["suf"] and not g["post"]:
            if _indefinite_one(text, s, m.end("unit"), clause_start):
                return None
        suf = g["suf"] or g["suf2"] or ""
        post = g["post"] or ""
        if not (pre or suf or post) and _LOOSE_APPROX.search(text[clause_start:s]):
            pre = "约"
        iv = numeral_interval(num, pre, suf, g["mult"] or "", post)
        if iv is None:
            return None
        rule = "redacted" if iv.redacted else ("approx" if iv.approx else "exact")
        if re.search(rf"[{_CN}]", num) and not re.search(r"[0-9]", num):
            rule = "cn_" + rule
    return _Hit(s, e, iv, _unit_surface(g), rule)


_REFINABLE = frozenset("个项批件支对家所处期")  # measure words whose kind depends on the noun


def extract_quantities(text: str, sentences: list[tuple[int, int]] | None = None,
                       kinds: set[str] | frozenset[str] | None = None) -> list[dict]:
    """All quantity mentions of ``text`` (a document's ``norm``; raw full-width text works too).

    ``sentences``: (start, end) spans from the structure stage; a simple splitter is used
    when None.  ``kinds``: keep only these kinds (e.g. ``{"funds"}``), skipping the subject
    and role work for the rest.  Offsets in the result are offsets in ``text``.
    """
    norm = fold(text)
    if sentences is None:
        sentences = split_sentences(norm)
    sstarts = [a for a, _ in sentences]
    out: list[dict] = []
    tables = find_text_tables(norm)
    spans = [(t["start"], t["end"]) for t in tables]
    for h in _scan(norm):
        if any(a <= h.start < b for a, b in spans):
            continue  # a tab-separated table: read cell by cell below
        i = bisect.bisect_right(sstarts, h.start) - 1
        if i >= 0 and h.start < sentences[i][1]:
            ss, se = sentences[i]
        else:
            ss, se = h.start, h.end
        kind = unit_kind(h.unit)
        if kinds is not None and kind not in kinds and h.unit not in _REFINABLE:
            continue
        subject = find_subject(norm, h.start, h.end, floor=ss, percent=kind == "percent")
        kind = refine_kind(h.unit, kind, subject, _clause_before(norm, max(ss, h.start - 30), h.start))
        iv = h.iv
        out.append({
            "text": text[h.start:h.end],
            "start": h.start,
            "end": h.end,
            "value": iv.value,
            "low": iv.low,
            "high": iv.high,
            "unit": h.unit,
            "kind": kind,
            "approx": bool(iv.approx),
            "redacted": bool(iv.redacted),
            "subject": subject,
            "role": role_of(norm, h.start, h.end, ss, se, kind),
            "period": period_of(norm, h.start, ss),
            "sentence": [ss, se],
            "rule": h.rule,
            "links": {"total_of": [], "part_of": None, "changed_from": None},
        })
    if tables:
        out = merge_table_quantities(out, extract_table_quantities(norm, tables))
        for q in out:
            q["text"] = text[q["start"]:q["end"]]
    if kinds is not None:
        out = [q for q in out if q["kind"] in kinds]
    link_quantities(norm, out)
    for q in out:  # a 其中 part or an item of an enumeration shares its total's role
        p = q["links"].get("part_of")
        if p is not None and out[p]["role"] != "target":
            q["role"] = out[p]["role"]
    return out


def merge_table_quantities(prose: list[dict], cells: list[dict], inline: bool = True) -> list[dict]:
    """Merge table-cell mentions into prose mentions by offset, re-pointing the links of
    both lists to the merged order.  ``inline``: the cells come from a tab-separated
    table of the text rather than from ``doc.tables`` (marked ``cell["inline"]``)."""
    tagged = [(q["start"], 0, i, q) for i, q in enumerate(prose)]
    tagged += [(q["start"], 1, i, q) for i, q in enumerate(cells)]
    tagged.sort(key=lambda x: (x[0], x[1]))
    new_index = {(src, i): k for k, (_, src, i, _) in enumerate(tagged)}
    for _, src, _, q in tagged:
        if src == 1 and inline:
            q["cell"]["inline"] = True
        remap_links(q, lambda j, src=src: new_index[(src, j)])
    return [q for *_, q in tagged]
