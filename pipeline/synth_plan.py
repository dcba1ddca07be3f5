"""The top unit's work plan (工作要点) with numbered items and targets, with truth."""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from pipeline.synth_patterns import Filler, Piece, join, load_vocab
from pipeline.synth_report import Block, _ord, assemble


@dataclass
class Plan:
    year: int
    text: str
    items: list[dict[str, Any]]  # no, category, text, start, end
    truth: Piece


def compose_plan(filler: Filler, rng: random.Random, name: str, year: int) -> Plan:
    """A plan: intro, groups 一、二、 of numbered items 1. 2. (one category each), targets."""
    v = load_vocab()
    cats = list(v["categories"])
    rng.shuffle(cats)
    n_items = rng.randint(8, min(13, len(cats)))
    chosen = cats[:n_items]
    groups = list(v["plan_groups"])
    n_groups = min(len(groups), max(3, n_items // 3))
    title = filler.expand(rng.choice(v["plan_titles"]))
    blocks = [Block(join([title]), "title"),
              Block(filler.fill(rng.choice(v["plan_intros"]), None, role="plan"), "para")]
    per = -(-n_items // n_groups)
    items_meta: list[tuple[int, str, str]] = []  # (block index, category, item text)
    no = 0
    for g in range(n_groups):
        part = chosen[g * per:(g + 1) * per]
        if not part:
            break
        blocks.append(Block(join([f"{_ord(g)}、{groups[g]}"]), "heading", 1))
        for cat in part:
            no += 1
            item = rng.choice(v["categories"][cat]["plan_items"])
            pieces: list[Piece | str] = [f"{no}.", item, "。"]
            target = v["plan_targets"].get(cat)
            if target and rng.random() < 0.8:
                pieces.append(filler.fill(target, cat, role="target"))
            else:
                act = filler.pick("act", cat)
                pieces.append(f"要以{act.split('|')[0]}为重点，{rng.choice(v['outcome_plan'])}。")
            items_meta.append((len(blocks), cat, item))
            blocks.append(Block(join(pieces), "para", category=cat))
    blocks.append(Block(join([filler.expand(rng.choice(v["plan_closings"]))]), "para"))
    blocks.append(Block(join([filler.expand("{name}关心下一代工作委员会")]), "signature"))
    blocks.append(Block(join([f"{year}年2月{rng.randint(1, 28)}日"]), "signature"))
    layout = assemble(blocks, rng, title, page_noise=False)
    items = []
    for k, (bi, cat, text) in enumerate(items_meta, start=1):
        start, end = layout.spans[_index_after(layout.blocks, blocks[bi])]
        items.append({"no": k, "category": cat, "text": text, "start": start, "end": end})
    return Plan(year, layout.text, items, layout.truth)


def _index_after(laid: list[Block], block: Block) -> int:
    for i, b in enumerate(laid):
        if b is block:
            return i
    raise ValueError("block not laid out")
