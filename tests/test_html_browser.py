"""report.html in a real headless browser (Debian chromium driven by playwright).

Skipped only when /usr/bin/chromium is absent and CI is not set; under CI a missing
browser is a failure (run scripts/install-system-deps.sh).
"""
import os
from pathlib import Path

import pytest

from pipeline import render_html
from pipeline.consolidation import Consolidation

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        if _ci():
            pytest.fail("CI is set but /usr/bin/chromium is missing: run scripts/install-system-deps.sh")
        pytest.skip("/usr/bin/chromium not installed (scripts/install-system-deps.sh installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture()
def page(browser, tmp_path):
    path = render_html.write(Consolidation.example(), tmp_path / "report.html")
    pg = browser.new_page()
    errors, dialogs, requests = [], [], []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    pg.on("request", lambda r: requests.append(r.url))
    pg.goto(path.as_uri())
    pg.wait_for_selector("body[data-ready='1']", timeout=10000)
    pg.errors, pg.dialogs, pg.requests = errors, dialogs, requests
    yield pg
    pg.close()


def visible_rows(pg, table_id: str) -> int:
    return pg.locator(f"#{table_id} tbody tr").count()


def test_loads_without_errors_or_network(page):
    assert page.errors == []
    assert [u for u in page.requests if not u.startswith(("file:", "data:"))] == []
    assert visible_rows(page, "quantities") == 5
    assert "3个单位" in page.locator("#summary").inner_text()
    # the chart is drawn as inline SVG with one bar group per unit
    assert page.locator("#chart-unit svg rect").count() >= 2


def test_filters_change_visible_rows(page):
    assert visible_rows(page, "quantities") == 5
    page.select_option("#f-unit", "X1")
    assert visible_rows(page, "quantities") == 3
    assert visible_rows(page, "problems") == 1
    page.select_option("#f-kind", "people")
    assert visible_rows(page, "quantities") == 1
    page.click("#f-reset")
    assert visible_rows(page, "quantities") == 5
    page.fill("#f-search", "助学金")
    assert visible_rows(page, "quantities") == 2  # both numbers of that sentence
    assert "显示 2 / 5 条" in page.locator("#count-quantities").inner_text()
    page.fill("#f-search", "")
    page.select_option("#f-category", "宣传/信息报送")
    assert visible_rows(page, "quantities") == 1
    assert page.errors == []


def test_click_number_shows_source_sentence_with_mark(page):
    assert page.locator("#source-panel").is_hidden()
    page.locator("#quantities a.num", has_text="20余万元").click()
    panel = page.locator("#source-panel")
    assert panel.is_visible()
    assert page.locator("#panel-body mark").inner_text() == "20余万元"
    sentence = page.locator("#panel-body .sentence").inner_text()
    assert sentence == "全年共资助困难学生1200名，发放助学金20余万元。"
    assert "甲县.txt" in page.locator("#panel-body .meta").first.inner_text()
    assert "第3行" in page.locator("#panel-body .meta").first.inner_text()
    page.click("#panel-close")
    assert panel.is_hidden()


def test_aggregate_number_lists_its_sources(page):
    page.locator("#totals a.num", has_text="1250人").click()
    marks = page.locator("#panel-body mark").all_inner_texts()
    assert sorted(marks) == ["1200名", "50名"]


def test_script_in_report_text_is_shown_as_text(page):
    cell = page.locator("#quantities td.sent", has_text="<script>alert(1)</script>")
    assert cell.count() == 1
    page.locator("#quantities a.num", has_text="50名").click()
    assert "<script>alert(1)</script>" in page.locator("#panel-body .sentence").inner_text()
    assert page.locator("#panel-body mark").inner_text() == "50名"
    assert page.evaluate("document.scripts.length") == 2  # the JSON block and the page script
    assert page.dialogs == []
    assert page.errors == []


def test_empty_consolidation_renders(browser, tmp_path):
    path = render_html.write(Consolidation.empty(), tmp_path / "empty.html")
    pg = browser.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.goto(path.as_uri())
    pg.wait_for_selector("body[data-ready='1']", timeout=10000)
    assert errors == []
    assert visible_rows(pg, "quantities") == 0
    pg.close()


def test_year_chart_appears_with_several_years(browser, tmp_path):
    import pandas as pd

    cons = Consolidation.example()
    later = cons.quantities.copy()
    later["year"] = 2023
    cons.quantities = pd.concat([cons.quantities, later], ignore_index=True)
    path = render_html.write(cons, tmp_path / "years.html")
    pg = browser.new_page()
    pg.goto(path.as_uri())
    pg.wait_for_selector("body[data-ready='1']", timeout=10000)
    assert pg.locator("#chart-year-wrap").is_visible()
    assert pg.locator("#chart-year svg text", has_text="2023年").count() == 1
    pg.select_option("#f-kind", "people")
    pg.select_option("#c-measure", "sum")
    totals = pg.locator("#chart-unit svg > text").all_text_contents()
    assert "2400" in totals  # 甲县 1200 people in each of two years; no other kind added
    pg.close()
