"""RawFile → cleaned Documents: boilerplate cut, articles split, provenance kept.

The document text is built only by copying runs of source characters (plus the "\\n"
and "\\t" separators we insert between blocks and table cells), and every copied run
is recorded as a :class:`Segment`, so any offset maps back to the source.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from extractors import articles, boilerplate
from pipeline.document import Document, Segment, Table, TableCell
from pipeline.readers.base import RawFile


@dataclass
class Assembled:
    text: str
    segments: list[Segment] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    removed: list[dict] = field(default_factory=list)


class _Builder:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0
        self.segments: list[Segment] = []

    def add(self, s: str, locator: dict | None = None) -> tuple[int, int]:
        start = self.pos
        if s:
            self.parts.append(s)
            self.pos += len(s)
            if locator is not None:
                self.segments.append(Segment(start, self.pos, locator))
        return start, self.pos

    def text(self) -> str:
        return "".join(self.parts)


def assemble(raw: RawFile) -> Assembled:
    """Concatenate the kept parts of every block into one cleaned text."""
    b = _Builder()
    tables: list[Table] = []
    removed: list[dict] = []
    line_blocks = [blk for blk in raw.blocks if blk.kind in ("line", "para")]
    decisions = iter(boilerplate.clean_lines([blk.text for blk in line_blocks], articles.is_header))
    for blk in raw.blocks:
        if blk.kind == "page_break":
            continue
        if blk.kind == "table":
            tables.append(_add_table(b, blk, len(tables)))
            continue
        d = next(decisions)
        if not d.keep:
            if d.reason != "blank":
                removed.append({"text": blk.text, "reason": d.reason, "locator": blk.locator})
            continue
        for a, e in d.keep:
            loc = dict(blk.locator)
            loc["char"] = loc.get("char", 0) + a
            b.add(blk.text[a:e], loc)
        cut = [(x, y) for x, y in zip([0] + [e for _, e in d.keep], [a for a, _ in d.keep] + [len(blk.text)])
               if blk.text[x:y].strip()]
        for x, y in cut:
            removed.append({"text": blk.text[x:y], "reason": "fragment", "locator": blk.locator})
        if not blk.glue:
            b.add("\n")
    return Assembled(b.text(), b.segments, tables, removed)


def _add_table(b: _Builder, blk, index: int) -> Table:
    start = b.pos
    table = Table(index=index, start=start, end=start, n_rows=len(blk.rows or []),
                  n_cols=max((len(r) for r in blk.rows or []), default=0))
    for r, row in enumerate(blk.rows or []):
        for c, cell in enumerate(row):
            if c:
                b.add("\t")
            text = cell.replace("\n", " ")  # keep one table row per line; same length
            a, e = b.add(text, blk.cell_locators[r][c])
            table.cells.append(TableCell(row=r, col=c, start=a, end=e))
        b.add("\n")
    table.end = b.pos
    return table


def split_documents(raw: RawFile, asm: Assembled) -> list[Document]:
    """One Document per article (one for an ordinary report)."""
    spans = articles.split_articles(asm.text)
    # a header repeating the compilation's own name says nothing about its article
    common = max((h for _, _, h in spans), key=[h for _, _, h in spans].count) if len(spans) > 1 else ""
    docs = []
    for i, (start, end, header) in enumerate(spans):
        text = asm.text[start:end]
        # trim leading/trailing newlines without breaking offsets
        while text and text[0] == "\n":
            start += 1
            text = text[1:]
        text = text.rstrip("\n") + "\n" if text.strip() else ""
        end = start + len(text)
        segs = [Segment(max(s.start, start) - start, min(s.end, end) - start,
                        _shift(s.locator, max(0, start - s.start)))
                for s in asm.segments if s.end > start and s.start < end]
        tabs = []
        for t in asm.tables:
            if start <= t.start < end:
                tabs.append(Table(index=len(tabs), start=t.start - start, end=t.end - start,
                                  n_rows=t.n_rows, n_cols=t.n_cols,
                                  cells=[TableCell(c.row, c.col, c.start - start, c.end - start) for c in t.cells]))
        doc = Document(source=raw.path, sha256=raw.sha256, article=i, text=text, segments=segs,
                       tables=tabs, format=raw.format, encoding=raw.encoding)
        doc.article_header = header
        doc.header_specific = bool(header) and header != common
        doc.removed = asm.removed if len(spans) == 1 else _removed_within(asm.removed, segs)
        docs.append(doc)
    return docs


def _removed_within(removed: list[dict], segs: list[Segment]) -> list[dict]:
    """The boilerplate cut from between an article's first and last source lines."""
    lines = [s.locator["line"] for s in segs if "line" in s.locator]
    if not lines:
        return []
    lo, hi = min(lines), max(lines)
    return [r for r in removed if lo <= r["locator"].get("line", -1) <= hi + 3]


def _shift(locator: dict, by: int) -> dict:
    if not by:
        return locator
    loc = dict(locator)
    loc["char"] = loc.get("char", 0) + by
    return loc
