"""A processed document as the rows of the store's base tables (``Document`` → tuples).

Pure: no database access.  :func:`prepare` runs in the worker that processed the file, so
the process writing the store only inserts ready rows (see :mod:`pipeline.run`).
"""
from __future__ import annotations

import bisect
import hashlib
import json
from json.encoder import c_make_encoder, encode_basestring

from pipeline.copied import fingerprints
from pipeline.document import Document

#: Base tables written per document.
ROW_TABLES = ("documents", "sections", "activities", "quantities", "flags", "problems",
              "child_names", "fingerprints")


_ENCODE = json.JSONEncoder(ensure_ascii=False, sort_keys=True, default=str).encode
#: The same encoding made once, without the per-call set-up of ``JSONEncoder.encode`` (a
#: report's rows call it about 300 times): arguments as ``JSONEncoder.iterencode`` passes
#: them, with no check for circular references (rows are trees).  None without the C
#: accelerator.
_C_ENCODE = c_make_encoder and c_make_encoder(None, str, encode_basestring, None, ": ", ", ",
                                              True, False, True)


def text_key(text: str | None) -> str:
    """A report's text with all whitespace removed, hashed (sha1): the same report sent
    twice (e.g. as .txt and .docx, spaced differently) has the same key."""
    return hashlib.sha1("".join((text or "").split()).encode("utf-8")).hexdigest()


def _json(v) -> str | None:
    if v is None or v == {} or v == []:
        return None
    if _C_ENCODE is None or isinstance(v, str):
        return _ENCODE(v)
    return "".join(_C_ENCODE(v, 0))


def _num(v) -> float | None:
    try:
        return None if v is None else float(v)
    except (TypeError, ValueError):
        return None


def locator_label(loc: dict) -> str:
    """A reader's locator as a short Chinese label: 第3页 / 第12段 / 第40行 / 表1第2行第3列."""
    if not loc or loc.get("synthetic"):
        return ""
    if "table" in loc and "row" in loc:
        return f"表{loc['table'] + 1}第{loc['row'] + 1}行第{loc.get('col', 0) + 1}列"
    if "page" in loc:
        return f"第{loc['page']}页"
    if "paragraph" in loc:
        return f"第{loc['paragraph'] + 1}段"
    if "line" in loc:
        return f"第{loc['line']}行"
    return ""


def _section_roles(doc: Document, flat: list):
    """A function: offset -> the role of the innermost section holding it (None outside
    every section), as ``doc.section_at`` gives it.  Which sections hold an offset changes
    only at a section's start or end, so it is looked up once per stretch between them."""
    cuts = sorted({x for sec, _ in flat for x in (sec.start, sec.end)})
    roles = [sec.role if (sec := doc.section_at(c)) else None for c in cuts]

    def role(offset) -> str | None:
        if offset is None:
            return None
        i = bisect.bisect_right(cuts, int(offset)) - 1
        return roles[i] if i >= 0 else None
    return role


def _flat_sections(sections, parent=None, acc=None) -> list:
    """Depth-first (section, parent index) pairs."""
    acc = [] if acc is None else acc
    for sec in sections:
        acc.append((sec, parent))
        _flat_sections(sec.children, len(acc) - 1, acc)
    return acc


def _flag_row(doc: Document, i: int, f: dict) -> tuple:
    spans = f.get("spans") or []
    qs = [j for j in (f.get("quantities") or []) if 0 <= j < len(doc.quantities)]
    start = end = sentence = None
    if qs:
        q = doc.quantities[qs[0]]
        start, end = q.get("start"), q.get("end")
    elif spans:
        start, end = spans[0].get("start"), spans[0].get("end")
    if start is not None and 0 <= start < len(doc.text):
        s = doc.sentence_at(start)
        sentence = doc.text[s[0]:s[1]] if s else None
    evidence = f.get("expected") or "；".join(str(s.get("text", "")) for s in spans) or None
    return (doc.doc_id, i, "document", f.get("type"), f.get("severity"), f.get("message"),
            evidence, f.get("expected"), start, end, sentence, _json(qs), _json(spans),
            _json(f.get("detail")), None)


def document_rows(doc: Document, sha: str, run_id: str, names_fn=None) -> dict[str, list[tuple]]:
    """All base-table rows of one document."""
    did, text = doc.doc_id, doc.text
    out: dict[str, list[tuple]] = {t: [] for t in ROW_TABLES}
    out["documents"].append((
        did, sha, doc.source, doc.article, doc.title, doc.doc_type, doc.reporting_unit,
        doc.level, doc.recipient, doc.year, _json(doc.years), doc.issued, _json(doc.anonymised),
        bool(doc.relevant), doc.relevance_reason, doc.format, doc.encoding,
        _json(list(doc.categories)), len(doc.quantities), len(text), text, False, run_id,
        text_key(text)))
    flat = _flat_sections(doc.sections)
    role_at = _section_roles(doc, flat)
    for i, (sec, parent) in enumerate(flat):
        out["sections"].append((did, i, parent, sec.heading, sec.level, sec.role, sec.marker,
                                sec.start, sec.end, sec.heading_start, sec.heading_end))
    for i, a in enumerate(doc.activities):
        s, e = a.get("start"), a.get("end")
        t = a.get("text") or (text[s:e] if s is not None and e is not None else None)
        extra = {k: v for k, v in a.items() if k not in ("start", "end", "text", "category")}
        out["activities"].append((did, i, s, e, t, a.get("category"), role_at(s),
                                  _json(extra)))
    for i, q in enumerate(doc.quantities):
        sent = q.get("sentence") or None
        if not sent and q.get("start") is not None:
            sent = doc.sentence_at(q["start"])
        ss, se = (sent[0], sent[1]) if sent else (None, None)
        loc = ""
        if q.get("start") is not None and 0 <= q["start"] < len(text):
            loc = locator_label(doc.locate(q["start"]))
        links = q.get("links") or {}
        out["quantities"].append((
            did, i, q.get("text"), _num(q.get("value")), _num(q.get("low")), _num(q.get("high")),
            q.get("unit"), q.get("kind"), bool(q.get("approx")), bool(q.get("redacted")),
            q.get("subject"), q.get("role"), q.get("period"), q.get("category"), q.get("start"),
            q.get("end"), ss, se, text[ss:se] if ss is not None else None,
            role_at(q.get("start")), q.get("rule"), links.get("part_of"),
            _json(links), _json(q.get("cell")), loc))
    for i, f in enumerate(doc.flags):
        out["flags"].append(_flag_row(doc, i, f))
    for i, p in enumerate(doc.problems):
        s, e = p.get("start"), p.get("end")
        out["problems"].append((did, i, s, e, p.get("text") or text[s:e], p.get("theme")))
    if names_fn is not None:
        out["child_names"].extend((did, s, e) for s, e in names_fn(text))
    out["fingerprints"].append((did, *fingerprints(text, doc.reporting_unit)))
    return out


def file_rows(docs: list[Document], sha: str, run_id: str, names_fn=None) -> dict[str, list]:
    out: dict[str, list[tuple]] = {t: [] for t in ROW_TABLES}
    for doc in docs:
        for name, rows in document_rows(doc, sha, run_id, names_fn).items():
            out[name].extend(rows)
    return out


def prepare(result, run_id: str, names_fn=None):
    """Turn an ok FileResult's documents into store rows (``result.rows``) and drop the
    Document objects, keeping their count (``result.n_documents``): less to pickle back
    from a worker, and nothing left to compute in the writing process."""
    if result.status == "ok":
        result.rows = file_rows(result.documents, result.sha256, run_id, names_fn)
        result.n_documents = len(result.documents)
        result.documents = []
    return result


def n_documents(result) -> int:
    """Documents of a FileResult, prepared or not."""
    n = getattr(result, "n_documents", None)
    return n if n is not None else len(result.documents or [])
