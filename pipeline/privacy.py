"""Children's personal names are masked in every output unless ``--show-names``.

Masking keeps the length (申光堰 → 申**), so offsets and provenance stay true.
"""
from __future__ import annotations

from typing import Any


def mask_text(text: str | None) -> str | None:
    if not text:
        return text
    from extractors.names import find_child_names, mask

    spans = find_child_names(text)
    return mask(text, spans) if spans else text


def mask_document_dict(d: dict[str, Any]) -> None:
    """Mask a document's JSON form in place: its text and every text field derived from it."""
    text = d.get("text")
    if text:
        from extractors.names import find_child_names, mask

        spans = find_child_names(text)
        if spans:
            d["text"] = mask(text, spans)
            for q in d.get("quantities", []):
                q["text"] = d["text"][q["start"]:q["end"]]
                q["subject"] = mask_text(q.get("subject"))
            for p in d.get("problems", []):
                p["text"] = d["text"][p["start"]:p["end"]]
    for f in d.get("flags", []):
        f["message"] = mask_text(f.get("message"))
    d["title"] = mask_text(d.get("title"))
