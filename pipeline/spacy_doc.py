"""A processed report as a spaCy ``Doc`` (``spacy.blank("zh")`` with the jieba segmenter).

For researchers who work in spaCy: tokens, our sentence boundaries, and span groups
``quantities``, ``activities`` and ``sections`` carrying our attributes, so spaCy's
``Matcher``/``PhraseMatcher`` run over the same offsets as the rest of ngreport.
"""
from __future__ import annotations

import functools
from importlib import resources

from pipeline.document import Document, iter_sections


@functools.lru_cache(maxsize=1)
def blank_zh():
    import jieba
    import spacy

    userdict = resources.files("extractors") / "data" / "userdict.txt"
    if userdict.is_file():
        jieba.load_userdict(str(userdict))
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    from spacy.tokens import Doc, Span

    for name in ("doc_id", "source", "doc_type", "year", "reporting_unit"):
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=None)
    for name in ("value", "low", "high", "kind", "role", "approx", "redacted", "category", "prob", "subject"):
        if not Span.has_extension(name):
            Span.set_extension(name, default=None)
    return nlp


def to_spacy(doc: Document):
    """Tokenise ``doc.norm`` and attach sentences and span groups (offsets shared)."""
    nlp = blank_zh()
    sdoc = nlp(doc.norm)
    starts = {a for a, _ in doc.sentences}
    for tok in sdoc:
        tok.is_sent_start = tok.i == 0 or tok.idx in starts
    for k in ("doc_id", "source", "doc_type", "year", "reporting_unit"):
        setattr(sdoc._, k, getattr(doc, k))
    groups = {"quantities": [], "activities": [], "sections": []}
    for q in doc.quantities:
        span = sdoc.char_span(q["start"], q["end"], label=q.get("kind") or "other", alignment_mode="expand")
        if span is not None:
            for k in ("value", "low", "high", "kind", "role", "approx", "redacted", "category", "subject"):
                setattr(span._, k, q.get(k))
            groups["quantities"].append(span)
    for a in doc.activities:
        span = sdoc.char_span(a["start"], a["end"], label=a.get("category") or "other", alignment_mode="expand")
        if span is not None:
            span._.prob = a.get("probability")
            groups["activities"].append(span)
    for s in iter_sections(doc.sections):
        span = sdoc.char_span(s.start, s.end, label=s.role, alignment_mode="expand")
        if span is not None:
            groups["sections"].append(span)
    for name, spans in groups.items():
        sdoc.spans[name] = spans
    return sdoc
