"""For random offsets, the character in ``text`` is the character at the mapped source place."""
import random

import docx
import pypdfium2 as pdfium

from pipeline.process import process_file
from pipeline.readers.text import decode
from reportgen import write_docx, write_pdf


def _check(doc, source_char, n=300, seed=7):
    rng = random.Random(seed)
    mapped = 0
    for off in rng.sample(range(len(doc.text)), min(n, len(doc.text))):
        loc = doc.locate(off)
        if loc.get("synthetic"):
            assert doc.text[off] in "\n\t"
            continue
        assert source_char(loc) == doc.text[off], (off, loc)
        mapped += 1
    assert mapped > 0.8 * min(n, len(doc.text))


def test_txt_samples(sample_results, samples_dir):
    for name, res in sample_results.items():
        raw, _ = decode((samples_dir / name).read_bytes(), name)
        lines = raw.splitlines(keepends=True)
        for doc in res.documents:
            def char(loc):
                assert raw[loc["char"]] == lines[loc["line"] - 1][loc["char"] - sum(map(len, lines[:loc["line"] - 1]))]
                return raw[loc["char"]]
            _check(doc, char, n=120)


def test_docx(tmp_path):
    p = write_docx(tmp_path / "r.docx")
    doc = process_file(p).documents[0]
    paras = docx.Document(str(p)).paragraphs
    _check(doc, lambda loc: paras[loc["paragraph"]].text[loc["char"]])


def test_pdf(tmp_path):
    p = write_pdf(tmp_path / "r.pdf")
    doc = process_file(p).documents[0]
    pdf = pdfium.PdfDocument(str(p))
    pages = [pdf[i].get_textpage().get_text_range().replace("\r\n", "\n").replace("\r", "\n")
             for i in range(len(pdf))]
    _check(doc, lambda loc: pages[loc["page"] - 1][loc["char"]])


def test_compilation_articles_map_into_one_file(sample_results, samples_dir):
    res = sample_results["2015-2020_town_six-good-compilation.txt"]
    raw, _ = decode((samples_dir / res.path.split("/")[-1]).read_bytes(), "x")
    last = -1
    for doc in res.documents:
        first = doc.locate(0)["char"]
        assert first > last  # articles follow each other in the file
        assert raw[first:first + 5] == doc.text[:5]
        last = first
