"""Write a laid-out synthetic report as .txt (UTF-8 / GB18030), .docx and .pdf, byte-stable.

docx: python-docx, fixed core properties, re-zipped with fixed member timestamps.
pdf: reportlab with the built-in CID font STSong-Light (no font file needed) and
``invariant=1`` (fixed creation date and document id); lines are wrapped to the page
width like a word processor would, tables are drawn as ruled grids (so pdfplumber finds
them), and each page gets a "- n -" footer.
"""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

from pipeline.synth_report import Layout

FIXED_TIME = dt.datetime(2024, 1, 1, 0, 0, 0)
FONT = "STSong-Light"
EXTENSIONS = {"txt": ".txt", "gb18030": ".txt", "docx": ".docx", "pdf": ".pdf"}


def write_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    path.write_bytes(text.encode(encoding))


def _stable_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed timestamps and a sorted, fixed member order."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        names = src.namelist()
        first = [n for n in names if n == "[Content_Types].xml"]
        for name in first + sorted(n for n in names if n not in first):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, src.read(name))
    return out.getvalue()


def write_docx(path: Path, layout: Layout, author: str = "ngreport synth") -> None:
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    d = docx.Document()
    props = d.core_properties
    props.author = author
    props.last_modified_by = author
    props.created = props.modified = props.last_printed = FIXED_TIME
    props.revision = 1
    for block in layout.blocks:
        text = block.piece.text
        if block.role == "blank":
            continue
        if block.role == "table":
            rows = block.rows or []
            table = d.add_table(rows=len(rows), cols=max(len(r) for r in rows))
            table.style = "Table Grid"
            for r, row in enumerate(rows):
                for c, cell in enumerate(row):
                    table.cell(r, c).text = cell
            continue
        p = d.add_paragraph()
        run = p.add_run(text)
        if block.role == "title":
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run.bold = True
            run.font.size = Pt(16)
        elif block.role == "heading":
            run.bold = block.level == 1
        elif block.role == "signature":
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        elif block.role == "para":
            p.paragraph_format.first_line_indent = Pt(24)
    buf = io.BytesIO()
    d.save(buf)
    path.write_bytes(_stable_zip(buf.getvalue()))


def _wrap(text: str, width: float, size: float, indent: float = 0.0) -> list[str]:
    """Greedy character wrap (CJK text breaks anywhere)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines, cur, w, limit = [], [], 0.0, width - indent
    for ch in text:
        cw = stringWidth(ch, FONT, size)
        if cur and w + cw > limit:
            lines.append("".join(cur))
            cur, w, limit = [], 0.0, width
        cur.append(ch)
        w += cw
    lines.append("".join(cur))
    return lines


def _register_font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def write_pdf(path: Path, layout: Layout) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen import canvas

    _register_font()
    page_w, page_h = A4
    margin, size, lead = 72.0, 11.0, 18.0
    width = page_w - 2 * margin
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    c.setTitle(layout.blocks[0].piece.text[:60] if layout.blocks else "")
    c.setAuthor("ngreport synth")
    y = page_h - margin
    page = 1

    def new_page() -> None:
        nonlocal y, page
        c.setFont(FONT, 9)
        c.drawCentredString(page_w / 2, margin / 2, f"- {page} -")
        c.showPage()
        page += 1
        y = page_h - margin

    for block in layout.blocks:
        text = block.piece.text
        if block.role == "blank":
            y -= lead / 2
            continue
        if block.role == "table":
            rows = block.rows or []
            ncol = max(len(r) for r in rows)
            col_w, row_h = width / ncol, 20.0
            if y - row_h * len(rows) < margin:
                new_page()
            top = y
            c.setFont(FONT, size - 1)
            for r, row in enumerate(rows):
                for k, cell in enumerate(row):
                    c.drawString(margin + k * col_w + 4, top - (r + 1) * row_h + 6, cell)
            for r in range(len(rows) + 1):
                c.line(margin, top - r * row_h, margin + width, top - r * row_h)
            for k in range(ncol + 1):
                c.line(margin + k * col_w, top, margin + k * col_w, top - len(rows) * row_h)
            y = top - len(rows) * row_h - lead
            continue
        fsize = 16.0 if block.role == "title" else size
        indent = 2 * fsize if block.role == "para" else 0.0
        for i, line in enumerate(_wrap(text, width, fsize, indent)):
            if y < margin + lead:
                new_page()
            c.setFont(FONT, fsize)
            if block.role == "title":
                c.drawCentredString(page_w / 2, y, line)
            elif block.role == "signature":
                c.drawString(page_w - margin - stringWidth(line, FONT, fsize), y, line)
            else:
                c.drawString(margin + (indent if i == 0 else 0.0), y, line)
            y -= lead * (1.4 if block.role == "title" else 1.0)
    c.setFont(FONT, 9)
    c.drawCentredString(page_w / 2, margin / 2, f"- {page} -")
    c.showPage()
    c.save()


def write(fmt: str, path: Path, layout: Layout) -> None:
    """Write ``layout`` in format ``fmt`` (txt, gb18030, docx, pdf)."""
    if fmt == "txt":
        write_text(path, layout.text)
    elif fmt == "gb18030":
        write_text(path, layout.text, "gb18030")
    elif fmt == "docx":
        write_docx(path, layout)
    elif fmt == "pdf":
        write_pdf(path, layout)
    else:
        raise ValueError(f"unknown format {fmt!r} (txt, gb18030, docx, pdf)")
