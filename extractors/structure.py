"""Paragraphs, sentences and the section tree of a report, from Chinese heading markers.

Markers, outermost first: unmarked short heading lines that name a part of a report
(2022年工作回顾, 存在的问题) · 一、 · (一) · 1. / 1、 · (1) · 一是…二是….
Each section gets a ``role``: achievements, problems, next_steps, background, other.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

_CN = "一二三四五六七八九十"
MARKERS: list[tuple[int, re.Pattern]] = [
    (1, re.compile(rf"^\s*[{_CN}]{{1,3}}\s*[、.．](?![0-9])")),
    (2, re.compile(rf"^\s*[(（]\s*[{_CN}]{{1,3}}\s*[)）]")),
    (3, re.compile(r"^\s*[0-9０-９]{1,2}\s*(?:[、．]|\.(?![0-9０-９]))")),
    (4, re.compile(r"^\s*(?:[(（]\s*[0-9０-９]{1,2}\s*[)）]|[①-⑳])")),
    (5, re.compile(rf"^\s*(?:[{_CN}]{{1,3}}是|首先|其次|再次|最后)[,，:：]?")),
]
_PART_WORDS = re.compile(
    r"回顾|总结|成效|成绩|做法|情况|问题|不足|困难|下步|下一步|今后|打算|安排|思路|计划|要点|措施|目标|指导思想|原则|要求|体会|经验|展望")
_SENT_END = re.compile(r"[。！？!?]+[”’」』\"]?|[;；](?=\s*(?:[一二三四五六七八九十]+是|[0-9]+[.、]))")

ROLE_PATTERNS = [
    ("problems", re.compile(r"存在(?:的|着)?(?:主要)?(?:问题|不足|困难)|问题(?:与|和|及)不足|不足(?:与|和|之处)"
                            r"|困难(?:和|与)问题|主要问题|薄弱环节|差距(?:和|与)不足|^\W*\w{0,6}(?:问题|不足|困难)\W*$")),
    ("next_steps", re.compile(r"下步|下一步|今后|明年|来年|工作安排|工作打算|工作思路|工作计划|努力方向|工作设想|工作要点|打算")),
    ("background", re.compile(r"指导思想|基本原则|总体要求|基本情况|总体思路|工作目标|目标任务|背景|组织实施|实施步骤|方法步骤|考评|保障措施")),
    ("achievements", re.compile(r"回顾|成效|成绩|成果|主要做法|工作情况|开展情况|取得|亮点|进展|新作为|新成果|新举措|新拓展|新进展|发挥作用")),
]
NEXT_STEP_CUE = re.compile(r"^\s*(?:针对(?:存在|上述|以上)?(?:的)?问题|下一步|下步|今后|明年|来年|\d{4}年(?:工作)?(?:打算|安排|思路)|在今后)")


@dataclass
class Span:
    """One section: its heading, nesting level, role and extent in the text."""

    heading: str
    level: int
    role: str
    start: int
    end: int
    heading_start: int
    heading_end: int
    marker: str = ""
    children: list["Span"] = field(default_factory=list)


def paragraphs(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Non-blank lines of text[start:end], trimmed, as (start, end) offsets into ``text``."""
    out, pos = [], start
    for line in text[start:end].split("\n"):
        a, b = pos, pos + len(line)
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            out.append((a, b))
        pos += len(line) + 1
    return out


def sentences(text: str, paras: list[tuple[int, int]] | None = None) -> list[tuple[int, int]]:
    """Sentences within paragraphs: split after 。！？ (and ； before 二是/2.)."""
    out = []
    for a, b in paras if paras is not None else paragraphs(text):
        s = a
        for m in _SENT_END.finditer(text, a, b):
            if m.end() > s:
                out.append((s, m.end()))
            s = m.end()
            while s < b and text[s].isspace():
                s += 1
        if s < b:
            out.append((s, b))
    return out


_LEAD_MARKER = re.compile(rf"^\s*(?:[{_CN}]{{1,3}}\s*[、.．]|[(（][^)）]{{1,3}}[)）]|[0-9]{{1,2}}\s*[.、．]|[{_CN}]{{1,3}}是)")


def role_of(heading: str, achievements: bool = True) -> str | None:
    """The role a heading names, if any (``achievements=False`` in plans and speeches)."""
    heading = _LEAD_MARKER.sub("", heading)
    for role, pat in ROLE_PATTERNS:
        if role == "achievements" and not achievements:
            continue
        if pat.search(heading):
            return role
    return None


def _heading_at(text: str, a: int, b: int) -> tuple[int, str, int] | None:
    """(level, marker, heading end) when the paragraph text[a:b] starts a section."""
    line = text[a:b]
    for level, pat in MARKERS:
        m = pat.match(line)
        if m:
            rest = line[m.end():]
            cut = re.search(r"[。；;！？!?:：]", rest)
            end = m.end() + (cut.start() + 1 if cut else len(rest))
            if level == 5 and cut is None and len(rest) > 60:
                return None
            if end - m.end() > 40:  # a list item, not a title: its heading is the first clause
                comma = re.search(r"[,，]", rest)
                if comma and comma.start() < end - m.end():
                    end = m.end() + comma.start()
            return level, m.group(0).strip(), a + min(end, len(line))
    # an unmarked short line naming a part of the report: level 0
    if len(line) <= 24 and not re.search(r"[,，。;；:：!！?？]$", line) and "," not in line \
            and "，" not in line and _PART_WORDS.search(line):
        return 0, "", b
    return None


def section_tree(text: str, paras: list[tuple[int, int]] | None = None,
                 default_role: str = "other") -> list[Span]:
    """Build the section tree; roles come from headings, inherited by sub-sections."""
    paras = paras if paras is not None else paragraphs(text)
    roots: list[Span] = []
    stack: list[Span] = []
    for a, b in paras:
        h = _heading_at(text, a, b)
        if h is None:
            continue
        level, marker, hend = h
        while stack and stack[-1].level >= level:
            stack.pop().end = a
        heading = text[a:hend].strip()
        parent_role = stack[-1].role if stack else default_role
        own = role_of(heading, achievements=default_role in ("achievements", "other")) \
            if len(heading) <= 30 else None  # a long heading is a sentence; its words are content
        if own == "problems" and ROLE_PATTERNS[1][1].search(heading):
            own = "problems+next_steps"
        sec = Span(heading=heading, level=level, role=own or parent_role, start=a, end=len(text),
                   heading_start=a, heading_end=hend, marker=marker)
        (stack[-1].children if stack else roots).append(sec)
        stack.append(sec)
    for s in stack:
        s.end = len(text)
    _close(roots, len(text))
    for s in _walk(roots):
        if s.role == "problems+next_steps":
            _split_combined(text, s, paras)
    return roots


def _close(secs: list[Span], end: int) -> None:
    for i, s in enumerate(secs):
        s.end = secs[i + 1].start if i + 1 < len(secs) else min(s.end, end)
        _close(s.children, s.end)


def _walk(secs):
    for s in secs:
        yield s
        yield from _walk(s.children)


def _split_combined(text: str, sec: Span, paras: list[tuple[int, int]]) -> None:
    """'存在的问题和下步工作': problems until the first next-steps paragraph, then next steps."""
    sec.role = "problems"
    body = [(a, b) for a, b in paras if sec.heading_end <= a < sec.end]
    cue = next((a for a, b in body if NEXT_STEP_CUE.search(text[a:b])), None)
    if cue is None:
        return
    first = body[0][0] if body else sec.heading_end
    kids = [Span(heading="存在的问题", level=sec.level + 1, role="problems", start=first, end=cue,
                 heading_start=first, heading_end=first),
            Span(heading="下步工作", level=sec.level + 1, role="next_steps", start=cue, end=sec.end,
                 heading_start=cue, heading_end=cue)]
    for k in kids:
        k.children = [c for c in sec.children if k.start <= c.start < k.end]
        for c in k.children:
            if role_of(c.heading) is None:
                _set_role(c, k.role)
    sec.children = kids


def _set_role(sec: Span, role: str) -> None:
    sec.role = role
    for c in sec.children:
        if role_of(c.heading) is None:
            _set_role(c, role)


def problem_sentences_outside(text: str, sents: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sentences announcing problems outside any problems section (存在…不足/问题/困难)."""
    pat = re.compile(r"存在(?:着)?(?:一些|的|以下|不少)?.{0,8}(?:问题|不足|困难)|(?:问题|不足)(?:主要)?(?:是|有|表现在)[:：]")
    return [(a, b) for a, b in sents if pat.search(text, a, b)]
