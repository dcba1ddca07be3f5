"""A frame set aside in a temporary file while steps that do not need it run, so that their
peaks are without it, then read back the same (dtypes and all)."""
from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd


class Spilled:
    """``df`` written to a temporary folder in ``folder`` (default: the system's); the
    caller drops its own references, and :meth:`load` gives the frame back once (the
    folder is then removed; it is removed anyway when this object is collected)."""

    def __init__(self, df: pd.DataFrame, folder: str | Path | None = None):
        self._dir = tempfile.TemporaryDirectory(dir=folder, prefix=".spill-")
        self.path = Path(self._dir.name) / "frame.pickle"
        df.to_pickle(self.path)  # (written and read by this process only)

    def load(self) -> pd.DataFrame:
        try:
            return pd.read_pickle(self.path)
        finally:
            self._dir.cleanup()
