"""Split sentences into *activity* clauses, the unit the category classifier labels.

Reports pack several activities into one sentence or paragraph ("一是……；二是……",
"……；……；……", a whole paragraph without a full stop).  :func:`split_activities`
cuts each sentence span at

* sentence-final punctuation (。！？) left inside a span (paragraph-sized "sentences"),
* semicolons (；;),
* inline enumeration markers that follow punctuation: 一是/二是…, 其一…, (1) (2)…,
  ①②…, "2、" / "3." (not decimals),
* a line break after a heading line (一、… / (一)… / 1.… short lines) or before an
  indented / blank-line paragraph,
* and, for clauses still longer than :data:`LONG_CLAUSE`, at a comma that is followed by
  a discourse connective (同时, 此外, 另外, 与此同时 …).

No cut is made inside “…” or 《…》 quotes.  Headings therefore become activities of
their own; the classifier labels them like any other clause (a heading such as
"致力普法用法" carries its section's category).  Pieces with fewer than :data:`MIN_CJK`
Chinese characters are merged into a neighbour.  :func:`heading_context` gives each
clause its nearest preceding heading, which the classifier uses as context.

Pure functions: text and offsets in, offsets or strings out; nothing is read or written.
"""
from __future__ import annotations

import re

LONG_CLAUSE = 160
MIN_CJK = 2
MAX_QUOTE = 80

_CJK = re.compile(r"[\u3400-\u9fff]")
_FINAL = re.compile(r"(?<=[。！？!?])")
_SEMI = re.compile(r"(?<=[；;])")
_NUM = "一二三四五六七八九十"
_ENUM = re.compile(
    r"(?<=[,，:：;；。！？!?、\s])(?="
    rf"[{_NUM}]{{1,3}}是"
    rf"|其[{_NUM}][,，、:：]"
    rf"|[（(](?:[{_NUM}]{{1,3}}|\d{{1,2}})[）)]"
    r"|[①-⑳]"
    r"|\d{1,2}[、.．](?![\d.．])"
    r")"
)
_CONNECTIVE = re.compile(r"(?<=[,，])(?=(?:同时|此外|另外|与此同时|另一方面|并且|此后)[,，]?)")
_HEADING_LINE = re.compile(
    rf"^\s*(?:[{_NUM}]+[、.．]|[（(][{_NUM}\d]{{1,3}}[）)]|\d{{1,2}}[、.．](?!\d)|第[{_NUM}\d]+[章节部分篇])"
)
_SPACE = " \t\r\n\u3000\xa0"
_LEAD_PUNCT = " \t\r\n\u3000\xa0,，、;；:：。"
_OPEN, _CLOSE = "“‘《「『", "”’》」』"
_OPEN_RE = re.compile(f"[{_OPEN}]")


def _quoted(text: str, start: int, end: int) -> set[int]:
    """Offsets in [start, end) that sit inside “…” / 《…》 quotes (never cut there)."""
    inside, depth, opened = set(), 0, start
    for i in range(start, end):
        ch = text[i]
        if ch in _CLOSE:
            depth = max(0, depth - 1)
        elif ch in _OPEN:
            depth, opened = depth + 1, (i if depth == 0 else opened)
        elif ch == "\n" or (depth and i - opened > MAX_QUOTE):
            depth = 0  # an unbalanced quote never spans lines or long stretches
        if depth:
            inside.add(i + 1)
    return inside


def _cuts_by(pattern: re.Pattern[str], text: str, start: int, end: int) -> list[int]:
    # pos/endpos instead of a slice: lookaheads stop at ``end`` as they would in a slice,
    # and a lookbehind reaching before ``start`` can only match at ``start``, never a cut
    return [m.start() for m in pattern.finditer(text, start, end) if start < m.start() < end]


def _line_cuts(text: str, start: int, end: int) -> list[int]:
    """Cut after heading lines and before indented or blank-line-separated paragraphs."""
    cuts: list[int] = []
    if text.find("\n", start, end) < 0:
        return cuts
    line_start = start
    for m in re.finditer(r"\n", text[start:end]):
        pos = start + m.start()
        line = text[line_start:pos]
        nxt = text[pos + 1 : pos + 2]
        is_heading = (
            len(line.strip()) <= 40 and bool(_HEADING_LINE.match(line)) and "。" not in line
        )
        if is_heading or nxt in ("\n", " ", "\u3000", "\t", "") or not line.strip():
            cuts.append(pos + 1)
        line_start = pos + 1
    return cuts


def _split_span(text: str, start: int, end: int) -> list[tuple[int, int]]:
    inner = set(_cuts_by(_FINAL, text, start, end))
    inner.update(_cuts_by(_SEMI, text, start, end))
    inner.update(_cuts_by(_ENUM, text, start, end))
    if inner and _OPEN_RE.search(text, start, end):
        inner -= _quoted(text, start, end)
    cuts = set(_line_cuts(text, start, end)) | inner
    bounds = [start, *sorted(c for c in cuts if start < c < end), end]
    pieces = list(zip(bounds[:-1], bounds[1:]))
    out: list[tuple[int, int]] = []
    for a, b in pieces:
        if b - a > LONG_CLAUSE:
            sub = [a, *_cuts_by(_CONNECTIVE, text, a, b), b]
            out.extend(zip(sub[:-1], sub[1:]))
        else:
            out.append((a, b))
    return out


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a] in _LEAD_PUNCT:
        a += 1
    while b > a and text[b - 1] in _SPACE:
        b -= 1
    return a, b


def _few_cjk(text: str, a: int, b: int) -> bool:
    """Fewer than MIN_CJK Chinese characters in text[a:b]?"""
    pos = a
    for _ in range(MIN_CJK):
        m = _CJK.search(text, pos, b)
        if m is None:
            return True
        pos = m.end()
    return False


def split_activities(text: str, sentences: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Return activity spans (start, end) covering the given sentence spans, in order.

    ``text`` is the document text (use ``Document.norm``); ``sentences`` are (start, end)
    offsets into it.  Each returned span lies inside one sentence, is trimmed of
    surrounding whitespace and separators, and holds at least :data:`MIN_CJK` Chinese
    characters unless its whole sentence has fewer.
    """
    result: list[tuple[int, int]] = []
    for s_start, s_end in sentences:
        s_start, s_end = max(0, s_start), min(len(text), s_end)
        if s_end <= s_start:
            continue
        spans = [_trim(text, a, b) for a, b in _split_span(text, s_start, s_end)]
        spans = [(a, b) for a, b in spans if b > a]
        merged: list[tuple[int, int]] = []
        for a, b in spans:
            if merged and _few_cjk(text, a, b):
                merged[-1] = (merged[-1][0], b)  # fragment: glue to the previous clause
            elif merged and _few_cjk(text, *merged[-1]):
                merged[-1] = (merged[-1][0], b)  # previous was a fragment: glue forward
            else:
                merged.append((a, b))
        result.extend(merged)
    return result


def simple_sentences(text: str) -> list[tuple[int, int]]:
    """Fallback sentence spans: lines, cut after 。！？ (for callers without a parser)."""
    spans = []
    for m in re.finditer(r"[^\n]+", text):
        a = m.start()
        quoted = _quoted(text, m.start(), m.end())
        for cut in _FINAL.finditer(m.group()):
            b = m.start() + cut.start()
            if b > a and b not in quoted:
                spans.append((a, b))
                a = b
        if m.end() > a:
            spans.append((a, m.end()))
    return [(a, b) for a, b in (_trim(text, a, b) for a, b in spans) if b > a]


_HEADING_UNIT = re.compile(
    rf"^\s*(?:[{_NUM}]+[、.．]|[（(][{_NUM}\d]{{1,3}}[）)]|\d{{1,2}}[、.．](?!\d)"
    rf"|[{_NUM}]{{1,3}}是|第[{_NUM}]+[,，、是])"
)
HEADING_MAX = 32


def is_heading(unit: str) -> bool:
    """A short clause that opens a section or list item ("三、…", "(二)…", "一是…。"),
    or a short unnumbered line without inner punctuation or figures ("红色基因传承走实入心。")."""
    t = unit.strip()
    if not t or len(t) > HEADING_MAX:
        return False
    if _HEADING_UNIT.match(t):
        return True
    return len(t) <= 20 and not re.search(r"[。；;，,:：]", t[:-1]) and not re.search(r"[\dxX×]", t)


def heading_context(units: list[str]) -> list[str]:
    """For each activity text (in reading order), the nearest preceding heading, or ""."""
    out, current = [], ""
    for u in units:
        out.append(current)
        if is_heading(u):
            current = u.strip()
    return out
