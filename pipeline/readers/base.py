"""What every reader returns: a file as an ordered list of text blocks with locators."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_BYTES = 50 * 1024 * 1024  # a yearly report is well under 5 MB; see ReadError below


class ReadError(Exception):
    """A file that cannot be turned into text; ``str()`` is the one-line reason."""


@dataclass
class Block:
    """One paragraph, line or table of the source, in reading order.

    ``text`` is the block's characters verbatim; ``locator`` says where it is
    (``line``/``paragraph``/``page``, and ``char`` = offset of ``text[0]`` there).
    A table block carries ``rows`` (list of rows of cell texts) instead of ``text``.
    """

    text: str
    locator: dict[str, Any]
    kind: str = "para"  # para | line | table | page_break
    rows: list[list[str]] | None = None
    cell_locators: list[list[dict[str, Any]]] | None = None
    glue: bool = False  # the next block continues this one (a PDF line wrapped by layout)


@dataclass
class RawFile:
    path: str
    sha256: str
    format: str
    blocks: list[Block] = field(default_factory=list)
    encoding: str | None = None
    n_pages: int | None = None
