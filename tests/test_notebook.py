"""notebooks/trends.ipynb runs end to end on the output of a real `ngreport run`."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "trends.ipynb"


def test_trends_notebook_executes_and_draws(tmp_path, monkeypatch):
    pytest.importorskip("pipeline.run")
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    from pipeline.cli import main as ngreport

    out = tmp_path / "out"
    # `ngreport run corpus/samples -o OUT`, in-process (1 = an optional output failed)
    assert ngreport(["run", str(ROOT / "corpus" / "samples"), "-o", str(out), "--no-progress"]) in (0, 1)
    assert (out / "data" / "documents.parquet").exists()

    monkeypatch.setenv("NGREPORT_OUT", str(out))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, kernel_name="python3", timeout=180,
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError on any failing cell

    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 3
    figures = sorted(p.name for p in (out / "figures").glob("*.png"))
    assert figures == ["categories_by_unit.png", "categories_by_year.png", "totals_by_year.png"]
    assert all((out / "figures" / f).stat().st_size > 5000 for f in figures)
    text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    assert "'documents': " in text  # the tables were loaded from the parquet files


def test_trends_notebook_plots_data_over_several_years(tmp_path, monkeypatch):
    """The plotting branches with data: the example consolidation, copied into a second year."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    export = pytest.importorskip("pipeline.export")
    import pandas as pd

    from pipeline.consolidation import Consolidation

    cons = Consolidation.example()
    for name in ("quantities", "aggregates", "documents"):
        df = getattr(cons, name)
        later = df.copy()
        later["year"] = 2023
        setattr(cons, name, pd.concat([df, later], ignore_index=True))
    export.write_parquet(cons, tmp_path / "data")
    monkeypatch.setenv("NGREPORT_OUT", str(tmp_path))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(nb, kernel_name="python3", timeout=180).execute()
    tables = [o["data"]["text/plain"] for c in nb.cells if c.cell_type == "code"
              for o in c.get("outputs", []) if o.get("output_type") == "execute_result"]
    by_year = tables[0]
    assert "2022" in by_year and "2023" in by_year and "关爱帮扶" in by_year
    assert len(list((tmp_path / "figures").glob("*.png"))) == 3
