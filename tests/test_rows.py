"""The store rows a processed document becomes (pipeline.rows)."""
from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

from pipeline import rows
from pipeline.process import process_file

SAMPLES = Path(__file__).resolve().parent.parent / "corpus" / "samples"


@pytest.mark.parametrize("value", [
    {"labels": [{"key": "关爱帮扶", "prob": 0.9184}], "probability": 0.9184, "quantities": [3, 4]},
    {"b": None, "a": [1.5, -2, True, False, None], "c": {"z": "引号\"和\\反斜杠\n换行", "y": []}},
    [float("nan"), float("inf"), -float("inf"), 1e-05, 1e16, 0.1 + 0.2],
    {"when": datetime.date(2024, 5, 1), "set": ("元组", 1)},
    {"x": {"y": {"z": [{"深": "层"}]}}, "\u2028": "\x00\x1f"},
])
def test_rows_json_is_the_standard_encoders_output(value):
    """rows._json (one C encoder made once) writes what json.dumps(ensure_ascii=False,
    sort_keys=True, default=str) writes, byte for byte."""
    assert rows._json(value) == json.dumps(value, ensure_ascii=False, sort_keys=True,
                                           default=str)


def test_empty_values_are_stored_as_null():
    assert [rows._json(v) for v in (None, {}, [])] == [None, None, None]
    assert rows._json("文字") == '"文字"'


@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLES.iterdir()
                                        if p.suffix in (".txt", ".docx", ".pdf")))
def test_section_role_at_every_offset_is_the_innermost_sections(name):
    """The roles stored beside activities and quantities, looked up per stretch between
    section boundaries, are those of Document.section_at at every offset of every sample."""
    res = process_file(SAMPLES / name)
    assert res.status == "ok"
    for doc in res.documents:
        flat = rows._flat_sections(doc.sections)
        role_at = rows._section_roles(doc, flat)
        for x in range(-2, len(doc.text) + 2):
            sec = doc.section_at(x)
            assert role_at(x) == (sec.role if sec else None), x
        assert role_at(None) is None


def test_the_samples_have_nested_sections_for_the_role_test_to_check():
    nested = 0
    for path in SAMPLES.iterdir():
        if path.suffix in (".txt", ".docx", ".pdf"):
            res = process_file(path)
            nested += sum(bool(s.children) for d in res.documents for s in d.sections)
    assert nested >= 3
