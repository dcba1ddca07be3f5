"""Legacy .doc/.wps/.rtf: converted to .docx with LibreOffice (``soffice --headless``)."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from pipeline.readers.base import RawFile, ReadError


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def read_legacy(path: str, data: bytes, sha256: str) -> RawFile:
    exe = soffice()
    if exe is None:
        raise ReadError(
            f"{Path(path).suffix} needs LibreOffice to convert; install it "
            "(apt-get install libreoffice-writer-nogui) or save the file as .docx")
    from pipeline.readers.docx import read_docx

    with tempfile.TemporaryDirectory(prefix="ngreport-soffice-") as tmp:
        src = Path(tmp) / ("in" + Path(path).suffix.lower())
        src.write_bytes(data)
        env = dict(os.environ, HOME=tmp)  # a private profile: parallel conversions don't clash
        try:
            subprocess.run([exe, "--headless", "--convert-to", "docx", "--outdir", tmp, str(src)],
                           check=True, capture_output=True, timeout=120, env=env)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
            raise ReadError(f"LibreOffice could not convert it ({type(e).__name__})") from None
        out = Path(tmp) / "in.docx"
        if not out.exists():
            raise ReadError("LibreOffice could not convert it (no output)")
        raw = read_docx(path, out.read_bytes(), sha256)
    raw.format = Path(path).suffix.lower().lstrip(".")
    return raw
