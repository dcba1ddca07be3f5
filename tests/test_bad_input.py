"""A folder of every kind of bad input: each listed with a one-line reason, the rest completes."""
import builtins
import io
import json
import os
import zipfile

import pytest

from pipeline.cli import main
from reportgen import REPORT, write_docx, write_pdf, write_txt


def _pdf_encrypted(path):
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), encrypt="secret")
    c.drawString(40, 800, "confidential")
    c.save()


def _pdf_scanned(path):
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    img = Image.new("RGB", (200, 100), "white")
    c = canvas.Canvas(str(path))
    c.drawImage(ImageReader(img), 40, 600, 200, 100)
    c.save()


def _docx_bomb(path):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document>" + " " * (60 * 1024 * 1024) + "</w:document>")


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    d = tmp_path_factory.mktemp("bad")
    good = [write_txt(d / "good-utf8.txt", "utf-8"), write_docx(d / "good.docx"), write_pdf(d / "good.pdf")]
    bad = {}
    (d / "empty.txt").write_bytes(b"")
    bad["empty.txt"] = "empty"
    (d / "garbage.txt").write_bytes(os.urandom(4096) + b"\x00" * 64)
    bad["garbage.txt"] = "binary"
    full = (d / "good.pdf").read_bytes()
    (d / "truncated.pdf").write_bytes(full[: len(full) // 3])
    bad["truncated.pdf"] = "pdf"
    _pdf_encrypted(d / "encrypted.pdf")
    bad["encrypted.pdf"] = "encrypted"
    _pdf_scanned(d / "scanned.pdf")
    bad["scanned.pdf"] = "OCR"
    (d / "corrupt.docx").write_bytes(b"PK\x03\x04 this is not really a zip")
    bad["corrupt.docx"] = "corrupt"
    _docx_bomb(d / "bomb.docx")
    bad["bomb.docx"] = "expand"
    (d / "undecodable.txt").write_bytes(REPORT.encode("gb18030")[:200] + bytes(range(0x80, 0xff)) * 40)
    bad["undecodable.txt"] = "undecodable"
    with open(d / "huge.txt", "wb") as fh:
        line = ("全年共资助困难学生420名。" * 20 + "\n").encode("utf-8")
        for _ in range(60 * 1024 * 1024 // len(line) + 1):
            fh.write(line)
    bad["huge.txt"] = "too large"
    (d / "notes.xyz").write_text("hello")
    bad["notes.xyz"] = "unsupported"
    locked = d / "locked.txt"
    locked.write_text(REPORT, encoding="utf-8")
    locked.chmod(0)
    bad["locked.txt"] = "permission"
    return d, good, bad


def _run(d, tmp_path, monkeypatch):
    locked = str(d / "locked.txt")
    real_open = builtins.open

    def guarded_open(file, *a, **k):  # root reads anything: emulate what a user would see
        if str(file) == locked:
            raise PermissionError(13, "Permission denied", locked)
        return real_open(file, *a, **k)

    if os.geteuid() == 0:
        monkeypatch.setattr(builtins, "open", guarded_open)
    out, man = tmp_path / "out.jsonl", tmp_path / "manifest.jsonl"
    code = main(["extract", str(d), "--jsonl", "-o", str(out), "--manifest", str(man)])
    monkeypatch.undo()
    rows = [json.loads(x) for x in man.read_text(encoding="utf-8").splitlines()]
    docs = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    return code, rows, docs


def test_bad_inputs_listed_rest_completes(batch, tmp_path, monkeypatch, capsys):
    d, good, bad = batch
    code, rows, docs = _run(d, tmp_path, monkeypatch)
    assert code == 2
    by_name = {os.path.basename(r["path"]): r for r in rows}
    assert set(by_name) == {p.name for p in good} | set(bad)  # nothing skipped
    for name, word in bad.items():
        r = by_name[name]
        assert r["status"] == "error", name
        assert name in r["error"] and "\n" not in r["error"], r["error"]
        assert word.lower() in r["error"].lower(), (name, r["error"])
    for p in good:
        assert by_name[p.name]["status"] == "ok" and by_name[p.name]["n_documents"] == 1
    assert sorted(os.path.basename(x["source"]) for x in docs) == sorted(p.name for p in good)
    for x in docs:
        assert x["doc_type"] == "summary" and x["year"] == 2023
    err = capsys.readouterr().err
    assert f"{len(good) + len(bad)} files, 3 documents, {len(bad)} failed" in err


def test_exit_zero_when_all_good(tmp_path):
    write_txt(tmp_path / "a.txt", "gb18030")
    assert main(["extract", str(tmp_path), "-o", str(tmp_path / "o.jsonl")]) == 0


def test_missing_path_is_an_error(tmp_path):
    assert main(["extract", str(tmp_path / "nope.txt"), "-o", str(tmp_path / "o.jsonl")]) == 2
