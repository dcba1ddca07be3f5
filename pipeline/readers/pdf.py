"""PDF reports: text per page through pypdfium2 (fast), tables through pdfplumber.

pdfplumber is thorough but far slower per page, so it only opens pages that show
ruling lines (a cheap check through pypdfium2's page objects) to extract their tables.
"""
from __future__ import annotations

import io
import re

from pipeline.readers.base import Block, RawFile, ReadError
from pipeline.readers.text import lines_to_blocks


def _page_has_rules(page) -> bool:
    import pypdfium2.raw as pdfium_c

    n = 0
    for obj in page.get_objects():
        if obj.type == pdfium_c.FPDF_PAGEOBJ_PATH:
            n += 1
            if n >= 4:
                return True
    return False


def _tables(data: bytes, page_numbers: list[int]) -> dict[int, tuple[str, list]]:
    """For ruled pages with real tables: (text outside the tables, tables as rows of cells)."""
    if not page_numbers:
        return {}
    import pdfplumber

    out: dict[int, tuple[str, list]] = {}
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for pno in page_numbers:
            page = pdf.pages[pno - 1]
            found = [t for t in page.find_tables()
                     if len(t.rows) >= 2 and max(len(r.cells) for r in t.rows) >= 2]
            if not found:
                continue
            rest = page
            for t in found:
                rest = rest.outside_bbox(t.bbox)
            tables = [[[c or "" for c in row] for row in t.extract()] for t in found]
            out[pno] = (rest.extract_text() or "", tables)
    return out


_END = tuple("。：:；;!?！？”")
_STARTS_ITEM = re.compile(r"^\s*(?:[一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十0-9]+[)）]|[0-9]+[.、．]|[一二三四五六七八九十]+是)")


def reflow(blocks: list[Block]) -> list[Block]:
    """Mark lines that the page layout wrapped (full width, no closing punctuation) so the
    paragraph is rebuilt without a line break; the characters themselves are untouched."""
    widths = [len(b.text.strip()) for b in blocks]
    full = max(widths, default=0)
    if full < 20:
        return blocks
    for i, b in enumerate(blocks[:-1]):
        t = b.text.rstrip()
        nxt = blocks[i + 1].text
        if widths[i] >= 0.85 * full and not t.endswith(_END) and nxt.strip() and not _STARTS_ITEM.match(nxt):
            b.glue = True
    return blocks


def read_pdf(path: str, data: bytes, sha256: str) -> RawFile:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        msg = str(e)
        if "password" in msg.lower():
            raise ReadError("encrypted PDF (password required)") from None
        raise ReadError(f"corrupt or truncated PDF ({msg})") from None
    raw = RawFile(path=path, sha256=sha256, format="pdf")
    try:
        raw.n_pages = len(pdf)
        if raw.n_pages == 0:
            raise ReadError("PDF has no pages")
        texts, ruled, image_pages = [], [], 0
        for i in range(raw.n_pages):
            page = pdf[i]
            tp = page.get_textpage()
            text = tp.get_text_range().replace("\r\n", "\n").replace("\r", "\n")
            tp.close()
            if not text.strip():
                if any(o.type == 3 for o in page.get_objects()):  # FPDF_PAGEOBJ_IMAGE
                    image_pages += 1
            elif _page_has_rules(page):
                ruled.append(i + 1)
            texts.append(text)
            page.close()
    finally:
        pdf.close()
    if not any(t.strip() for t in texts):
        why = "scanned images" if image_pages else "no text"
        raise ReadError(f"PDF has no text layer ({why}): needs OCR")
    tables = _tables(data, ruled)
    for pno, text in enumerate(texts, start=1):
        page_tables: list = []
        extra = {"page": pno}
        if pno in tables:  # text outside the tables comes from pdfplumber on such pages
            text, page_tables = tables[pno]
            extra["engine"] = "pdfplumber"
        raw.blocks.extend(reflow(lines_to_blocks(text, extra=extra)))
        for t_i, rows in enumerate(page_tables):
            locs = [[{"page": pno, "table": t_i, "row": r, "col": c, "char": 0}
                     for c in range(len(row))] for r, row in enumerate(rows)]
            raw.blocks.append(Block(text="", locator={"page": pno, "table": t_i}, kind="table",
                                    rows=rows, cell_locators=locs))
        raw.blocks.append(Block(text="", locator={"page": pno}, kind="page_break"))
    return raw
