import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "corpus" / "samples"


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return SAMPLES


@pytest.fixture(scope="session")
def sample_results():
    """Every sample processed once per test session (structure + all stages)."""
    from pipeline.process import process_file

    return {p.name: process_file(p) for p in sorted(SAMPLES.iterdir())}
