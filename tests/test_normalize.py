"""extractors.normalize.fold_width: the array path for long texts maps exactly as
str.translate does, character for character, on any text."""
from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from extractors.normalize import _TABLE, fold_width

ROOT = Path(__file__).resolve().parent.parent
_CHARS = st.one_of(st.sampled_from([chr(c) for c in _TABLE]), st.characters())


@settings(max_examples=300, deadline=None)
@given(st.text(_CHARS, min_size=200, max_size=1200))
def test_long_texts_fold_as_translate_does(text):
    out = fold_width(text)
    assert out == text.translate(_TABLE) and len(out) == len(text)


def test_sample_reports_fold_as_translate_does():
    for path in (ROOT / "corpus" / "samples").glob("*.txt"):
        text = path.read_text("utf-8")
        assert len(text) >= 256 and fold_width(text) == text.translate(_TABLE)
        assert "，" not in fold_width(text)
