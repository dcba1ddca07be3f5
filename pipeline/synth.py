"""``ngreport synth``: a realistic synthetic roster, plan and report set, with truth.

Writes into OUTDIR:

* ``roster.csv``  unit_id, unit_name, parent_id, level, aliases (tree city -> county ->
  township / school);
* ``plan.txt``    the top unit's 工作要点 for the last year (``plan_<year>.txt`` per year
  when several years are generated);
* ``<format>/<unit_id>_<year>.<ext>`` one report per unit and year in each requested
  format (``txt`` UTF-8, ``gb18030`` .txt, ``docx``, ``pdf``);
* ``truth.jsonl`` one JSON object per line: ``meta``, ``plan`` (items, targets),
  ``report`` (quantities, categories, planted flags, problems, coverage gaps, noise …)
  and ``missing_submission`` records.  Offsets are into the report's .txt text.

Everything is a pure function of the seed: the same arguments give the same bytes.
Vocabulary and sentence patterns: pipeline/data/synth_vocab.yaml (corpus/synth/README.md).
"""
from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.synth_patterns import Filler, join, load_vocab
from pipeline.synth_plan import Plan, compose_plan
from pipeline.synth_render import EXTENSIONS, write
from pipeline.synth_report import CARE, Block, ReportComposer, assemble

FORMATS = ("txt", "gb18030", "docx", "pdf")
END_YEAR = 2023
PLANT = 0.12          # chance that an arithmetic sentence carries a planted error
P_MISSING = 0.03      # chance that a unit does not submit its report for a year
P_COPY = 0.06         # chance that a report copies a paragraph from another unit's report
P_NOISE = 0.35        # chance that a report is a download-site copy with noise lines
P_TABLE = 0.15        # chance of a statistics table (附表)
P_ANON = 0.08         # chance that names are anonymised (XX镇)
SCALE = {"city": 20.0, "county": 5.0, "township": 1.0, "school": 0.6}
KEY_METRICS = ("people", "funds", "events")


@dataclass
class Unit:
    unit_id: str
    name: str       # 青山县, 白沙镇, 青山县第一中学
    level: str      # city | county | township | school
    parent_id: str | None
    kind: str       # 市 县 区 镇 乡 街道 校
    children: list[str]

    @property
    def committee(self) -> str:
        return f"{self.name}关工委"


# -- roster ---------------------------------------------------------------------------
def _name_pool(rng: random.Random) -> list[str]:
    stems = load_vocab()["place_stems"]
    firsts = sorted({s[0] for s in stems})
    seconds = sorted({s[1] for s in stems})
    combos = [a + b for a in firsts for b in seconds if a != b and a + b not in stems]
    rng.shuffle(combos)
    extra = [s + c for s in stems for c in seconds]
    rng.shuffle(extra)
    head = list(stems)
    rng.shuffle(head)
    return head + combos + extra


def _names(rng: random.Random):
    """Place names without end: the pool first (drawn now, from ``rng``), then its names
    lengthened a character at a time (a roster of tens of thousands of units outgrows it)."""
    pool = _name_pool(rng)
    seconds = sorted({s[1] for s in load_vocab()["place_stems"]})

    def forever():
        yield from pool
        longer = pool
        while True:
            longer = [p + c for c in seconds for p in longer[:len(pool)]]
            yield from longer
    return forever()


def build_roster(n_units: int, seed: int) -> list[Unit]:
    """A unit tree: one city, about a ninth counties, the rest townships and schools."""
    if n_units < 1:
        raise ValueError("need at least one unit")
    rng = random.Random(f"{seed}/roster")
    v = load_vocab()
    names = _names(rng)
    used: set[str] = set()

    def fresh(suffix: str) -> str:
        while True:
            name = next(names) + suffix
            if name not in used:
                used.add(name)
                return name

    units = [Unit("u00001", fresh(rng.choice(v["city_suffix"])), "city", None, "市", [])]
    n_counties = 0 if n_units == 1 else max(1, min(n_units - 1, round((n_units - 1) / 9)))
    width = max(5, len(str(n_units)))
    uid = lambda i: f"u{i:0{width}d}"  # noqa: E731
    units[0].unit_id = uid(1)
    for _ in range(n_counties):
        suffix = rng.choice(v["county_suffix"])
        units.append(Unit(uid(len(units) + 1), fresh(suffix), "county", units[0].unit_id,
                          suffix, []))
        units[0].children.append(units[-1].unit_id)
    counties = units[1:]
    for k in range(n_units - 1 - n_counties):
        parent = counties[k % len(counties)]
        if rng.random() < 0.25:
            base = parent.name if rng.random() < 0.5 else next(names)
            name = base + rng.choice(v["school_kinds"])
            while name in used:
                name = next(names) + rng.choice(v["school_kinds"])
            used.add(name)
            unit = Unit(uid(len(units) + 1), name, "school", parent.unit_id, "校", [])
        else:
            suffix = rng.choice(v["township_suffix"])
            unit = Unit(uid(len(units) + 1), fresh(suffix), "township", parent.unit_id,
                        suffix, [])
        parent.children.append(unit.unit_id)
        units.append(unit)
    return units


def write_roster(units: list[Unit], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["unit_id", "unit_name", "parent_id", "level", "aliases"])
        for u in units:
            w.writerow([u.unit_id, u.committee, u.parent_id or "", u.level,
                        f"{u.name}关心下一代工作委员会|{u.name}"])


# -- one report -------------------------------------------------------------------------
def _context(unit: Unit, parent: Unit | None, year: int, rng: random.Random,
             anon: bool) -> dict[str, Any]:
    v = load_vocab()
    name = ("XX" + unit.kind) if anon else unit.name
    short = unit.kind if unit.kind != "校" else "校"
    refs = v["self_refs"]
    return {
        "name": name, "kind": unit.kind, "short": short, "year": year, "next": year + 1,
        "parent": (parent.committee if parent else "省关工委"),
        "self": lambda r: r.choice(refs).format(short=short, kind=unit.kind),
        "docno": rng.randint(2, 40), "day": rng.randint(10, 28),
        "party": lambda r: r.choice(v["parties"]).format(kind=unit.kind),
        "theme_year": lambda r: r.choice(v["theme_years"]),
    }


def compose(unit: Unit, parent: Unit | None, year: int, seed: int, plan: Plan,
            children: list[dict[str, Any]], pool: list[dict[str, Any]], ben: str,
            target_chars: int = 5000) -> tuple[Any, dict[str, Any]]:
    """Compose one report: returns its layout and its truth record (without file names)."""
    rng = random.Random(f"{seed}/{unit.unit_id}/{year}")
    v = load_vocab()
    anon = rng.random() < P_ANON
    ctx = _context(unit, parent, year, rng, anon)
    filler = Filler(rng, ctx, SCALE[unit.level], PLANT)
    comp = ReportComposer(filler, rng, target_chars)
    if rng.random() < 0.12:
        comp.banned.add("funds")  # some units never state money
    others = [c for c in v["categories"] if c not in (CARE, "organization_building")]
    n_cat = max(3, min(9, target_chars // 850))
    cats = [CARE] + (["organization_building"] if rng.random() < 0.8 else [])
    cats += rng.sample(others, n_cat - len(cats))
    rng.shuffle(cats)
    title = filler.expand(rng.choice(v["titles"]))
    noisy = rng.random() < P_NOISE
    blocks: list[Block] = []
    if noisy:
        for t in rng.sample(v["noise"]["top"], rng.randint(1, 3)):
            blocks.append(Block(join([_noise(t, title, rng, target_chars)]), "noise"))
    blocks.append(Block(join([title]), "title"))
    if rng.random() < 0.85:
        blocks.append(Block(join([ctx["parent"] + rng.choice(["：", ":"])]), "recipient"))
    intro = "".join(rng.choice(part) for part in v["intro_parts"])
    blocks.append(Block(filler.fill(intro, None), "para"))
    copied, copy_meta = None, None
    same_year = [p for p in pool if p["unit_id"] != unit.unit_id]
    if same_year and rng.random() < P_COPY:
        src = rng.choice(same_year)
        copied = Block(src["piece"], "para", category=src["category"])
        copy_meta = {k: src[k] for k in ("report_id", "start", "end")}
        if src["category"] not in cats:
            cats[next(i for i, c in enumerate(cats) if c != CARE)] = src["category"]
    budget = max(200, (target_chars - 1300) // len(cats))
    for i, cat in enumerate(cats):
        extra = comp.headline(children, ben) if cat == CARE else []
        put = copied if copied is not None and cat == copied.category else None
        blocks += comp.section(i, cat, budget, extra, put)
    n = len(cats)
    blocks += comp.problems(n)
    blocks += comp.next_steps(n + 1, cats)
    if rng.random() < P_TABLE:
        blocks += comp.table(year, cats)
    blocks.append(Block(join([filler.expand("{name}关心下一代工作委员会")]), "signature"))
    blocks.append(Block(join([filler.expand(rng.choice(v["signature_dates"]))]), "signature"))
    if noisy:
        for t in rng.sample(v["noise"]["bottom"], rng.randint(1, 3)):
            blocks.append(Block(join([_noise(t, title, rng, target_chars)]), "noise"))
    layout = assemble(blocks, rng, title, page_noise=noisy)
    truth = _truth(unit, year, title, cats, anon, layout, plan, copied, copy_meta)
    return layout, truth


def _noise(template: str, title: str, rng: random.Random, chars: int) -> str:
    v = load_vocab()
    return template.format(title=title, site=rng.choice(v["sites"]), day=rng.randint(10, 28),
                           chars=chars + rng.randint(-300, 300), year=END_YEAR,
                           other=rng.choice(v["titles"]).format(name="某单位", year=END_YEAR),
                           domain=rng.choice(v["domains"]), docno=rng.randint(10000, 99999))


def _truth(unit: Unit, year: int, title: str, cats: list[str], anon: bool, layout: Any,
           plan: Plan, copied: Block | None, copy_meta: dict | None) -> dict[str, Any]:
    t = layout.truth
    flags = list(t.flags)
    if copied is not None:
        i = next(k for k, b in enumerate(layout.blocks) if b is copied)
        start, end = layout.spans[i]
        flags.append({"type": "copied_text", "quantities": [], "span": [start, end],
                      "source_report": copy_meta["report_id"],
                      "source_span": [copy_meta["start"], copy_meta["end"]]})
    categories = sorted({c for _, _, c in t.sentences if c})
    achieved = {q["kind"] for q in t.quantities if q["role"] == "achieved"}
    headline = next((r["q"] for r in t.refs if r["tag"] == "HL"), None)
    return {
        "type": "report", "report_id": f"{unit.unit_id}_{year}", "unit_id": unit.unit_id,
        "unit_name": unit.committee, "parent_id": unit.parent_id, "level": unit.level,
        "year": year, "doc_type": "summary", "title": title, "anonymised": anon,
        "chars": len(layout.text), "categories": categories,
        "plan_year": plan.year,
        "plan_items_uncovered": [it["no"] for it in plan.items if it["category"] not in categories],
        "missing_metrics": [k for k in KEY_METRICS if k not in achieved],
        "quantities": t.quantities, "flags": flags, "problems": t.problems,
        "sentences": t.sentences, "noise": layout.noise, "headline": headline,
        "cross_refs": [r for r in t.refs if r["tag"] == "X"],
        "copied_from": copy_meta,
    }


# -- the whole set ----------------------------------------------------------------------
def _parse_formats(formats: str | Iterable[str]) -> list[str]:
    fmts = [f.strip() for f in (formats.split(",") if isinstance(formats, str) else formats)]
    bad = [f for f in fmts if f not in FORMATS]
    if bad or not fmts:
        raise ValueError(f"unknown format(s) {bad}; choose among {','.join(FORMATS)}")
    return fmts


def generate(units: int, years: int, seed: int, outdir: str | Path,
             formats: str | Iterable[str] = FORMATS, target_chars: int = 5000,
             truth: bool = True, complete: bool = False) -> Path:
    """Generate roster, plan(s), reports and truth.jsonl into ``outdir``; return it.

    ``target_chars`` is the typical report length; ``truth=False`` skips truth.jsonl;
    ``complete=True`` lets every unit report (no planted missing submissions)."""
    fmts = _parse_formats(formats)
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    for f in fmts:
        (out / f).mkdir(exist_ok=True)
    roster = build_roster(units, seed)
    by_id = {u.unit_id: u for u in roster}
    write_roster(roster, out / "roster.csv")
    top = roster[0]
    year_list = list(range(END_YEAR - years + 1, END_YEAR + 1))
    fh = (out / "truth.jsonl").open("w", encoding="utf-8") if truth else None

    def emit(rec: dict[str, Any]) -> None:
        if fh is not None:
            fh.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")

    emit({"type": "meta", "seed": seed, "units": units, "years": year_list, "formats": fmts,
          "target_chars": target_chars, "offsets": "into the report's .txt text"})
    try:
        for year in year_list:
            rng = random.Random(f"{seed}/plan/{year}")
            plan = compose_plan(Filler(rng, _context(top, None, year, rng, False),
                                       SCALE["city"]), rng, top.name, year)
            names = [f"plan_{year}.txt"] if years > 1 else []
            if year == year_list[-1]:
                names.append("plan.txt")
            for name in names:
                (out / name).write_text(plan.text, encoding="utf-8")
            emit({"type": "plan", "year": year, "files": names, "unit_id": top.unit_id,
                  "items": plan.items, "quantities": plan.truth.quantities})
            ben = random.Random(f"{seed}/ben/{year}").choice(
                load_vocab()["categories"][CARE]["beneficiaries"])
            headlines: dict[str, dict[str, Any]] = {}
            pool: list[dict[str, Any]] = []
            for unit in reversed(roster):  # children before parents
                rid = f"{unit.unit_id}_{year}"
                skip = random.Random(f"{seed}/missing/{rid}").random() < P_MISSING
                if unit.parent_id and skip and not complete:
                    emit({"type": "missing_submission", "unit_id": unit.unit_id, "year": year})
                    continue
                kids = [headlines[c] for c in unit.children if c in headlines]
                parent = by_id.get(unit.parent_id) if unit.parent_id else None
                layout, rec = compose(unit, parent, year, seed, plan, kids, pool, ben,
                                      target_chars)
                rec["files"] = {f: f"{f}/{rid}{EXTENSIONS[f]}" for f in fmts}
                for f in fmts:
                    write(f, out / rec["files"][f], layout)
                emit(rec)
                _remember(unit, rid, layout, rec, headlines, pool)
    finally:
        if fh is not None:
            fh.close()
    return out


def _remember(unit: Unit, rid: str, layout: Any, rec: dict[str, Any],
              headlines: dict[str, dict[str, Any]], pool: list[dict[str, Any]]) -> None:
    """Keep what later reports of the year may use: the headline, a copyable paragraph."""
    q = rec["headline"]
    if q is not None:
        hq = rec["quantities"][q]
        headlines[unit.unit_id] = {"name": unit.name, "ben": hq["subject"], "value": hq["value"],
                                   "report_id": rid, "q": q}
    paras = [(b, s) for b, s in zip(layout.blocks, layout.spans)
             if b.role == "para" and b.category and len(b.piece.text) >= 80
             and b.piece.quantities and all(q["role"] not in ("plan", "target")
                                            for q in b.piece.quantities)]
    if paras:
        b, (start, end) = paras[sum(map(ord, rid)) % len(paras)]
        pool.append({"report_id": rid, "unit_id": unit.unit_id, "piece": b.piece,
                     "category": b.category, "start": start, "end": end})
        del pool[:-64]


def main(args) -> int:
    """Entry point of ``ngreport synth``."""
    out = generate(args.units, args.years, args.seed, args.outdir, args.formats)
    n = sum(1 for line in (out / "truth.jsonl").open(encoding="utf-8")
            if line.startswith('{"type":"report"'))
    print(f"wrote {n} reports of {args.units} units x {args.years} years to {out}")
    return 0
