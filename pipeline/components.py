"""The components run on every document after structure, in data-flow order:
extract (quantities, table cells) → classify (activities, categories) → audit (flags, problems)."""
from __future__ import annotations

from collections.abc import Callable

from pipeline.document import Document, iter_sections

PLAN_TYPES = {"plan", "implementation_plan"}


def _keep(qs: list[dict], keep: list[bool]) -> list[dict]:
    """The kept mentions, their links re-pointed (links to dropped mentions removed)."""
    from extractors.links import remap_links

    new = {i: n for n, i in enumerate(i for i, k in enumerate(keep) if k)}
    out = [q for i, q in enumerate(qs) if keep[i]]
    for q in out:
        remap_links(q, new.get)
    return out


def quantities_component(doc: Document) -> None:
    from extractors.quantities import extract_quantities, merge_table_quantities
    from extractors.tables import extract_table_quantities

    qs = extract_quantities(doc.norm, doc.sentences)
    if doc.tables:  # cells of real tables: subjects from their row and column headers
        spans = [(t.start, t.end) for t in doc.tables]
        qs = _keep(qs, [not any(a <= q["start"] < b for a, b in spans) for q in qs])
        tables = [{"index": t.index, "n_rows": t.n_rows, "n_cols": t.n_cols,
                   "cells": [c.__dict__ for c in t.cells]} for t in doc.tables]
        qs = merge_table_quantities(qs, extract_table_quantities(doc.norm, tables), inline=False)
    for q in qs:  # matching ran on the normalised copy; the surface is the source's own
        q["text"] = doc.text[q["start"]:q["end"]]
    # a figure in a plan, or in a next-steps section, is planned, not achieved
    next_spans = [(s.start, s.end) for s in iter_sections(doc.sections) if s.role == "next_steps"]
    for q in qs:
        if q.get("role") == "achieved" and (doc.doc_type in PLAN_TYPES or
                                            any(a <= q["start"] < b for a, b in next_spans)):
            q["role"] = "plan"
    doc.quantities = qs


def classify_component(doc: Document) -> None:
    from pipeline.classify import classify_document

    classify_document(doc)


def flags_component(doc: Document) -> None:
    from extractors.flags import document_flags

    doc.flags = document_flags(doc.norm, doc.quantities, doc.sentences,
                               doc_id=doc.doc_id, source=doc.source)


def problems_component(doc: Document) -> None:
    from extractors.problems import extract_problems

    doc.problems = extract_problems(doc.norm, doc.sections)


def pipeline_components() -> list[Callable[[Document], None]]:
    """extract → classify → audit, in data-flow order."""
    return [quantities_component, classify_component, flags_component, problems_component]
