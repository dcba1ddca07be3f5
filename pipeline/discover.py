"""Find the input files: paths given, folders walked recursively, in a stable order."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Inputs:
    files: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # named on the command line, not found
    hidden: list[str] = field(default_factory=list)   # dotfiles inside folders, not read


def discover(paths: list[str]) -> Inputs:
    out = Inputs()
    for p in paths:
        if os.path.isdir(p):
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for f in sorted(files):
                    full = str(Path(root) / f)
                    (out.hidden if f.startswith(".") else out.files).append(full)
        elif os.path.lexists(p):
            out.files.append(str(p))
        else:
            out.missing.append(str(p))
    return out
