"""The planted flag set: every planted inconsistency found, almost nothing else raised."""
import pytest

from pipeline.plant import build

pytest.importorskip("extractors.quantities")
pytest.importorskip("extractors.tables")  # quantities_component needs it (pipeline/components.py)


def test_planted_corpus_is_deterministic_and_complete():
    a, b = build(0), build(0)
    assert [d.text for d in a.docs] == [d.text for d in b.docs]
    assert [d.text for d in build(1).docs] != [d.text for d in a.docs]
    types = {t.type for t in a.truth}
    assert types == {"redacted", "vague", "sum_mismatch", "subset_exceeds_total", "percent_mismatch",
                     "change_mismatch", "cross_document_conflict", "parent_less_than_children",
                     "implausible_jump", "copied_text", "round_numbers"}
    for t in a.truth:
        doc = next(d for d in a.docs if d.key == t.key)
        assert t.start is None or doc.text[t.start:t.end] == t.text
        assert "⟦" not in doc.text and "⟧" not in doc.text


def test_planted_set_targets():
    from pipeline.components import quantities_component
    from pipeline.eval_flags import evaluate, format_report

    # the real structure + quantity stages; flags are raised by evaluate itself
    res = evaluate((0, 1, 2), components=[quantities_component])
    report = format_report(res)
    for typ, s in res["types"].items():
        assert s["truth"] > 0, typ
        assert s["recall"] == 1.0, report
        assert s["precision"] is not None and s["precision"] >= 0.95, report
    assert res["overall"]["precision"] >= 0.95
