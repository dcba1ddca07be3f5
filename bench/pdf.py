"""Pages per second of our PDF reader against bare pypdfium2 and pdfplumber, in one run.

    python bench/pdf.py --docs 60

Generates N multi-page synthetic report PDFs (``pipeline.synth``, CID font STSong-Light;
about 15% carry a ruled statistics table) into a temporary folder, then times over the
same files, each in this process:

* ``pipeline.readers.pdf.read_pdf`` (pypdfium2 text, pdfplumber only on ruled pages);
* pypdfium2 alone: ``PdfPage.get_textpage().get_text_range()`` for every page;
* pdfplumber alone: ``page.extract_text()`` for every page.

Last line: ``ours_pages_per_s=X pdfium_pages_per_s=P pdfplumber_pages_per_s=Q``.
"""
from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _pdfium(files: list[Path]) -> int:
    import pypdfium2 as pdfium

    chars = 0
    for f in files:
        pdf = pdfium.PdfDocument(str(f))
        for i in range(len(pdf)):
            chars += len(pdf[i].get_textpage().get_text_range())
        pdf.close()
    return chars


def _pdfplumber(files: list[Path]) -> int:
    import pdfplumber

    chars = 0
    for f in files:
        with pdfplumber.open(str(f)) as pdf:
            for page in pdf.pages:
                chars += len(page.extract_text() or "")
    return chars


def _ours(files: list[Path]) -> int:
    from pipeline.readers.pdf import read_pdf

    chars = 0
    for f in files:
        data = f.read_bytes()
        raw = read_pdf(str(f), data, hashlib.sha256(data).hexdigest())
        chars += sum(len(b.text) for b in raw.blocks)
    return chars


def _pages(files: list[Path]) -> int:
    import pypdfium2 as pdfium

    n = 0
    for f in files:
        pdf = pdfium.PdfDocument(str(f))
        n += len(pdf)
        pdf.close()
    return n


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=60, help="number of PDF reports (default 60)")
    ap.add_argument("--chars", type=int, default=6000, help="typical report length")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    from pipeline.synth import generate

    tmp = Path(tempfile.mkdtemp(prefix="ngreport-pdfbench-"))
    try:
        t0 = time.perf_counter()
        out = generate(args.docs, 1, args.seed, tmp, ["pdf"], target_chars=args.chars,
                       truth=False, complete=True)
        files = sorted((out / "pdf").glob("*.pdf"))
        pages = _pages(files)
        print(f"generated {len(files)} PDFs, {pages} pages, in {time.perf_counter() - t0:.1f} s")
        rates = {}
        for name, fn in (("ours (pipeline.readers.pdf)", _ours), ("pypdfium2 text", _pdfium),
                         ("pdfplumber extract_text", _pdfplumber)):
            fn(files[:2])  # imports and first-use costs outside the timing
            t = time.perf_counter()
            chars = fn(files)
            dt = time.perf_counter() - t
            rates[name] = pages / dt
            print(f"{name:30s} {pages / dt:9.1f} pages/s  {chars / dt / 1e3:8.1f} k chars/s")
        ours, bare, plumber = rates.values()
        print(f"ours / pypdfium2 = {ours / bare:.2f}   ours / pdfplumber = {ours / plumber:.1f}x")
        print(f"ours_pages_per_s={ours:.1f} pdfium_pages_per_s={bare:.1f} "
              f"pdfplumber_pages_per_s={plumber:.1f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
