"""Word .docx reports: body paragraphs and tables in document order, cells addressable."""
from __future__ import annotations

import io
import zipfile

from pipeline.readers.base import Block, RawFile, ReadError

MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_RATIO = 200


def _check_zip(data: bytes) -> None:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ReadError("corrupt .docx (not a valid zip archive)") from None
    with zf:
        infos = zf.infolist()
        total = sum(i.file_size for i in infos)
        packed = max(1, sum(i.compress_size for i in infos))
        if total > MAX_UNCOMPRESSED or total / packed > MAX_RATIO:
            raise ReadError(
                f"refused .docx: its XML would expand to {total / 1e6:.0f} MB "
                f"({total / packed:.0f}x its size; a zip bomb?)")
        if "word/document.xml" not in zf.namelist():
            raise ReadError("corrupt .docx (no word/document.xml)")


def read_docx(path: str, data: bytes, sha256: str) -> RawFile:
    _check_zip(data)
    import docx  # python-docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as e:  # python-docx raises many kinds on broken packages
        raise ReadError(f"corrupt .docx ({type(e).__name__}: {str(e)[:80]})") from None
    raw = RawFile(path=path, sha256=sha256, format="docx")
    body = document.element.body
    p_index = t_index = 0
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            par = Paragraph(child, document)
            raw.blocks.append(Block(text=par.text, locator={"paragraph": p_index, "char": 0}))
            p_index += 1
        elif tag == "tbl":
            table = Table(child, document)
            rows, locs = [], []
            for r, row in enumerate(table.rows):
                seen = set()
                cells, cell_locs = [], []
                for c, cell in enumerate(row.cells):
                    if id(cell._tc) in seen:  # a horizontally merged cell repeats
                        continue
                    seen.add(id(cell._tc))
                    cells.append(cell.text)
                    cell_locs.append({"table": t_index, "row": r, "col": c, "char": 0})
                rows.append(cells)
                locs.append(cell_locs)
            raw.blocks.append(Block(text="", locator={"table": t_index}, kind="table",
                                    rows=rows, cell_locators=locs))
            t_index += 1
    return raw
