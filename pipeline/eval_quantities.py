"""Evaluate quantity extraction against the gold files in corpus/gold/.

Gold rows (corpus/gold/<stem>.jsonl) are located in the raw decoded sample as the first
occurrence of ``text`` inside the unique ``context``.  Predicted mentions come either
from the whole pipeline (``process_file``, offsets mapped back to the raw file) or, with
``source="direct"``, from ``extract_quantities`` run on the whole decoded raw file.

Metrics: detection P/R/F1 (a predicted span overlapping a gold span, one-to-one) and
"fully correct" P/R/F1 (matched, and value, kind, approx, redacted all equal), overall
and per kind; plus how many of the annotated non-quantities (not_quantities.jsonl) were
extracted.

    python -m pipeline.eval_quantities [corpus/gold] [--samples corpus/samples] [--direct] [--json]
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.readers.text import decode

FIELDS = ("value", "kind", "approx", "redacted")
NEGATIVES = "not_quantities.jsonl"


@dataclass
class Span:
    start: int
    end: int
    row: dict = field(default_factory=dict)


@dataclass
class FileEval:
    source: str
    gold: list[Span]
    pred: list[Span]
    negatives: list[Span]
    errors: list[str]


def read_raw(path: Path) -> str:
    return decode(path.read_bytes(), str(path))[0]


def locate(raw: str, row: dict) -> tuple[int, int] | None:
    """(start, end) of a gold row in the raw text, or None if its context is not unique."""
    ctx = row["context"]
    at = raw.find(ctx)
    if at < 0 or raw.find(ctx, at + 1) >= 0:
        return None
    inner = ctx.find(row["text"])
    if inner < 0:
        return None
    return at + inner, at + inner + len(row["text"])


def load_rows(path: Path) -> list[dict]:
    rows = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                rows.append(json.loads(line))
    return rows


def predict_direct(raw: str, sample: Path) -> list[Span]:
    from extractors.quantities import extract_quantities

    return [Span(q["start"], q["end"], q) for q in extract_quantities(raw)]


def _raw_offset(doc, offset: int) -> int | None:
    if hasattr(doc, "raw_offset"):
        return doc.raw_offset(offset)
    loc = doc.locate(offset)
    return loc.get("char") if "line" in loc else None


def predict_pipeline(raw: str, sample: Path) -> list[Span]:
    from pipeline.process import process_file

    res = process_file(sample)
    if res.status != "ok":
        raise RuntimeError(res.error)
    out = []
    for doc in res.documents:
        for q in doc.quantities:
            s = _raw_offset(doc, q["start"])
            e = _raw_offset(doc, q["end"] - 1)
            if s is None or e is None:
                continue
            out.append(Span(s, e + 1, q))
    return out


def match(gold: list[Span], pred: list[Span]) -> list[tuple[int, int]]:
    """One-to-one pairs (gold index, pred index) of overlapping spans, largest overlap first."""
    cands = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(pred):
            ov = min(g.end, p.end) - max(g.start, p.start)
            if ov > 0:
                cands.append((-ov, abs(g.start - p.start), gi, pi))
    cands.sort()
    used_g, used_p, pairs = set(), set(), []
    for _, _, gi, pi in cands:
        if gi not in used_g and pi not in used_p:
            used_g.add(gi)
            used_p.add(pi)
            pairs.append((gi, pi))
    return pairs


def _same_value(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) <= 1e-6 * max(1.0, abs(float(a)))


def mismatched_fields(g: dict, p: dict) -> list[str]:
    bad = []
    for f in FIELDS:
        if f == "value":
            if not _same_value(g.get(f), p.get(f)):
                bad.append(f)
        elif g.get(f) != p.get(f):
            bad.append(f)
    return bad


def _prf(tp_p: int, n_pred: int, tp_g: int, n_gold: int) -> dict:
    p = tp_p / n_pred if n_pred else 0.0
    r = tp_g / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4),
            "n_gold": n_gold, "n_pred": n_pred}


def evaluate_files(files: list[FileEval]) -> dict:
    det = {"gold": 0, "pred": 0, "tp": 0}
    full = {"tp": 0}
    per_kind = defaultdict(lambda: {"gold": 0, "pred": 0, "tp_det": 0, "tp_full_g": 0, "tp_full_p": 0})
    missed, spurious, wrong, neg_hits = [], [], [], []
    for fe in files:
        pairs = match(fe.gold, fe.pred)
        det["gold"] += len(fe.gold)
        det["pred"] += len(fe.pred)
        det["tp"] += len(pairs)
        for g in fe.gold:
            per_kind[g.row.get("kind")]["gold"] += 1
        for p in fe.pred:
            per_kind[p.row.get("kind")]["pred"] += 1
        mg = {gi for gi, _ in pairs}
        mp = {pi for _, pi in pairs}
        for gi, pi in pairs:
            g, p = fe.gold[gi].row, fe.pred[pi].row
            per_kind[g.get("kind")]["tp_det"] += 1
            bad = mismatched_fields(g, p)
            if not bad:
                full["tp"] += 1
                per_kind[g.get("kind")]["tp_full_g"] += 1
                per_kind[p.get("kind")]["tp_full_p"] += 1
            else:
                wrong.append({"source": fe.source, "text": g["text"], "pred_text": p["text"],
                              "fields": {f: [g.get(f), p.get(f)] for f in bad}})
        for gi, g in enumerate(fe.gold):
            if gi not in mg:
                missed.append({"source": fe.source, "text": g.row["text"], "context": g.row["context"]})
        neg_pairs = match(fe.negatives, [p for pi, p in enumerate(fe.pred) if pi not in mp])
        unmatched = [p for pi, p in enumerate(fe.pred) if pi not in mp]
        neg_set = {pi for _, pi in neg_pairs}
        for pi, p in enumerate(unmatched):
            item = {"source": fe.source, "text": p.row.get("text"), "start": p.start}
            (neg_hits if pi in neg_set else spurious).append(item)
    kinds = {}
    for k, c in sorted(per_kind.items(), key=lambda kv: str(kv[0])):
        kinds[str(k)] = {"detection": _prf(c["tp_det"], c["pred"], c["tp_det"], c["gold"]),
                         "fully_correct": _prf(c["tp_full_p"], c["pred"], c["tp_full_g"], c["gold"])}
    return {
        "detection": _prf(det["tp"], det["pred"], det["tp"], det["gold"]),
        "fully_correct": _prf(full["tp"], det["pred"], full["tp"], det["gold"]),
        "per_kind": kinds,
        "negatives": {"n": sum(len(f.negatives) for f in files), "extracted": len(neg_hits)},
        "missed": missed, "spurious": spurious, "wrong": wrong, "negative_hits": neg_hits,
        "errors": [e for f in files for e in f.errors],
    }


def collect(gold_dir: str | Path, samples_dir: str | Path, source: str = "pipeline") -> list[FileEval]:
    gold_dir, samples_dir = Path(gold_dir), Path(samples_dir)
    predict = predict_direct if source == "direct" else predict_pipeline
    negatives = defaultdict(list)
    neg_path = gold_dir / NEGATIVES
    if neg_path.exists():
        for row in load_rows(neg_path):
            negatives[row["source"]].append(row)
    files = []
    for gpath in sorted(gold_dir.glob("*.jsonl")):
        if gpath.name == NEGATIVES:
            continue
        rows = [r for r in load_rows(gpath) if "kind" in r]
        if not rows:
            continue
        name = rows[0]["source"]
        sample = samples_dir / name
        errors = []
        if not sample.exists():
            files.append(FileEval(name, [], [], [], [f"{name}: sample file not found"]))
            continue
        raw = read_raw(sample)
        gold, negs = [], []
        for r in rows:
            loc = locate(raw, r)
            if loc is None:
                errors.append(f"{name}: cannot locate gold {r['text']!r} in context {r['context']!r}")
            else:
                gold.append(Span(loc[0], loc[1], r))
        for r in negatives.get(name, []):
            loc = locate(raw, r)
            if loc is not None:
                negs.append(Span(loc[0], loc[1], r))
        try:
            pred = predict(raw, sample)
        except Exception as e:  # report, do not crash the whole evaluation
            errors.append(f"{name}: prediction failed: {type(e).__name__}: {e}")
            pred = []
        files.append(FileEval(name, gold, pred, negs, errors))
    return files


def evaluate(gold_dir: str | Path = "corpus/gold", samples_dir: str | Path = "corpus/samples",
             source: str = "pipeline") -> dict:
    """Figures for quantity extraction (see module docstring); ``source``: pipeline|direct."""
    if source == "pipeline":
        import importlib.util

        if importlib.util.find_spec("pipeline.process") is None:
            source = "direct"  # the pipeline is not there yet: run the extractor alone
    d = evaluate_files(collect(gold_dir, samples_dir, source))
    d["source"] = source
    return d


def format_report(d: dict) -> str:
    def row(name: str, m: dict) -> str:
        return (f"{name:<14} P {m['precision']:.3f}  R {m['recall']:.3f}  F1 {m['f1']:.3f}"
                f"  (gold {m['n_gold']}, pred {m['n_pred']})")

    lines = [f"Quantities ({d.get('source', '?')}):",
             row("detection", d["detection"]), row("fully correct", d["fully_correct"]),
             "per kind (fully correct):"]
    for k, m in d["per_kind"].items():
        lines.append("  " + row(k, m["fully_correct"]))
    neg = d["negatives"]
    lines.append(f"non-quantities extracted: {neg['extracted']} of {neg['n']}")
    for title, key in (("missed", "missed"), ("spurious", "spurious"),
                       ("non-quantities extracted", "negative_hits"), ("wrong fields", "wrong"),
                       ("errors", "errors")):
        items = d.get(key) or []
        if items:
            lines.append(f"{title} ({len(items)}):")
            for it in items[:40]:
                lines.append("  " + (it if isinstance(it, str) else json.dumps(it, ensure_ascii=False)))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="eval_quantities", description=__doc__.split("\n")[0])
    ap.add_argument("gold", nargs="?", default="corpus/gold")
    ap.add_argument("--samples", default="corpus/samples")
    ap.add_argument("--direct", action="store_true",
                    help="run the extractor on the whole raw file instead of the pipeline")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    a = ap.parse_args(argv)
    d = evaluate(a.gold, a.samples, "direct" if a.direct else "pipeline")
    try:
        print(json.dumps(d, ensure_ascii=False, indent=1) if a.json else format_report(d))
    except BrokenPipeError:  # piped into head
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
