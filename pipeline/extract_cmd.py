"""``ngreport extract PATH... [--jsonl] [-o FILE] [--manifest FILE]``: documents as JSON."""
from __future__ import annotations

import contextlib
import json
import sys
from typing import Any

from pipeline.discover import discover
from pipeline.executor import map_files
from pipeline.process import FileResult, process_file


def document_json(doc, include_text: bool = True, show_names: bool = False) -> dict[str, Any]:
    d = doc.to_dict(include_text=include_text)
    if not show_names:
        from pipeline.privacy import mask_document_dict

        mask_document_dict(d)
    return d


def manifest_row(res: FileResult) -> dict[str, Any]:
    return {"path": res.path, "sha256": res.sha256, "status": res.status, "error": res.error,
            "format": res.format, "n_documents": len(res.documents)}


def main(args) -> int:
    inputs = discover(args.paths)
    out_cm = open(args.output, "w", encoding="utf-8") if args.output else contextlib.nullcontext(sys.stdout)
    man_cm = open(args.manifest, "w", encoding="utf-8") if args.manifest else contextlib.nullcontext(None)
    n_docs = n_failed = 0
    failures = []
    with out_cm as out, man_cm as man:
        def emit_manifest(row):
            if man is not None:
                man.write(json.dumps(row, ensure_ascii=False) + "\n")

        for p in inputs.missing:
            n_failed += 1
            failures.append(f"{p}: no such file or directory")
            emit_manifest({"path": p, "sha256": None, "status": "error",
                           "error": f"{p}: no such file or directory", "format": None, "n_documents": 0})
        first = True
        if args.pretty:
            out.write("[\n")
        for res in map_files(process_file, inputs.files):
            emit_manifest(manifest_row(res))
            if res.status != "ok":
                n_failed += 1
                failures.append(res.error)
                print(f"error: {res.error}", file=sys.stderr)
                continue
            for doc in res.documents:
                d = document_json(doc, include_text=not args.no_text, show_names=args.show_names)
                if args.pretty:
                    out.write(("" if first else ",\n") + json.dumps(d, ensure_ascii=False, indent=1))
                else:
                    out.write(json.dumps(d, ensure_ascii=False) + "\n")
                first = False
                n_docs += 1
        if args.pretty:
            out.write("\n]\n")
    n_files = len(inputs.files) + len(inputs.missing)
    hidden = f", {len(inputs.hidden)} hidden files not read" if inputs.hidden else ""
    print(f"extract: {n_files} files, {n_docs} documents, {n_failed} failed{hidden}", file=sys.stderr)
    return 2 if n_failed else 0
