"""``ngreport eval``: every evaluation figure the issues ask for, in one run.

- quantities: detection and fully-correct P/R/F1 against ``corpus/gold`` (overall, per kind)
- categories: macro-F1 and per-category F1, cross-validated grouped by source document
- flags: precision and recall per flag type on the planted synthetic set
"""
from __future__ import annotations

import json
import sys

PARTS = ("quantities", "categories", "flags")


def main(args) -> int:
    parts = args.only or list(PARTS)
    results = {}
    for part in parts:
        if part == "quantities":
            from pipeline import eval_quantities as mod

            res = mod.evaluate(args.gold, args.samples)
        elif part == "categories":
            from pipeline import eval_categories as mod

            res = mod.evaluate(args.labels)
        else:
            from pipeline import eval_flags as mod

            res = mod.evaluate()
        results[part] = res
        if not args.json:
            print(f"== {part} ==")
            print(mod.format_report(res))
            print()
    if args.json:
        json.dump(results, sys.stdout, ensure_ascii=False, indent=1, default=str)
        print()
    return 0
