"""Masking children's names in the tables people read: :func:`masker` makes the function
that masks the names a store recorded, :func:`mask_frame` applies it to a frame's free-text
columns."""
from __future__ import annotations

import pandas as pd

#: Columns that hold ids and codes, never free text.
_NOT_TEXT = {"doc_id", "unit_id", "parent_id", "kind", "role", "scope", "gap_type", "type",
             "severity", "unit", "level", "doc_type", "matched_by", "locator", "category",
             "theme", "source"}


def masker(names: set[str]):
    """A function masking every occurrence of the given children's names in a string."""
    import re

    from extractors.names import mask

    names = {n for n in names if n and len(n) >= 2}
    if not names:
        return lambda s: s
    pattern = re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)))
    masked = {n: mask(n, [(0, len(n))]) for n in names}

    def apply(s):
        return pattern.sub(lambda m: masked[m.group()], s) if isinstance(s, str) else s
    apply.pattern = pattern  # lets mask_frame find the cells to change on whole columns
    return apply


def mask_frame(df: pd.DataFrame, fn) -> pd.DataFrame:
    """Apply ``fn`` to every free-text column of ``df`` (ids and codes are left alone); a
    :func:`masker` is applied only to the cells its pattern finds (one vectorised search);
    only the columns that change are copied."""
    df = df.copy(deep=False)
    pattern = getattr(fn, "pattern", None)
    for c in df.columns:
        s = df[c]
        if c in _NOT_TEXT or not (s.dtype == object or pd.api.types.is_string_dtype(s)):
            continue
        if pattern is None:
            df[c] = s.map(fn)
            continue
        try:
            hit = s.str.contains(pattern.pattern, regex=True, na=False).astype(bool)
        except (AttributeError, TypeError, ValueError):  # no strings at all, or odd values
            hit = pd.Series(True, index=s.index)
        if hit.any():
            s = s.copy()
            s.loc[hit] = s[hit].map(fn)
            df[c] = s
    return df
