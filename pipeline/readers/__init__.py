"""Readers: one per format, each turning bytes into a :class:`RawFile` of blocks."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from pipeline.readers.base import MAX_BYTES, Block, RawFile, ReadError

SUFFIXES = {
    ".txt": "text", ".md": "text", ".text": "text",
    ".docx": "docx",
    ".pdf": "pdf",
    ".html": "html", ".htm": "html", ".xhtml": "html",
    ".doc": "legacy", ".wps": "legacy", ".rtf": "legacy",
}


def read_file(path: str | os.PathLike) -> RawFile:
    """Read any supported report file; raise ReadError with a one-line reason."""
    path = str(path)
    suffix = Path(path).suffix.lower()
    kind = SUFFIXES.get(suffix)
    if kind is None:
        raise ReadError(f"unsupported file type '{suffix or '(none)'}' "
                        f"(supported: {', '.join(sorted(SUFFIXES))})")
    try:
        size = os.path.getsize(path)
        if size > MAX_BYTES:
            raise ReadError(f"file too large ({size / 2**20:.0f} MB > {MAX_BYTES // 2**20} MB limit "
                            "for one report; split it)")
        with open(path, "rb") as fh:
            data = fh.read()
    except PermissionError:
        raise ReadError("permission denied") from None
    except IsADirectoryError:
        raise ReadError("is a directory") from None
    except OSError as e:
        raise ReadError(f"cannot read ({e.strerror})") from None
    if not data:
        raise ReadError("empty file")
    sha = hashlib.sha256(data).hexdigest()
    if kind == "text":
        from pipeline.readers.text import read_text as reader
    elif kind == "docx":
        from pipeline.readers.docx import read_docx as reader
    elif kind == "pdf":
        from pipeline.readers.pdf import read_pdf as reader
    elif kind == "html":
        from pipeline.readers.html import read_html as reader
    else:
        from pipeline.readers.office import read_legacy as reader
    return reader(path, data, sha)


def file_sha256(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


__all__ = ["Block", "RawFile", "ReadError", "read_file", "file_sha256", "SUFFIXES"]
