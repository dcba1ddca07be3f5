"""Self-reported problems (存在的问题, 不足, 困难): statements and their themes.

:func:`extract_problems` reads

* the sections whose ``role == "problems"`` (``Section`` objects from
  :mod:`pipeline.document` or plain dicts with the same keys), stopping inside them at a
  next-steps paragraph (针对存在问题…, 下一步…) or a title line;
* outside those sections, sentences that announce problems (但存在着一些不足和问题：…,
  还存在…等问题, 不足之处是…) and headings such as "五、存在的主要问题" that the
  section tree did not mark;

splits them into single statements (一是…二是…, 1.… 2.…, (一)…, ①…, ；) and gives each
a theme from the lexicon in ``data/problem_themes.yaml`` (经费不足, 人员兼职/力量薄弱, …,
other).  Pure function: text and sections in, ``{start, end, text, theme}`` dicts out.
"""
from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Any, Iterable

import yaml

from extractors.structure import paragraphs

OTHER = "other"
MIN_CJK = 4
MAX_BLOCK = 2000  # characters after a problems heading found without the section tree

_CN = "一二三四五六七八九十"
#: Enumeration markers that start a statement (at block start or after punctuation).
_ENUM = re.compile(
    rf"(?:(?<=^)|(?<=[\s,，:：;；。！？!?、]))\s*(?:"
    rf"[{_CN}]{{1,3}}是|其[{_CN}][,，、:：]?|第[{_CN}][,，、:：]|首先[,，]?|其次[,，]?|再次[,，]?|最后[,，]?"
    rf"|[（(]\s*(?:[{_CN}]{{1,3}}|\d{{1,2}})\s*[)）]|[①-⑳]"
    rf"|[{_CN}]{{1,3}}[、.．](?!\d)|\d{{1,2}}\s*(?:[、．]|\.(?!\d))"
    rf")"
)
_CLAUSE_END = re.compile(r"[；;]")
_SENT_END = re.compile(r"[。！？!?]")
_TRIM = " \t\r\n\u3000\xa0,，、;；:：。.！!？?"
_CJK = re.compile(r"[\u4e00-\u9fff]")

_PROBLEM_WORD = r"(?:问题|不足|困难|差距|短板|薄弱环节)"
#: A sentence that announces problems.
CUE = re.compile(
    rf"(?<![不没])存在(?:着)?(?:的)?(?:一些|以下|不少|诸多|许多|较多|一定的|某些)?[^。；;！？!?]{{0,40}}?{_PROBLEM_WORD}"
    rf"|{_PROBLEM_WORD}(?:和|与|及)?(?:不足|问题|困难)?(?:主要)?(?:是|有|表现在|体现在)[:：]?"
    r"|不足之处|面临(?:的)?(?:一些|诸多|不少)?(?:困难|问题)|还(?:有|存在)(?:一些|不少)?(?:差距|不足)"
)
#: Cues that talk about *solving* problems, not reporting them.
_SOLVING = re.compile(r"针对|解决|整改|克服|查找|梳理|排查|研究|帮助|化解|破解|问题导向|发现")
#: A paragraph that opens the next-steps part.
NEXT_STEPS = re.compile(
    r"^\s*(?:[（(]?[" + _CN + r"\d]{1,2}[)）、.．]?\s*)?(?:针对(?:存在|上述|以上|这些)?(?:的)?(?:问题|不足)|下一步|下步|今后|明年|来年"
    r"|\d{4}年(?:工作)?(?:打算|安排|思路|计划|要点)|在今后|为此|对此|下阶段)")
_TITLE_PROBLEMS = re.compile(rf"存在|{_PROBLEM_WORD}")
#: "存在经费紧张、人员兼职等问题": an inline list of problems.
_LISTED = re.compile(
    r"(?:存在(?:着)?|面临(?:着)?|还有|仍有)(?:的)?(?P<list>[^。；;：:！？!?]{6,100}?)等(?:方面的?|一些|诸多)?(?:问题|不足|困难)")
_LIST_SEP = re.compile(r"[、，,]|(?<=[\u4e00-\u9fff]{2})(?:和|及|与|以及)(?=[\u4e00-\u9fff]{2})")


@lru_cache(maxsize=1)
def theme_model() -> list[tuple[str, list[re.Pattern[str]]]]:
    """(theme, patterns) in file order, from the packaged ``problem_themes.yaml``."""
    raw = resources.files("extractors").joinpath("data/problem_themes.yaml").read_text("utf-8")
    themes = yaml.safe_load(raw)["themes"]
    return [(name, [re.compile(p) for p in pats]) for name, pats in themes.items()]


def classify_theme(statement: str) -> str:
    """The best-scoring theme of one problem statement, or ``"other"``."""
    best, best_score = OTHER, 0
    for name, pats in theme_model():
        score = sum(len(m.group(0)) for p in pats for m in p.finditer(statement))
        if score > best_score:
            best, best_score = name, score
    return best


# --- section access (Section objects or dicts) ---------------------------------------

def _get(sec: Any, key: str, default: Any = None) -> Any:
    if isinstance(sec, dict):
        return sec.get(key, default)
    return getattr(sec, key, default)


def _problem_regions(sections: Iterable[Any]) -> list[tuple[int, int, int]]:
    """(start, body_start, end) of the outermost problems sections."""
    out: list[tuple[int, int, int]] = []
    for sec in sections or []:
        if _get(sec, "role") == "problems":
            start, end = int(_get(sec, "start", 0)), int(_get(sec, "end", 0))
            heading = str(_get(sec, "heading", "") or "")
            hend = _get(sec, "heading_end")
            body = int(hend) if hend is not None and _is_title(heading) else start
            if _is_title(heading) or _TITLE_PROBLEMS.search(heading[:40]) and CUE.search(heading):
                out.append((start, max(start, min(body, end)), end))
            else:
                # a sentence-like "heading" that only mentions a problem word (e.g. "解决
                # 职工生活中的困难"): trust it only when it reads as a problems statement
                out.extend(_problem_regions(_get(sec, "children", []) or []))
        else:
            out.extend(_problem_regions(_get(sec, "children", []) or []))
    return out


def _is_title(line: str) -> bool:
    """A short heading line that names the problems part (五、存在的主要问题)."""
    core = _ENUM.sub("", line.strip(), count=1).strip(_TRIM)
    return (0 < len(core) <= 18 and bool(_TITLE_PROBLEMS.search(core))
            and not re.search(r"[,，、;；。！？!?]", core))


# --- paragraphs, stops and statements --------------------------------------------

def _is_title_line(line: str) -> bool:
    """A line with no sentence punctuation and no enumeration marker: a title, not a statement."""
    return not re.search(r"[,，。;；:：!！?？、]", line) and not _ENUM.match(line) and len(line) <= 40


def _is_top_heading(line: str) -> bool:
    return bool(re.match(rf"^\s*(?:[{_CN}]{{1,3}}\s*[、.．]|第[{_CN}]+[章节部分])", line))


def _blockparagraphs(text: str, start: int, end: int, skip_first_title: bool) -> list[tuple[int, int]]:
    """The paragraphs of a problems block, up to a next-steps paragraph or a title line."""
    out = []
    for i, (a, b) in enumerate(paragraphs(text, start, end)):
        line = text[a:b]
        if i == 0 and skip_first_title and _is_title(line):
            continue
        if NEXT_STEPS.search(line) or (i > 0 and _is_title_line(line)):
            break
        cut = next((c for c, _ in _sentences(text, a, b)[1:] if NEXT_STEPS.match(text[c:b])), None)
        if cut is not None:
            out.append((a, cut))
            break
        out.append((a, b))
    return out


def _trimmed(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a] in _TRIM:
        a += 1
    while b > a and text[b - 1] in _TRIM:
        b -= 1
    return a, b


def _pieces(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """Split one paragraph into statements."""
    intro = CUE.search(text, a, b)
    colon = re.compile(r"[:：]").search(text, intro.end() if intro else a, b) if intro else None
    if colon and colon.start() - a < 120:
        a = colon.end()
    marks = [m for m in _ENUM.finditer(text, a, b)]
    # a marker at pos p followed by the marker text: cut before each marker
    cuts = sorted({m.start() + (len(m.group(0)) - len(m.group(0).lstrip())) for m in marks})
    out: list[tuple[int, int]] = []
    if cuts:
        bounds = ([a] if cuts[0] > a else []) + cuts + [b]
        for i in range(len(bounds) - 1):
            s, e = bounds[i], bounds[i + 1]
            m = _ENUM.match(text, s, e)
            if m and m.start() == s:
                s = m.end()
            elif i == 0 and s == a and not cuts[0] == a:
                chunk = text[s:e].strip(_TRIM)
                if CUE.search(chunk) or text[s:e].rstrip().endswith((":", "：")):
                    continue  # an introduction ("但存在着一些不足和问题：")
            out.append((s, e))
    else:
        out = [(a, b)]
    final: list[tuple[int, int]] = []
    for s, e in out:
        final.extend(_split_clauses(text, s, e, by_sentence=not cuts))
    return final


def _split_clauses(text: str, s: int, e: int, by_sentence: bool) -> list[tuple[int, int]]:
    pat = re.compile(r"[；;。！？!?]") if by_sentence else _CLAUSE_END
    out, cur = [], s
    for m in pat.finditer(text, s, e):
        out.append((cur, m.end()))
        cur = m.end()
    if cur < e:
        out.append((cur, e))
    return out


def _statement(text: str, a: int, b: int, min_cjk: int = MIN_CJK) -> dict[str, Any] | None:
    a, b = _trimmed(text, a, b)
    piece = text[a:b]
    if len(_CJK.findall(piece)) < min_cjk:
        return None
    return {"start": a, "end": b, "text": piece, "theme": classify_theme(piece)}


def _statements(text: str, a: int, b: int) -> list[dict[str, Any]]:
    """One statement, or its items when it reads "存在A、B和C等问题"."""
    m = _LISTED.search(text, a, b)
    if m:
        items, cur = [], m.start("list")
        for sep in _LIST_SEP.finditer(text, m.start("list"), m.end("list")):
            items.append((cur, sep.start()))
            cur = sep.end()
        items.append((cur, m.end("list")))
        stmts = [_statement(text, s, e, min_cjk=3) for s, e in items]
        if len(items) >= 2 and all(stmts):
            return stmts  # type: ignore[return-value]
    st = _statement(text, a, b)
    return [st] if st else []


# --- outside the problems sections ---------------------------------------------

def _sentences(text: str, a: int, b: int) -> list[tuple[int, int]]:
    out, cur = [], a
    for m in _SENT_END.finditer(text, a, b):
        out.append((cur, m.end()))
        cur = m.end()
    if cur < b:
        out.append((cur, b))
    return out


def _cue_blocks(text: str, covered: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Blocks announced by problem cues outside ``covered`` ranges."""
    def inside(pos: int) -> bool:
        return any(s <= pos < e for s, e in covered)

    blocks: list[tuple[int, int]] = []
    paras = paragraphs(text, 0, len(text))
    for i, (a, b) in enumerate(paras):
        if inside(a):
            continue
        line = text[a:b]
        if _is_title(line) and _is_top_heading(line) or (_is_title(line) and _is_title_line(line)):
            # a problems heading the section tree missed: take what follows it
            end = min(len(text), a + MAX_BLOCK)
            for c, d in paras[i + 1:]:
                if _is_top_heading(text[c:d]) or NEXT_STEPS.search(text[c:d]) or _is_title_line(text[c:d]):
                    end = c
                    break
            else:
                end = min(end, paras[-1][1])
            blocks.append((a, end))
            continue
        for s, e in _sentences(text, a, b):
            m = CUE.search(text, s, e)
            if not m or _SOLVING.search(text, s, m.start() + 1) or _SOLVING.search(text[m.start():m.end()]):
                continue
            colon = re.compile(r"[:：]").search(text, m.end(), e)
            rest = text[m.end():b]
            if colon or re.match(r"\s*[:：]", rest):
                blocks.append((s, b))  # 存在以下问题：一是…二是…
            else:
                blocks.append((s, e))  # 但仍存在经费不足、人员老化等问题。
            break
    return blocks


def extract_problems(text: str, sections: list | None = None) -> list[dict[str, Any]]:
    """Problem statements ``{start, end, text, theme}`` of one document, in text order."""
    found: list[dict[str, Any]] = []
    covered: list[tuple[int, int]] = []
    for start, body, end in _problem_regions(sections or []):
        covered.append((start, end))
        for a, b in _blockparagraphs(text, start, end, skip_first_title=True):
            for s, e in _pieces(text, a, b):
                found.extend(_statements(text, s, e))
    for start, end in _cue_blocks(text, covered):
        for a, b in _blockparagraphs(text, start, end, skip_first_title=True):
            for s, e in _pieces(text, a, b):
                found.extend(_statements(text, s, e))
    return _dedupe(found)


def _dedupe(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for it in sorted(items, key=lambda d: (d["start"], -(d["end"] - d["start"]))):
        if out and it["start"] < out[-1]["end"]:
            continue
        out.append(it)
    return out
