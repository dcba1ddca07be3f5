"""Money extraction, JioNLP versus ngreport, on the gold funds mentions of corpus/gold.

Both extractors run on the same decoded sample files; each predicted money mention is
matched one-to-one to the gold funds mentions by span overlap (pipeline.eval_quantities).
"Fully correct" means matched, with the same value (null for redacted figures and
ranges), approx and redacted flags.  Speed is measured on the same texts (best of N runs).

    python bench/compare_jionlp.py [--gold corpus/gold] [--samples corpus/samples] [--repeat 3]

JioNLP is optional (pip install jionlp); without it only ngreport's figures are printed.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.eval_quantities import Span, collect, evaluate_files  # noqa: E402


def ours(text: str) -> list[dict]:
    from extractors.quantities import extract_quantities

    return extract_quantities(text, kinds={"funds"})  # money only, as JioNLP's extract_money


def _jio_record(m: dict) -> dict:
    d = m.get("detail") or {}
    num = d.get("num")
    value = low = high = None
    try:
        if isinstance(num, list):  # a blurred amount: its written number is the low bound
            low, high = float(num[0]), float(num[1])
            value = low
        elif num is not None:
            value = low = high = float(num)
    except (TypeError, ValueError):
        pass
    definition = d.get("definition", "accurate")
    s, e = m["offset"]
    return {"text": m["text"], "start": s, "end": e, "value": value, "low": low, "high": high,
            "kind": "funds", "approx": definition != "accurate", "redacted": False}


def load_jio():
    try:
        import io
        from contextlib import redirect_stdout

        with redirect_stdout(io.StringIO()):  # jionlp prints a banner on import
            import jionlp as jio
        return jio, None
    except Exception as e:  # ImportError or a broken install
        return None, f"{type(e).__name__}: {e}"


def jio_money(jio, text: str) -> list[dict]:
    out = []
    pos = 0
    for line in text.splitlines(keepends=True):  # JioNLP is line-oriented; offsets re-based
        if line.strip():
            for m in jio.ner.extract_money(line, with_parsing=True):
                r = _jio_record(m)
                r["start"] += pos
                r["end"] += pos
                out.append(r)
        pos += len(line)
    return out


def run(name: str, extract, files, texts: dict[str, str], repeat: int) -> dict:
    best = float("inf")
    preds: dict[str, list[dict]] = {}
    for _ in range(repeat):
        t0 = time.perf_counter()
        preds = {src: extract(t) for src, t in texts.items()}
        best = min(best, time.perf_counter() - t0)
    for fe in files:
        fe.pred = [Span(q["start"], q["end"], q) for q in preds.get(fe.source, [])]
    d = evaluate_files(files)
    n_pred = sum(len(v) for v in preds.values())
    chars = sum(len(t) for t in texts.values())
    return {"name": name, "eval": d, "seconds": best, "mentions_per_s": n_pred / best if best else 0.0,
            "chars_per_s": chars / best if best else 0.0}


def funds_only(files):
    for fe in files:
        fe.gold = [g for g in fe.gold if g.row.get("kind") == "funds"]
        fe.negatives = []
    return files


def fmt(r: dict) -> str:
    det, full = r["eval"]["detection"], r["eval"]["fully_correct"]
    return (f"{r['name']:<10} detection F1 {det['f1']:.3f} (P {det['precision']:.3f} R {det['recall']:.3f})"
            f"  fully-correct F1 {full['f1']:.3f} (P {full['precision']:.3f} R {full['recall']:.3f})"
            f"  {r['mentions_per_s']:,.0f} mentions/s  {r['chars_per_s']:,.0f} chars/s")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Money extraction: JioNLP vs ngreport on gold funds.")
    ap.add_argument("--gold", default="corpus/gold")
    ap.add_argument("--samples", default="corpus/samples")
    ap.add_argument("--repeat", type=int, default=3, help="timing runs (best is kept)")
    ap.add_argument("--errors", action="store_true", help="list each extractor's wrong and missed items")
    a = ap.parse_args(argv)

    from pipeline.eval_quantities import read_raw

    base = funds_only(collect(a.gold, a.samples, source="direct"))
    texts = {fe.source: read_raw(Path(a.samples) / fe.source) for fe in base}
    n_gold = sum(len(fe.gold) for fe in base)
    print(f"gold funds mentions: {n_gold} in {len(texts)} files ({sum(map(len, texts.values()))} chars)")
    ours("预热100元的活动")  # load jieba once, outside the timing
    results = [run("ngreport", ours, funds_only(collect(a.gold, a.samples, source="direct")), texts, a.repeat)]
    jio, err = load_jio()
    if jio is None:
        print(f"JioNLP: not available here ({err}); install it with `pip install jionlp`.")
    else:
        jio.ner.extract_money("预热100元")
        results.append(run("JioNLP", lambda t: jio_money(jio, t),
                           funds_only(collect(a.gold, a.samples, source="direct")), texts, a.repeat))
    for r in results:
        print(fmt(r))
        if a.errors:
            for key in ("wrong", "missed", "spurious"):
                for it in r["eval"][key]:
                    print(f"    {key}: {it}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
