"""``ngreport`` command line: a thin layer over the library (sqlite-utils style)."""
from __future__ import annotations

import argparse
import sys


def _extract(args: argparse.Namespace) -> int:
    from pipeline.extract_cmd import main

    return main(args)


def _run(args: argparse.Namespace) -> int:
    from pipeline.run import main

    return main(args)


def _eval(args: argparse.Namespace) -> int:
    from pipeline.evaluate import main

    return main(args)


def _train(args: argparse.Namespace) -> int:
    from pipeline.train import main

    return main(args)


def _synth(args: argparse.Namespace) -> int:
    from pipeline.synth import main

    return main(args)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="ngreport",
        description="Ingest, extract, classify, audit and consolidate 关工委 work reports.",
    )
    sub = p.add_subparsers(dest="command", required=True)

    e = sub.add_parser("extract", help="Turn report files into structured JSON documents.")
    e.add_argument("paths", nargs="+", metavar="PATH", help="files or folders (recursive)")
    e.add_argument("--jsonl", action="store_true", help="one JSON object per line (default)")
    e.add_argument("--pretty", action="store_true", help="indented JSON array instead of JSONL")
    e.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    e.add_argument("--manifest", metavar="FILE", help="write the per-file run manifest (JSONL)")
    e.add_argument("--no-text", action="store_true", help="omit the document text")
    e.add_argument("--show-names", action="store_true",
                   help="keep children's personal names unmasked in the output")
    e.set_defaults(func=_extract)

    r = sub.add_parser("run", help="Consolidate reports into a store, tables and reports.")
    r.add_argument("inputs", nargs="+", metavar="INPUT", help="files or folders (recursive)")
    r.add_argument("-o", "--outdir", required=True, metavar="OUTDIR")
    r.add_argument("--roster", metavar="CSV", help="units.csv: unit_id,unit_name,parent_id,level[,aliases]")
    r.add_argument("--plan", metavar="PLANFILE", help="the committee's own work plan (工作要点)")
    r.add_argument("--db", metavar="FILE", help="DuckDB file (default OUTDIR/ngreport.duckdb)")
    r.add_argument("--workers", type=int, default=1,
                   help="worker processes for the per-file work; with more than one, the "
                        "outputs are also written in parallel (default 1; 0 = every CPU)")
    r.add_argument("--engine", choices=["local", "dask"], default="local",
                   help="where the per-file work runs: local processes or a Dask cluster")
    r.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address (with --engine dask)")
    r.add_argument("--show-names", action="store_true",
                   help="do not mask children's personal names in outputs")
    r.add_argument("--no-progress", action="store_true", help="no progress bar")
    r.set_defaults(func=_run)

    v = sub.add_parser("eval", help="Evaluate extraction, classification and flags.")
    v.add_argument("gold", nargs="?", default="corpus/gold", help="gold folder (default corpus/gold)")
    v.add_argument("--samples", default="corpus/samples", help="folder of the gold's source files")
    v.add_argument("--labels", default="corpus/labels", help="labelled sentences folder")
    v.add_argument("--only", choices=["quantities", "categories", "flags"], action="append",
                   help="evaluate only this part (repeatable)")
    v.add_argument("--json", action="store_true", help="print figures as JSON")
    v.set_defaults(func=_eval)

    t = sub.add_parser("train", help="Rebuild the shipped category model from corpus/labels.")
    t.add_argument("--labels", default="corpus/labels")
    t.add_argument("-o", "--output", help="model file (default: the packaged model)")
    t.set_defaults(func=_train)

    s = sub.add_parser("synth", help="Generate a synthetic roster and reports with truth.")
    s.add_argument("--units", type=int, default=20)
    s.add_argument("--years", type=int, default=1)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--formats", default="txt,gb18030,docx,pdf",
                   help="comma list of txt,gb18030,docx,pdf")
    s.add_argument("-o", "--outdir", required=True)
    s.set_defaults(func=_synth)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
