"""Fill the generator's sentence patterns (pipeline/data/synth_vocab.yaml) into text + truth.

A :class:`Piece` is a run of generated text together with the truth found in it
(quantity mentions, planted flags, sentence categories, problem statements), all with
offsets relative to the piece.  Pieces concatenate with :func:`join`, which shifts every
offset and every quantity index, so a whole report is built from small pieces and its
truth stays exact.
"""
from __future__ import annotations

import functools
import random
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

from pipeline import synth_numbers as num

#: slot name in a pattern -> list name in the vocabulary
SLOT_LISTS = {
    "act": "activities", "aud": "audiences", "outcome": "outcomes", "ben": "beneficiaries",
    "member": "members", "base": "bases", "output": "outputs", "place": "places",
    "subject": "subjects", "channel": "channels", "fund_source": "fund_sources",
    "fund_use": "fund_uses", "goods": "goods", "fund_kind": "fund_kinds", "opener": "openers",
    "verb": "verbs", "connector": "connectors", "period": "periods", "doc": "docs",
    "outcome_plan": "outcome_plan", "party": "parties", "theme_year": "theme_years",
    "heading": "headings", "subheading": "subheadings",
}
#: where a slot is found when the current category has no list of its own
SLOT_HOME = {
    "ben": "care_assistance", "member": "team_five_elders", "base": "education_bases",
    "output": "publicity", "place": "environment_governance",
    "subject": "rural_revitalization_service", "channel": "publicity",
    "fund_source": "care_assistance", "fund_use": "care_assistance", "goods": "care_assistance",
    "fund_kind": "care_assistance", "act": "ideology_moral", "outcome": "ideology_moral",
}
PERIOD_WORDS = ("全年", "上半年", "下半年", "累计", "去年")
_TOKEN = re.compile(r"\{([a-z_]+)(?:#(\d))?\}|<([a-z_]+)\|([a-z_]*)(?:#(\d))?(?::([A-Z,]*))?>")
_CTX = re.compile(r"\{([a-z_]+)\}")
_EXACT_TAGS = {"T", "P", "N", "M", "R", "HL", "X", "G", "FROM", "TO", "L"}
_ROLE_TAGS = {"S": "status", "H": "historical", "G": "target", "L": "plan", "FROM": "historical"}


@functools.lru_cache(maxsize=1)
def load_vocab() -> dict[str, Any]:
    """The packaged vocabulary (pipeline/data/synth_vocab.yaml)."""
    text = resources.files("pipeline").joinpath("data/synth_vocab.yaml").read_text("utf-8")
    return yaml.safe_load(text)


@dataclass
class Piece:
    """Generated text with its truth; every offset is relative to ``text``."""

    text: str = ""
    quantities: list[dict[str, Any]] = field(default_factory=list)
    flags: list[dict[str, Any]] = field(default_factory=list)
    sentences: list[list[Any]] = field(default_factory=list)  # [start, end, category]
    problems: list[dict[str, Any]] = field(default_factory=list)
    refs: list[dict[str, Any]] = field(default_factory=list)  # {"q": index, ...}

    def __len__(self) -> int:
        return len(self.text)


def _shift_q(q: dict[str, Any], off: int, base: int) -> dict[str, Any]:
    q = dict(q)
    q["start"] += off
    q["end"] += off
    q["sentence"] = [q["sentence"][0] + off, q["sentence"][1] + off]
    links = q["links"]
    q["links"] = {
        "total_of": [i + base for i in links["total_of"]],
        "part_of": None if links["part_of"] is None else links["part_of"] + base,
        "changed_from": None if links["changed_from"] is None else links["changed_from"] + base,
    }
    return q


def join(pieces: list[Piece | str], sep: str = "") -> Piece:
    """Concatenate pieces (or plain strings), shifting offsets and quantity indices."""
    out = Piece()
    parts: list[str] = []
    pos = 0
    for k, p in enumerate(pieces):
        if k and sep:
            parts.append(sep)
            pos += len(sep)
        if isinstance(p, str):
            parts.append(p)
            pos += len(p)
            continue
        base = len(out.quantities)
        out.quantities += [_shift_q(q, pos, base) for q in p.quantities]
        for f in p.flags:
            f = dict(f)
            f["quantities"] = [i + base for i in f.get("quantities", [])]
            if "span" in f:
                f["span"] = [f["span"][0] + pos, f["span"][1] + pos]
            out.flags.append(f)
        out.sentences += [[s + pos, e + pos, c] for s, e, c in p.sentences]
        out.problems += [{**pr, "start": pr["start"] + pos, "end": pr["end"] + pos}
                         for pr in p.problems]
        out.refs += [{**r, "q": r["q"] + base} for r in p.refs]
        parts.append(p.text)
        pos += len(p.text)
    out.text = "".join(parts)
    return out


def split_entry(entry: str) -> tuple[str, list[str]]:
    """"模拟法庭|场/次" -> ("模拟法庭", ["场", "次"])."""
    name, _, measures = entry.partition("|")
    return name, [m for m in measures.split("/") if m]


class Filler:
    """Fills patterns for one report: holds the vocabulary, the context and the rng."""

    def __init__(self, rng: random.Random, ctx: dict[str, Any], scale: float = 1.0,
                 plant: float = 0.0):
        self.v = load_vocab()
        self.rng = rng
        self.ctx = ctx
        self.scale = scale
        self.plant = plant

    # -- lexical slots ---------------------------------------------------------------
    def pool(self, slot: str, cat: str | None) -> list[str]:
        key = SLOT_LISTS.get(slot, slot)
        cats = self.v["categories"]
        if cat and key in cats[cat]:
            if key == "outcomes":
                return cats[cat][key] + self.v["outcomes_common"]
            return cats[cat][key]
        if key in self.v:
            return self.v[key]
        return cats[SLOT_HOME.get(slot, "ideology_moral")][key]

    def expand(self, s: str) -> str:
        """Fill context placeholders ({year}, {kind}, {self} …) inside a chosen value."""
        def sub(m: re.Match) -> str:
            val = self.ctx.get(m.group(1))
            if val is None:
                return m.group(0)
            return str(val(self.rng) if callable(val) else val)
        return _CTX.sub(sub, s)

    def pick(self, slot: str, cat: str | None, avoid: set[str] | None = None) -> str:
        if slot == "theme":
            return self.v["categories"][cat]["theme"] if cat else "主题教育"
        if slot in self.ctx:
            val = self.ctx[slot]
            return str(val(self.rng) if callable(val) else val)
        options = self.pool(slot, cat)
        if avoid:
            rest = [o for o in options if split_entry(o)[0] not in avoid]
            options = rest or options
        return self.expand(self.rng.choice(options))

    # -- one pattern -----------------------------------------------------------------
    def fill(self, pattern: str, cat: str | None, role: str = "achieved",
             values: dict[str, str] | None = None, forced: dict[str, float] | None = None) -> Piece:
        """One sentence from ``pattern``; ``values`` pre-sets slots (e.g. ``child``),
        ``forced`` sets the value of quantities by tag (e.g. ``{"X": 120}``)."""
        slots: dict[tuple[str, str], tuple[str, list[str]]] = {}
        used: dict[str, set[str]] = {}
        tokens = list(_TOKEN.finditer(pattern))

        def slot(name: str, n: str) -> tuple[str, list[str]]:
            key = (name, n or "1")
            if key not in slots:
                if values and name in values and key[1] == "1":
                    slots[key] = split_entry(values[name])
                else:
                    slots[key] = split_entry(self.pick(name, cat, used.get(name)))
                used.setdefault(name, set()).add(slots[key][0])
            return slots[key]

        specs = []
        for m in tokens:
            if m.group(1):
                slot(m.group(1), m.group(2))
            else:
                kind, subj, n, tags = m.group(3), m.group(4), m.group(5), m.group(6) or ""
                name, measures = slot(subj, n) if subj else (None, [])
                specs.append({"kind": kind, "subject": name, "measures": measures,
                              "tags": set(filter(None, tags.split(",")))})
        flags = self._assign_values(specs, forced or {})
        # render text
        parts: list[str] = []
        pos = 0
        quantities: list[dict[str, Any]] = []
        qi = 0
        last = 0
        for m in tokens:
            parts.append(pattern[last:m.start()])
            pos += m.start() - last
            last = m.end()
            if m.group(1):
                s = slots[(m.group(1), m.group(2) or "1")][0]
                parts.append(s)
                pos += len(s)
                continue
            spec = specs[qi]
            qi += 1
            surf = spec["surface"]
            if surf.style == "under" and parts and parts[-1][-1:] in ("达", "到", "于", "有", "为"):
                v = surf.value
                surf = num.Surface("近" + surf.text[2:], v, surf.low, surf.high, surf.unit, True,
                                   False, "near")
                spec["surface"] = surf
            quantities.append(self._truth(spec, surf, pos, cat, role))
            parts.append(surf.text)
            pos += len(surf.text)
        parts.append(pattern[last:])
        text = "".join(parts)
        for q in quantities:
            q["sentence"] = [0, len(text)]
            q["period"] = _period(text, q["start"])
        for i, spec in enumerate(specs):
            links = quantities[i]["links"]
            links["total_of"] = spec.get("total_of", [])
            links["part_of"] = spec.get("part_of")
            links["changed_from"] = spec.get("changed_from")
            if "TO" in spec["tags"]:
                quantities[i]["period"] = None
        refs = [{"q": i, "tag": t} for i, s in enumerate(specs) for t in ("HL", "X")
                if t in s["tags"]]
        return Piece(text, quantities, flags, [[0, len(text), cat]], [], refs)

    def _measure(self, spec: dict[str, Any]) -> str:
        kind = spec["kind"]
        if kind in ("person_times", "percent", "funds"):
            return num.DEFAULT_MEASURES[kind][0]
        return self.rng.choice(spec["measures"] or num.DEFAULT_MEASURES[kind])

    def _assign_values(self, specs: list[dict[str, Any]],
                       forced: dict[str, float]) -> list[dict[str, Any]]:
        """Draw values (consistent totals, ratios, changes), plant errors, render surfaces."""
        rng, flags = self.rng, []
        idx = {t: [i for i, s in enumerate(specs) if t in s["tags"]]
               for t in ("T", "P", "N", "M", "R", "FROM", "TO")}
        for s in specs:
            s["measure"] = self._measure(s)
            s["value"] = num.draw_value(s["kind"], self.scale, rng)
        if idx["P"]:
            shared = specs[idx["P"][0]]["measure"]
            for i in idx["P"] + idx["T"]:
                specs[i]["measure"] = shared
            total = sum(specs[i]["value"] for i in idx["P"])
            for t in idx["T"]:
                specs[t]["value"] = total
                specs[t]["total_of"] = list(idx["P"])
                if rng.random() < self.plant:
                    delta = rng.choice([-1, 1]) * max(1, int(total * rng.uniform(0.03, 0.15)))
                    if specs[t]["kind"] == "funds":
                        delta = delta // 100 * 100 or 100
                    specs[t]["value"] = total + delta
                    flags.append({"type": "sum_mismatch", "quantities": [t] + idx["P"],
                                  "expected": total, "stated": total + delta})
            for p in idx["P"]:
                specs[p]["part_of"] = idx["T"][0] if idx["T"] else None
        if idx["N"] and idx["M"]:
            n_, m_ = idx["N"][0], idx["M"][0]
            specs[m_]["measure"] = specs[n_]["measure"]
            specs[m_]["value"] = max(1, int(specs[n_]["value"] * rng.uniform(0.45, 0.97)))
            true = round(specs[m_]["value"] / specs[n_]["value"] * 100, 1)
            for r in idx["R"]:
                stated = true
                if rng.random() < self.plant:
                    stated = round(min(99.9, true + rng.uniform(4, 15)), 1)
                    flags.append({"type": "percent_mismatch", "quantities": [n_, m_, r],
                                  "expected": true, "stated": stated})
                specs[r]["value"] = int(stated) if float(stated).is_integer() else stated
        for i in [i for i, s in enumerate(specs) if "SUB" in s["tags"]]:
            sup = next((j for j, s in enumerate(specs) if s["tags"] & {"S", "N"} and j != i
                        and s["kind"] == specs[i]["kind"]), None)
            if sup is not None:
                specs[i]["value"] = max(1, int(specs[sup]["value"] * rng.uniform(0.05, 0.3)))
        people = [s for s in specs if s["kind"] == "people" and not s["tags"]]
        for s in specs:
            if s["kind"] == "person_times" and not s["tags"] and people:
                s["value"] = int(people[0]["value"] * rng.uniform(1.2, 3.0))
        if idx["FROM"] and idx["TO"]:
            f, t = idx["FROM"][0], idx["TO"][0]
            if specs[f]["kind"] == "funds":
                specs[f]["value"] = rng.randint(2, 20) * 100
            specs[t]["measure"] = specs[f]["measure"]
            specs[t]["value"] = int(specs[f]["value"] * rng.uniform(1.1, 1.8))
            if specs[t]["kind"] == "funds":
                specs[t]["value"] = max(specs[f]["value"] + 100, specs[t]["value"] // 100 * 100)
            specs[t]["changed_from"] = f
        for s in specs:
            for tag, value in forced.items():
                if tag in s["tags"]:
                    s["value"] = value
        for s in specs:
            if "OVER" in s["tags"]:
                v = s["value"] if s["kind"] != "percent" else rng.choice([80, 85, 90, 95])
                s["surface"] = num.over(num.round_sig(v, 1) if s["kind"] != "percent" else v,
                                        s["measure"], s["kind"])
            elif s["tags"] & _EXACT_TAGS:
                s["surface"] = num.exact(s["value"], s["measure"], s["kind"], rng)
            else:
                s["surface"] = num.render(s["value"], s["measure"], s["kind"], rng)
        return flags

    @staticmethod
    def _truth(spec: dict[str, Any], surf: num.Surface, pos: int, cat: str | None,
               role: str) -> dict[str, Any]:
        for tag, r in _ROLE_TAGS.items():  # first matching tag wins
            if tag in spec["tags"]:
                role = r
                break
        return {
            "text": surf.text, "start": pos, "end": pos + len(surf.text), "value": surf.value,
            "low": surf.low, "high": surf.high, "unit": surf.unit, "kind": spec["kind"],
            "approx": surf.approx, "redacted": surf.redacted, "subject": spec["subject"],
            "role": role, "period": None, "category": cat, "sentence": [0, 0],
            "style": surf.style,
            "links": {"total_of": [], "part_of": None, "changed_from": None},
        }


def _period(text: str, at: int) -> str | None:
    """The period word (全年, 上半年, 累计 …) nearest before ``at`` in the sentence."""
    best, where = None, -1
    for w in PERIOD_WORDS:
        k = text.rfind(w, 0, at)
        if k > where:
            best, where = w, k
    return best
