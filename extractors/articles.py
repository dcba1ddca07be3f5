"""Compilations: one file holding several articles (篇1 … 篇5, 第一篇, 【篇一】, 范文一)."""
from __future__ import annotations

import re

_NUM = r"[0-9０-９一二三四五六七八九十]{1,3}"
ARTICLE_HEADER = re.compile(
    rf"^\s*(?:(?P<title>.{{0,60}}?)\s*篇\s*(?P<n1>{_NUM})"          # '…实施方案 篇1'
    rf"|[【\[]?\s*(?:第\s*(?P<n2>{_NUM})\s*篇|篇\s*(?P<n3>{_NUM}))\s*[】\]]?\s*[:：]?\s*(?P<title2>.{{0,60}}?)"  # '第一篇 …', '【篇一】…'
    rf"|(?:范文|精选范文|范例)\s*(?P<n4>{_NUM})\s*[:：]?\s*(?P<title3>.{{0,60}}?))\s*$")


def header_match(line: str):
    m = ARTICLE_HEADER.match(line)
    if not m:
        return None
    title = (m.group("title") or m.group("title2") or m.group("title3") or "").strip()
    if title.endswith(("的", "和", "第")):
        return None
    return m


def is_header(line: str) -> bool:
    return header_match(line) is not None


def split_articles(text: str) -> list[tuple[int, int, str]]:
    """Article spans (start, end, header title).  A single article covers the whole text.

    A file is a compilation when at least two article headers appear; the preamble
    before the first header (the compilation's own title, site chrome) belongs to none.
    """
    heads = []
    pos = 0
    for line in text.splitlines(keepends=True):
        m = header_match(line.rstrip("\n"))
        if m:
            title = (m.group("title") or m.group("title2") or m.group("title3") or "").strip()
            heads.append((pos, title))
        pos += len(line)
    if len(heads) < 2:
        return [(0, len(text), "")]
    spans = []
    for i, (start, title) in enumerate(heads):
        end = heads[i + 1][0] if i + 1 < len(heads) else len(text)
        spans.append((start, end, title))
    return spans
