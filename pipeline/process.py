"""The per-file unit of work: read → clean → split → structure → extract → classify → audit.

Like spaCy's ``nlp(text)``: a fixed list of components, each enriching one
:class:`~pipeline.document.Document` in place.  ``process_file`` never raises for a bad
file: it returns a FileResult with ``status="error"`` and a one-line reason.
"""
from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from extractors import metadata as md_mod
from extractors import structure
from extractors.normalize import looks_traditional, normalize
from extractors.relevance import relevance
from pipeline.assemble import assemble, split_documents
from pipeline.document import Document
from pipeline.readers import RawFile, ReadError, read_file
from pipeline.readers.text import lines_to_blocks


@dataclass
class FileResult:
    path: str
    sha256: str | None
    status: str  # ok | error
    error: str | None = None
    documents: list[Document] = field(default_factory=list)
    removed: list[dict] = field(default_factory=list)
    format: str | None = None
    #: set by :func:`pipeline.rows.prepare` (in a worker): the store rows instead of documents
    rows: dict | None = None
    n_documents: int | None = None


# --- components ---------------------------------------------------------------------

def structure_component(doc: Document) -> None:
    trad = looks_traditional(doc.text)
    doc.norm = normalize(doc.text, traditional=trad)
    doc.paragraphs = structure.paragraphs(doc.norm)
    doc.sentences = structure.sentences(doc.norm, doc.paragraphs)
    removed_lines = [r["text"] for r in doc.removed]
    hint = doc.article_header
    meta = md_mod.extract_metadata(doc.norm, title_hint=hint, removed=removed_lines,
                                   header_specific=doc.header_specific)
    for k in ("title", "doc_type", "reporting_unit", "level", "recipient", "year", "years",
              "issued", "anonymised"):
        setattr(doc, k, getattr(meta, k))
    if hint and not doc.header_specific:  # the header names the compilation: prefer the article's own title
        doc.title = _article_title(doc.norm, doc.norm.split("\n", 1)[0].strip())
    default = {"summary": "achievements", "self_inspection": "achievements",
               "plan": "next_steps", "implementation_plan": "next_steps"}.get(doc.doc_type, "other")
    # the title line is never a section heading
    paras = doc.paragraphs[1:] if doc.paragraphs else []
    doc.sections = structure.section_tree(doc.norm, paras, default)
    body = doc.norm.split("\n", 1)[1] if hint and "\n" in doc.norm else doc.norm
    doc.relevant, doc.relevance_reason = relevance(body)


def _article_title(norm: str, header: str) -> str:
    lines = [x.strip() for x in norm.split("\n")[1:4] if x.strip()]
    own = []
    for x in lines:  # a title broken over short lines: 'XX镇关于进一步开展' + '创建…实施意见'
        if len(x) > 30 or re.search(r"[,，。;；:：]", x):
            break
        own.append(x)
    return "".join(own) if own else header


def default_components() -> list[Callable[[Document], None]]:
    from pipeline import components

    return components.pipeline_components()


# --- entry points -------------------------------------------------------------------

def process_raw(raw: RawFile, components: list | None = None) -> list[Document]:
    docs, _ = _process(raw, components)
    return docs


def _process(raw: RawFile, components: list | None) -> tuple[list[Document], list[dict]]:
    asm = assemble(raw)
    docs = split_documents(raw, asm)
    comps = components if components is not None else default_components()
    out = []
    for doc in docs:
        if not doc.text.strip():
            continue
        structure_component(doc)
        for comp in comps:
            comp(doc)
        out.append(doc)
    return out, asm.removed


def process_file(path: str | os.PathLike, components: list | None = None) -> FileResult:
    path = str(path)
    try:
        raw = read_file(path)
    except ReadError as e:
        return FileResult(path, _sha_or_none(path), "error", f"{path}: {e}")
    try:
        docs, removed = _process(raw, components)
    except Exception as e:  # a bug must not stop the batch; report it against the file
        return FileResult(path, raw.sha256, "error", f"{path}: internal error {type(e).__name__}: {e}")
    if not docs:
        return FileResult(path, raw.sha256, "error", f"{path}: no report text after cleaning",
                          format=raw.format)
    return FileResult(path, raw.sha256, "ok", None, docs, removed=removed, format=raw.format)


def process_text(text: str, source: str = "<text>", components: list | None = None) -> list[Document]:
    """Run the whole per-document pipeline on a string (for tests and notebooks)."""
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    raw = RawFile(path=source, sha256=sha, format="txt", encoding="utf-8",
                  blocks=lines_to_blocks(text))
    return process_raw(raw, components)


def _sha_or_none(path: str) -> str | None:
    try:
        from pipeline.readers import file_sha256

        return file_sha256(path)
    except OSError:
        return None
