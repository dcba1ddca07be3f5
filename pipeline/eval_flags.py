"""Precision and recall of the auditor flags on the planted test set (pipeline/plant.py).

``evaluate(seed)`` runs the real per-document pipeline (``pipeline.process.process_text``)
on every planted report, then the per-document flags (extractors/flags.py) and the
cross-document flags (pipeline/crossflags.py), and matches each raised flag with the truth
list: same document, same type, overlapping span (unit-level flags such as
``round_numbers`` match on the document).  ``format_report(d)`` prints the table.
"""
from __future__ import annotations

import argparse
import sys
from typing import Any

import pandas as pd

from extractors.flags import document_flags
from pipeline.crossflags import cross_document_flags
from pipeline.plant import Corpus, build

TYPES = ["redacted", "vague", "sum_mismatch", "subset_exceeds_total", "percent_mismatch",
         "change_mismatch", "cross_document_conflict", "parent_less_than_children",
         "implausible_jump", "copied_text", "round_numbers"]
QCOLS = ["doc_id", "unit_id", "year", "doc_type", "text", "value", "low", "high", "unit", "kind",
         "approx", "redacted", "subject", "role", "category", "source", "start", "end",
         "sentence_text"]


def _locate(planted: str, text: str, start: int, end: int) -> tuple[int, int] | None:
    """Where planted[start:end] sits in the processed text (cleaning may shift offsets)."""
    for pad in (20, 8, 0):
        a, b = max(0, start - pad), min(len(planted), end + pad)
        i = text.find(planted[a:b])
        if i >= 0 and text.find(planted[a:b], i + 1) < 0:
            return i + start - a, i + end - a
    return None


def run_corpus(corpus: Corpus, components: list | None = None) -> tuple[list[dict], dict[str, Any]]:
    """Raise every flag on the corpus: (flags with ``key``, ``start``, ``end``), processed docs.

    ``components`` goes to ``process_text`` (None: the full default pipeline)."""
    from pipeline.process import process_text

    flags, processed, qrows, drows, texts = [], {}, [], [], {}
    for p in corpus.docs:
        for doc in process_text(p.text, source=p.source, components=components):
            processed.setdefault(p.key, []).append(doc)
            texts[doc.doc_id] = doc.norm
            drows.append({"doc_id": doc.doc_id, "source": doc.source, "article": doc.article,
                          "unit_id": p.unit_id, "unit_name": p.unit_name, "level": doc.level,
                          "year": p.year, "doc_type": p.doc_type, "relevant": doc.relevant,
                          "reporting_unit": doc.reporting_unit or p.unit_name, "key": p.key})
            for f in document_flags(doc.norm, doc.quantities, doc.sentences, doc.doc_id, doc.source):
                for s in f["spans"] or [{}]:
                    flags.append({"key": p.key, "type": f["type"], "start": s.get("start"),
                                  "end": s.get("end"), "flag": id(f), "message": f["message"],
                                  "expected": f["expected"], "text": s.get("text")})
            for q in doc.quantities:
                s0, s1 = q.get("sentence") or (q["start"], q["end"])
                qrows.append({**{c: q.get(c) for c in QCOLS}, "doc_id": doc.doc_id,
                              "unit_id": p.unit_id, "year": p.year, "doc_type": p.doc_type,
                              "source": doc.source, "sentence_text": doc.norm[s0:s1]})
    documents = pd.DataFrame(drows)
    key_of = dict(zip(documents["doc_id"], documents["key"])) if drows else {}
    cross = cross_document_flags(documents.drop(columns="key") if drows else documents,
                                 pd.DataFrame(qrows, columns=QCOLS), texts, corpus.units)
    for i, r in enumerate(cross.to_dict("records")):
        flags.append({"key": key_of.get(r["doc_id"]), "type": r["type"],
                      "start": None if pd.isna(r["start"]) else int(r["start"]),
                      "end": None if pd.isna(r["end"]) else int(r["end"]), "flag": f"x{i}",
                      "message": r["message"], "expected": r["evidence"], "text": r["sentence_text"]})
    return flags, processed


def _match(corpus: Corpus, seed: int, components: list | None = None):
    """(truth rows with found?, raised flags with correct?) for one corpus."""
    flags, processed = run_corpus(corpus, components)
    planted = {p.key: p for p in corpus.docs}
    truth = []
    for t in corpus.truth:
        span = None
        for doc in processed.get(t.key, []) if t.start is not None else []:
            span = _locate(planted[t.key].text, doc.text, t.start, t.end)
            if span:
                break
        truth.append({"seed": seed, "key": t.key, "type": t.type, "span": span, "text": t.text,
                      "planted": t.start is not None, "found": False})

    def hit(f, t):
        if f["key"] != t["key"] or f["type"] != t["type"]:
            return False
        if not t["planted"]:
            return True
        return (t["span"] is not None and f["start"] is not None
                and f["start"] < t["span"][1] and t["span"][0] < f["end"])

    per_flag: dict[Any, dict] = {}
    for f in flags:
        per_flag.setdefault(f["flag"], dict(f, seed=seed, correct=False))
        for t in truth:
            if hit(f, t):
                per_flag[f["flag"]]["correct"] = t["found"] = True
    return truth, list(per_flag.values())


def evaluate(seeds: tuple[int, ...] | int = (0, 1, 2), components: list | None = None) -> dict[str, Any]:
    """Precision / recall per flag type on planted corpora built with ``seeds``."""
    seeds = (seeds,) if isinstance(seeds, int) else tuple(seeds)
    truth, raised = [], []
    n_docs = 0
    for seed in seeds:
        corpus = build(seed)
        n_docs += len(corpus.docs)
        t, r = _match(corpus, seed, components)
        truth += t
        raised += r
    res: dict[str, Any] = {"seeds": list(seeds), "n_docs": n_docs, "types": {}}
    for typ in TYPES:
        n_t = sum(t["type"] == typ for t in truth)
        tp = sum(t["type"] == typ and t["found"] for t in truth)
        n_r = sum(f["type"] == typ for f in raised)
        good = sum(f["type"] == typ and f["correct"] for f in raised)
        res["types"][typ] = {"truth": n_t, "found": tp, "raised": n_r, "correct": good,
                             "recall": tp / n_t if n_t else None,
                             "precision": good / n_r if n_r else None}
    T, F = len(truth), sum(t["found"] for t in truth)
    R, G = len(raised), sum(f["correct"] for f in raised)
    res["overall"] = {"truth": T, "found": F, "raised": R, "correct": G,
                      "recall": F / T if T else None, "precision": G / R if R else None}
    res["misses"] = [{k: t[k] for k in ("seed", "key", "type", "text")} for t in truth if not t["found"]]
    res["false_alarms"] = [{k: f[k] for k in ("seed", "key", "type", "text", "message", "expected")}
                           for f in raised if not f["correct"]]
    return res


def _pct(x) -> str:
    return "  –  " if x is None else f"{x:5.2f}"


def format_report(d: dict[str, Any]) -> str:
    lines = [f"Planted flag set (seeds {d['seeds']}, {d['n_docs']} documents)",
             f"{'type':28} {'truth':>5} {'found':>5} {'raised':>6} {'recall':>6} {'prec.':>6}"]
    for typ, s in d["types"].items():
        lines.append(f"{typ:28} {s['truth']:5d} {s['found']:5d} {s['raised']:6d} "
                     f"{_pct(s['recall']):>6} {_pct(s['precision']):>6}")
    o = d["overall"]
    lines.append(f"{'overall':28} {o['truth']:5d} {'':5} {o['raised']:6d} "
                 f"{_pct(o['recall']):>6} {_pct(o['precision']):>6}")
    for m in d["misses"]:
        lines.append(f"MISS  s{m['seed']} {m['key']:16} {m['type']:26} {m['text'][:40]}")
    for f in d["false_alarms"]:
        lines.append(f"FALSE s{f['seed']} {f['key'] or '?':16} {f['type']:26} {str(f['text'])[:30]}  "
                     f"{f['expected']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Precision/recall of the auditor flags on a planted set.")
    ap.add_argument("--seed", type=int, action="append",
                    help="corpus seed (repeatable; default 0, 1, 2)")
    ap.add_argument("--full", action="store_true",
                    help="run every default component (classifier included), not only quantities")
    args = ap.parse_args(argv)
    from pipeline.components import quantities_component

    comps = None if args.full else [quantities_component]
    print(format_report(evaluate(tuple(args.seed or (0, 1, 2)), components=comps)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
