"""Peak memory of ``ngreport run`` by corpus size: is it flat in the number of reports?

    python bench/memory.py --docs 1000 2000 4000 8000

For each size, generates that many synthetic reports (as ``bench/throughput.py`` does) and
runs ``ngreport run --workers <cpus>`` on them in a fresh process, sampling the whole
process tree every 0.25 s (summed PSS, see ``throughput.tree_memory``).  Prints the peak,
the phase it falls in and the growth per 1,000 reports between sizes.  The last line is
machine-readable: ``docs=N1,N2,… peak_mb=M1,M2,… mb_per_1000=G`` (G: growth from the
smallest to the largest size), followed by ``failed=N…`` (and exit status 1) when a run did
not succeed: its peak is not that of a whole run.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from throughput import ROOT, phases, run_command, run_measured  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, nargs="+", default=[500, 1000, 2000])
    ap.add_argument("--chars", type=int, default=5000, help="typical report length")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--keep", metavar="DIR", help="generate into DIR/<N> and keep it")
    args = ap.parse_args(argv)

    from pipeline.synth import generate

    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="ngreport-mem-"))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
    sizes, peaks, failed = [], [], []
    try:
        for n in sorted(args.docs):
            folder = base / str(n)
            corpus = folder / "corpus"
            if not (corpus / "roster.csv").exists():
                generate(n, 1, args.seed, corpus, ["txt"], target_chars=args.chars, truth=False,
                         complete=True)
            out = folder / "run"
            shutil.rmtree(out, ignore_errors=True)
            wall, peak, _, code, samples = run_measured(
                run_command(corpus, out, "--workers", str(args.workers)), env)
            at = max(samples, key=lambda s: s[1])[0] if samples else time.time()
            split = phases(out / "ngreport.duckdb")
            where = "" if not split else (" (files phase)" if at <= split[2] else
                                          " (consolidation and outputs)")
            n_docs = len(list((corpus / "txt").glob("*.txt")))
            if code != 0:
                failed.append(n_docs)
            sizes.append(n_docs)
            peaks.append(peak / 2**20)
            growth = "" if len(sizes) < 2 else (
                f"  +{(peaks[-1] - peaks[-2]) / max(sizes[-1] - sizes[-2], 1) * 1000:.0f} MB "
                "per 1,000 reports since the last size")
            print(f"{n_docs:6d} reports: peak {peaks[-1]:6.0f} MB{where}, wall {wall:6.1f} s, "
                  f"exit {code}{growth}", flush=True)
        slope = (peaks[-1] - peaks[0]) / max(sizes[-1] - sizes[0], 1) * 1000 if len(sizes) > 1 else 0
        print(f"docs={','.join(map(str, sizes))} peak_mb={','.join(f'{p:.0f}' for p in peaks)} "
              f"mb_per_1000={slope:.0f}" + (f" failed={','.join(map(str, failed))}" if failed
                                            else ""))
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
