"""Time the consolidation stages of ``ngreport run``: cross-document flags, renderers, Parquet.

    python bench/consolidate.py --docs 120          # ≈115-120 reports
    python bench/consolidate.py --docs 1000 --keep /tmp/cons1000   # keep corpus and store

1. generates synthetic reports for N units (``pipeline.synth.generate``, txt only) into a
   temporary folder (plus its roster.csv and plan.txt) — skipped when ``--keep DIR`` already
   holds them;
2. runs ``ngreport run`` once in a fresh process to fill a store (skipped when the kept
   folder already has one);
3. in this process, on a copy of that store, times each consolidation stage separately:
   ``consolidation.build`` (derived tables; cross-document flags timed on their own, and
   their copied-text part alone), the Excel, Word and HTML renderers and the Parquet export.

Times are wall clock and CPU seconds of this process (CPU is the steadier figure on a busy
machine).  The last line is machine-readable:
``reports=N crossflags_s=X xlsx_s=X docx_s=X html_s=X parquet_s=X consolidation_s=X``.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # the other bench scripts


class Clock:
    """Collects (wall, cpu) seconds per stage and prints them as they come."""

    def __init__(self) -> None:
        self.times: dict[str, tuple[float, float]] = {}

    def __call__(self, name: str, fn, *args, **kwargs):
        t, c = time.perf_counter(), time.process_time()
        out = fn(*args, **kwargs)
        self.add(name, time.perf_counter() - t, time.process_time() - c)
        return out

    def add(self, name: str, wall: float, cpu: float) -> None:
        self.times[name] = (wall, cpu)
        print(f"  {name:34s} wall {wall:7.3f} s   cpu {cpu:7.3f} s", flush=True)


def corpus_and_store(n: int, seed: int, folder: Path) -> tuple[Path, Path]:
    """Generate the corpus (unless present) and fill a store with ``ngreport run``."""
    from pipeline.synth import generate

    corpus, out = folder / "corpus", folder / "run"
    if not (corpus / "roster.csv").exists():
        t = time.perf_counter()
        generate(n, 1, seed, corpus, formats=["txt"])
        print(f"generated {len(list((corpus / 'txt').glob('*.txt')))} reports of {n} units in "
              f"{time.perf_counter() - t:.1f} s -> {corpus}")
    if not (out / "ngreport.duckdb").exists():
        from throughput import run_command

        t = time.perf_counter()
        proc = subprocess.run(run_command(corpus, out), cwd=ROOT, capture_output=True, text=True, check=False)
        print(f"ngreport run: {time.perf_counter() - t:.1f} s, exit {proc.returncode}: "
              f"{proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else ''}")
    return corpus, out / "ngreport.duckdb"


def stages(db: Path, work: Path) -> dict[str, tuple[float, float]]:
    """Time each consolidation stage on a copy of the store ``db``."""
    import pipeline.crossflags as cf
    from pipeline import consolidation, export, render_docx, render_html, render_xlsx
    from pipeline.store import Store

    copy = work / "bench.duckdb"
    shutil.copy(db, copy)
    clock = Clock()
    captured: dict = {}
    original = cf.cross_document_flags

    def timed(*args, **kwargs):
        captured["args"], captured["kwargs"] = args, kwargs
        t, c = time.perf_counter(), time.process_time()
        out = original(*args, **kwargs)
        captured["time"] = (time.perf_counter() - t, time.process_time() - c)
        return out

    cf.cross_document_flags = timed  # consolidation imports it at call time
    with Store(copy) as store:  # open while cross-document flags run again: texts stream from it
        try:
            t, c = time.perf_counter(), time.process_time()
            cons = consolidation.build(store)
            wall, cpu = time.perf_counter() - t, time.process_time() - c
        finally:
            cf.cross_document_flags = original
        n_docs = len(cons.documents)
        print(f"{n_docs} documents, {len(cons.quantities)} quantities, {len(cons.flags)} flags "
              f"({int((cons.flags.get('origin') == 'cross').sum()) if 'origin' in cons.flags else '?'}"
              " cross-document)")
        print("stages:")
        clock.add("consolidation.build (all)", wall, cpu)
        if "time" in captured:
            clock.add("  of which cross-document flags", *captured["time"])
            docs, _, texts, _ = captured["args"]
            flags = clock("cross-document flags (again)", original, *captured["args"],
                          **captured["kwargs"])
            clock("  copied_text alone", cf.copied_passages, docs, texts)
            print("  cross-document flags by type: "
                  + ", ".join(f"{k} {v}" for k, v in flags["type"].value_counts().items()))
        # as in ngreport run: Parquet streams quantities and flags from the open store
        clock("export.write_parquet", export.write_parquet, cons, work / "data")
    cons.detail = None
    clock("render_xlsx.write", render_xlsx.write, cons, work / "consolidated.xlsx")
    clock("render_docx.write", render_docx.write, cons, work / "consolidated-report.docx")
    clock("render_html.write", render_html.write, cons, work / "report.html")
    return dict(clock.times, n_docs=(n_docs, n_docs))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=120, help="units to generate (default 120)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", metavar="DIR", help="use and keep DIR (corpus, store, outputs)")
    args = ap.parse_args(argv)

    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="ngreport-cons-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        _, db = corpus_and_store(args.docs, args.seed, folder)
        work = folder / "bench"
        work.mkdir(exist_ok=True)
        t = stages(db, work)
        wall = lambda k: t.get(k, (float("nan"),))[0]
        print(f"reports={t['n_docs'][0]} crossflags_s={wall('cross-document flags (again)'):.3f} "
              f"xlsx_s={wall('render_xlsx.write'):.3f} docx_s={wall('render_docx.write'):.3f} "
              f"html_s={wall('render_html.write'):.3f} "
              f"parquet_s={wall('export.write_parquet'):.3f} "
              f"consolidation_s={wall('consolidation.build (all)'):.3f}")
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
