"""Compose one synthetic work report (工作总结) as blocks, then lay it out as text + truth.

:func:`compose_report` decides the content (sections per category, problems, next steps,
a statistics table, copied passages, mentions of subordinate units' figures) and returns
:class:`Block` s; :func:`assemble` lays the blocks out as the final text (indentation,
blank lines, download-site page markers) and returns it with the report's truth.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from pipeline.synth_patterns import Filler, Piece, join, load_vocab

ZH_ORD = "一二三四五六七八九十"
CARE = "care_assistance"


@dataclass
class Block:
    """One line of the report: a paragraph, heading, table, noise line …"""

    piece: Piece
    role: str  # title | recipient | para | heading | table | signature | noise | blank
    level: int = 0
    rows: list[list[str]] | None = None
    category: str | None = None


@dataclass
class Layout:
    """The laid-out report: final text, truth (one Piece) and blocks with their offsets."""

    text: str
    truth: Piece
    blocks: list[Block]
    spans: list[tuple[int, int]]  # text span of each block (without its indent)
    noise: list[dict[str, Any]] = field(default_factory=list)


def _ord(i: int) -> str:
    """0 -> 一, 9 -> 十, 10 -> 十一, 19 -> 二十 (i < 99)."""
    n = i + 1
    if n <= 10:
        return ZH_ORD[n - 1]
    tens, ones = divmod(n, 10)
    return (ZH_ORD[tens - 1] if tens > 1 else "") + "十" + (ZH_ORD[ones - 1] if ones else "")


def _strip_end(p: Piece) -> Piece:
    """Drop a final 。 so the sentence can take ；"""
    if p.text.endswith("。"):
        return Piece(p.text[:-1], p.quantities, p.flags,
                     [[s, min(e, len(p.text) - 1), c] for s, e, c in p.sentences],
                     p.problems, p.refs)
    return p


def enumerate_pieces(pieces: list[Piece], rng: random.Random) -> Piece:
    """"一是…；二是…；三是…。" built from sentences."""
    out: list[Piece | str] = []
    for i, p in enumerate(pieces):
        out.append(_ord(i) + "是")
        out.append(_strip_end(p))
        out.append("；" if i < len(pieces) - 1 else "。")
    return join(out)


class ReportComposer:
    """Composes the blocks of one report; all randomness comes from ``rng``."""

    def __init__(self, filler: Filler, rng: random.Random, target_chars: int = 5000):
        self.f = filler
        self.rng = rng
        self.v = load_vocab()
        self.target = target_chars
        self.decks: dict[str, list[str]] = {}
        self.banned: set[str] = set()  # quantity kinds this report never states

    def para(self, pieces: list[Piece | str], cat: str | None = None) -> Block:
        return Block(join(pieces), "para", category=cat)

    def sentence(self, cat: str, role: str = "achieved") -> Piece:
        """A sentence of category ``cat``; patterns are dealt without replacement."""
        rng = self.rng
        if rng.random() < 0.12:
            return self.f.fill(self._deal("fillers", self.v["fillers"]), None, role)
        if rng.random() < 0.7:  # a sentence without numbers, dealt from the report's deck
            return self.f.fill(self._deal("narrative", self.v["patterns"]["narrative"]), cat, role)
        patterns = [p for g in self.v["categories"][cat]["patterns"] for p in self.v["patterns"][g]
                    if not any(f"<{k}|" in p for k in self.banned)]
        return self.f.fill(self._deal(cat, patterns), cat, role)

    def _deal(self, key: str, options: list[str]) -> str:
        deck = self.decks.get(key)
        if not deck:
            deck = self.decks[key] = list(options)
            self.rng.shuffle(deck)
        return deck.pop()

    def sentences(self, cat: str, budget: int) -> list[Piece]:
        out, size = [], 0
        while size < budget or not out:
            p = self.sentence(cat)
            out.append(p)
            size += len(p)
        return out

    def section(self, i: int, cat: str, budget: int, extra: list[Piece],
                copied: Block | None) -> list[Block]:
        """Heading ``i`` and its body for category ``cat``."""
        rng, v = self.rng, self.v
        heading = rng.choice(v["categories"][cat]["headings"])
        blocks = [Block(join([f"{_ord(i)}、{heading}"]), "heading", 1, category=cat)]
        style = rng.choice(["sub", "num", "lead", "enum", "plain", "plain"])
        n_par = max(1, min(4, budget // 300))
        per = max(80, budget // n_par)
        bodies: list[list[Piece]] = [self.sentences(cat, per) for _ in range(n_par)]
        bodies[0] = extra + bodies[0]
        sub_marks = rng.choice([("（", "）"), ("(", ")")])
        for k, body in enumerate(bodies):
            sub = self.f.fill(rng.choice(v["subheadings"]), cat)
            if style in ("sub", "num"):
                mark = (f"{sub_marks[0]}{_ord(k)}{sub_marks[1]}" if style == "sub"
                        else f"{k + 1}{rng.choice(['.', '、', '．'])}")
                blocks.append(Block(join([mark, sub]), "heading", 2, category=cat))
                blocks.append(self.para(body, cat))
            elif style == "lead":
                blocks.append(self.para([sub, "。", *body], cat))
            elif style == "enum" and 2 <= len(body) <= 6:
                blocks.append(self.para([enumerate_pieces(body, rng)], cat))
            else:
                blocks.append(self.para(body, cat))
        if copied is not None:
            blocks.insert(rng.randint(2, len(blocks)), copied)
        return blocks

    def problems(self, i: int) -> list[Block]:
        rng, v = self.rng, self.v
        head = self.f.expand(rng.choice(v["problem_headings"]))
        themes = rng.sample(sorted(v["problems"]), rng.randint(2, 4))
        items = []
        for t in themes:
            text = rng.choice(v["problems"][t])
            items.append(Piece(text, problems=[{"theme": t, "text": text, "start": 0,
                                                "end": len(text)}]))
        lead = self.f.fill(rng.choice(v["problem_leads"]), None)
        blocks = [Block(join([f"{_ord(i)}、{head}"]), "heading", 1)]
        if rng.random() < 0.5:
            blocks.append(self.para([lead, enumerate_pieces(items, rng)]))
        else:
            blocks.append(self.para([lead]))
            for k, it in enumerate(items):
                blocks.append(self.para([f"{k + 1}{rng.choice(['.', '、', '．'])}", it,
                                         "；" if k < len(items) - 1 else "。"]))
        return blocks

    def next_steps(self, i: int, cats: list[str]) -> list[Block]:
        rng, v = self.rng, self.v
        head = self.f.expand(rng.choice(v["next_headings"]))
        blocks = [Block(join([f"{_ord(i)}、{head}"]), "heading", 1),
                  self.para([self.f.fill(rng.choice(v["next_leads"]), None)])]
        items = []
        for _ in range(rng.randint(3, 5)):
            cat = rng.choice(cats)
            items.append(self.f.fill(rng.choice(v["next_patterns"]), cat, role="plan"))
        if rng.random() < 0.5:
            blocks.append(self.para([enumerate_pieces(items, rng)]))
        else:
            marks = rng.choice([("（", "）"), ("(", ")")])
            for k, it in enumerate(items):
                blocks.append(self.para([f"{marks[0]}{_ord(k)}{marks[1]}", it],
                                        it.sentences[0][2]))
        return blocks

    def table(self, year: int, cats: list[str]) -> list[Block]:
        """附表: per category events and participants, with a 合计 row (may not add up)."""
        from pipeline.synth_table import table_block

        return table_block(self.f, self.rng, year, cats)

    def headline(self, children: list[dict[str, Any]], ben: str) -> list[Piece]:
        """The care section's headline (the year's common metric: 结对帮扶 ``ben``), with
        mentions of up to three subordinate units' own figures.  A parent's figure covers
        its children's (sum x 1.05-1.5) unless a ``parent_less_than_children`` is planted."""
        rng, v, f = self.rng, self.v, self.f
        forced: dict[str, float] = {}
        planted_less = False
        kids_sum = sum(ch["value"] for ch in children)
        if children:
            planted_less = rng.random() < f.plant
            k = rng.uniform(0.6, 0.95) if planted_less else rng.uniform(1.05, 1.5)
            forced["HL"] = max(1, int(kids_sum * k))
        head = f.fill(rng.choice(v["patterns"]["headline"]), CARE, values={"ben": ben},
                      forced=forced)
        if planted_less and forced["HL"] < kids_sum:
            head.flags.append({"type": "parent_less_than_children",
                               "quantities": [head.refs[0]["q"]], "expected": kids_sum,
                               "stated": forced["HL"],
                               "children_reports": [ch["report_id"] for ch in children]})
        out = [head]
        mentions = []
        for ch in sorted(rng.sample(children, min(3, len(children))), key=lambda c: c["report_id"]):
            value, conflict = ch["value"], False
            if rng.random() < f.plant * 2:
                value = max(1, int(value * rng.choice([0.7, 0.8, 1.2, 1.3, 1.5])))
                conflict = value != ch["value"]
            m = f.fill(rng.choice(v["patterns"]["child_mention"]), CARE,
                       values={"child": ch["name"], "ben": ben}, forced={"X": value})
            for r in m.refs:
                r.update(report=ch["report_id"], other_q=ch["q"], other_value=ch["value"],
                         conflict=conflict)
            if conflict:
                m.flags.append({"type": "cross_document_conflict", "quantities": [m.refs[0]["q"]],
                                "other_report": ch["report_id"], "other_quantity": ch["q"],
                                "expected": ch["value"], "stated": value})
            mentions.append(m)
        if mentions:
            out.append(join(["其中，", join(mentions, "，"), "。"]))
        return out


def assemble(blocks: list[Block], rng: random.Random, title: str, page_noise: bool) -> Layout:
    """Lay blocks out as text (indent, blank lines, page markers) and merge their truth."""
    v = load_vocab()
    indent = rng.choice(["    ", "　　", "  ", "", "    "])
    head_indent = indent if rng.random() < 0.5 else ""
    blank = rng.random() < 0.35
    marker_tpls: list[str] = []
    if page_noise:
        page = v["noise"]["page"]
        marker_tpls = rng.choice([[page[0], page[1]], [page[1]], [page[2]]])
    page_chars = rng.randint(1200, 2200)
    # where page markers go: after the block that crosses each page boundary
    breaks, acc = [], 0
    for k, b in enumerate(blocks):
        acc += len(b.piece.text) + 1
        if page_noise and acc >= page_chars and k < len(blocks) - 1 and b.role == "para":
            breaks.append(k)
            acc = 0
    n_pages = len(breaks) + 1
    out: list[Block] = []
    for k, b in enumerate(blocks):
        out.append(b)
        if blank and b.role in ("para", "title"):
            out.append(Block(Piece(""), "blank"))
        if k in breaks:
            page_no = breaks.index(k) + 1
            for t in marker_tpls:
                text = t.format(title=title, page=page_no, pages=n_pages)
                out.append(Block(Piece(text), "noise"))
    pieces: list[Piece | str] = []
    spans, noise = [], []
    pos = 0
    for b in out:
        pre = indent if b.role == "para" else head_indent if b.role == "heading" else ""
        pieces.append(pre)
        pos += len(pre)
        spans.append((pos, pos + len(b.piece.text)))
        if b.role == "noise":
            noise.append({"text": b.piece.text, "start": pos, "end": pos + len(b.piece.text)})
        pieces.append(b.piece)
        pos += len(b.piece.text)
        pieces.append("\n")
        pos += 1
    truth = join(pieces)
    return Layout(truth.text, truth, out, spans, noise)
