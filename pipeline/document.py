"""The one object every pipeline stage reads and enriches (like spaCy's ``Doc``).

A :class:`Document` is one report (one article of a file).  ``text`` holds the cleaned
characters exactly as they appear in the source (nothing is rewritten), so any offset
into ``text`` maps back to the source through ``provenance``.  ``norm`` is a same-length
copy with full-width forms folded and traditional characters simplified, used by every
matcher; because it has the same length, offsets found in ``norm`` are offsets in ``text``.
"""
from __future__ import annotations

import bisect
from dataclasses import asdict, dataclass, field
from typing import Any

from extractors.structure import Span as Section  # one section type for extractors and pipeline


@dataclass
class Segment:
    """A run of ``text`` copied verbatim from one place in the source.

    ``locator`` says where: always ``file``; plus ``line`` (txt, 1-based) and ``char``
    (offset of the run's first character in the decoded file), or ``page`` (pdf, 1-based)
    and ``char`` (offset in that page's extracted text), or ``paragraph`` (docx body
    paragraph index) / ``table``+``row``+``col`` (docx/pdf table cell) and ``char`` within it.
    """

    start: int
    end: int
    locator: dict[str, Any]


@dataclass
class TableCell:
    row: int
    col: int
    start: int
    end: int


@dataclass
class Table:
    index: int
    start: int
    end: int
    n_rows: int
    n_cols: int
    cells: list[TableCell] = field(default_factory=list)


@dataclass
class Document:
    source: str
    sha256: str
    article: int
    text: str
    norm: str = ""
    segments: list[Segment] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    title: str = ""
    article_header: str = ""        # a compilation's 'XX 篇2' header line, without the 篇N
    header_specific: bool = False   # that header names this article, not the compilation
    doc_type: str = "other"
    reporting_unit: str | None = None
    level: str = "unknown"
    recipient: str | None = None
    year: int | None = None
    years: dict[str, Any] = field(default_factory=dict)
    issued: str | None = None
    anonymised: list[str] = field(default_factory=list)
    relevant: bool = True
    relevance_reason: str = ""
    format: str = ""
    encoding: str | None = None
    sections: list[Section] = field(default_factory=list)
    paragraphs: list[tuple[int, int]] = field(default_factory=list)
    sentences: list[tuple[int, int]] = field(default_factory=list)
    quantities: list[dict[str, Any]] = field(default_factory=list)
    activities: list[dict[str, Any]] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)
    flags: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)

    # --- provenance -------------------------------------------------------------
    def locate(self, offset: int) -> dict[str, Any]:
        """Map an offset in ``text`` to its place in the source file."""
        if not 0 <= offset < len(self.text):
            raise IndexError(f"offset {offset} outside text of length {len(self.text)}")
        i = bisect.bisect_right(self._starts("segments"), offset) - 1
        if i < 0 or offset >= self.segments[i].end:
            return {"file": self.source, "synthetic": True}  # a separator we inserted
        seg = self.segments[i]
        loc = dict(seg.locator)
        loc["char"] = loc.get("char", 0) + (offset - seg.start)
        return loc

    def _starts(self, name: str) -> list[int]:
        """Start offsets of ``segments`` or ``sentences`` (recomputed when the list changes)."""
        items = getattr(self, name)
        memo = self.__dict__.get("_memo_" + name)
        if memo is None or memo[0] is not items or memo[1] != len(items):
            starts = [x.start for x in items] if name == "segments" else [a for a, _ in items]
            memo = self.__dict__["_memo_" + name] = (items, len(items), starts)
        return memo[2]

    def section_at(self, offset: int) -> Section | None:
        """The innermost section containing ``offset``."""
        found = None
        level = self.sections
        while True:
            hit = next((s for s in level if s.start <= offset < s.end), None)
            if hit is None:
                return found
            found, level = hit, hit.children

    def sentence_at(self, offset: int) -> tuple[int, int] | None:
        i = bisect.bisect_right(self._starts("sentences"), offset) - 1
        if i >= 0 and offset < self.sentences[i][1]:
            return self.sentences[i]
        return None

    @property
    def doc_id(self) -> str:
        return f"{self.sha256[:16]}:{self.article}"

    def to_dict(self, include_text: bool = True) -> dict[str, Any]:
        d = asdict(self)
        d.pop("norm")
        d["doc_id"] = self.doc_id
        d["provenance"] = {"segments": d.pop("segments")}
        if not include_text:
            d.pop("text")
        return d


def iter_sections(sections: list[Section]):
    """Depth-first walk over a section tree."""
    for s in sections:
        yield s
        yield from iter_sections(s.children)
