"""`ngreport extract corpus/samples --jsonl`: 9 documents with the full schema."""
import json

import pytest

from pipeline.cli import main

KEYS = {"source", "sha256", "article", "title", "doc_type", "reporting_unit", "level", "recipient",
        "year", "issued", "text", "sections", "provenance", "quantities", "activities", "categories",
        "problems", "flags", "relevant", "doc_id"}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory, samples_dir):
    d = tmp_path_factory.mktemp("extract")
    out, shown = d / "docs.jsonl", d / "shown.jsonl"
    assert main(["extract", str(samples_dir), "--jsonl", "-o", str(out)]) == 0
    assert main(["extract", str(samples_dir / "2021_econ-bureau_summary.txt"), "-o", str(shown),
                 "--show-names"]) == 0
    read = lambda p: [json.loads(x) for x in p.read_text(encoding="utf-8").splitlines()]
    return read(out), read(shown)


def test_nine_documents_with_schema(extracted):
    docs, _ = extracted
    assert len(docs) == 9
    for d in docs:
        assert KEYS <= set(d), KEYS - set(d)
        for q in d["quantities"]:
            assert d["text"][q["start"]:q["end"]] == q["text"]
            assert {"value", "low", "high", "unit", "kind", "approx", "redacted", "subject", "role",
                    "period", "sentence", "rule", "links", "category"} <= set(q)


def test_children_names_masked_unless_asked(extracted):
    docs, shown = extracted
    econ = next(d for d in docs if d["source"].endswith("2021_econ-bureau_summary.txt"))
    assert "申光堰" not in econ["text"] and "申**" in econ["text"]
    assert "彭涛" in econ["text"]  # an adult official stays
    assert "申光堰" in shown[0]["text"]
    assert len(econ["text"]) == len(shown[0]["text"])  # masking keeps offsets


def test_not_relevant_articles_get_no_committee_category(extracted):
    docs, _ = extracted
    for d in docs:
        if not d["relevant"]:
            assert d["categories"] in ([], ["other"])
