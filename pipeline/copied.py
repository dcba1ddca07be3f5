"""Near-verbatim passages shared by two documents (the ``copied_text`` flags).

Each document's text is normalised (whitespace dropped; its own unit names and any place
name replaced by 〇, so two units' copies of one template still match), then fingerprinted:
winnowed character k-grams.  Fingerprints shared by two documents are paired for the whole
corpus with one sort, chained into candidate regions per document pair and diagonal band,
and each region is verified and extended with difflib.  Texts are read once, in order, to
fingerprint them; only the documents of a candidate region are read (and normalised) again,
so ``texts`` may be a lazy mapping over the store (:class:`pipeline.consolidation.Texts`).
"""
from __future__ import annotations

import bisect
import math
import re
from collections.abc import Mapping
from difflib import SequenceMatcher
from functools import lru_cache
from itertools import pairwise

import numpy as np
import pandas as pd

_UNIT_SUFFIX = re.compile(r"(关心下一代工作委员会|关工委|关工小组|委员会)$")
#: Character classes of the BMP: 1 an administrative suffix (街 of 街道 apart), 2 a placeholder
#: X, 4 whitespace (``\s`` of re: str.isspace; none above U+3000), 8 a Chinese character.
_CLASS = np.zeros(0x10000, dtype=np.uint8)
_CLASS[[ord(c) for c in "省市县区镇乡"]] |= 1
_CLASS[[ord(c) for c in "Xx×*"]] |= 2
_CLASS[[i for i in range(0x3001) if chr(i).isspace()]] |= 4
_CLASS[0x4E00:0xA000] |= 8
_JIE, _DAO = ord("街"), ord("道")


def _classes(text: str) -> tuple[np.ndarray, np.ndarray]:
    """(code points, character classes) of ``text``."""
    cp = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    return cp, _CLASS[np.minimum(cp, 0xFFFF)] * (cp < 0xFFFF)


def _noise(text: str) -> list[tuple[int, int, bool]]:
    r"""Every match ``(start, end, is_space)`` that ``re.search`` of
    ``(?:[\u4e00-\u9fff]{2}|[Xx×*]{1,4})(?:省|市|县|区|镇|乡|街道)|\s+`` can return from
    some position: a place name ending in an administrative suffix (two Chinese characters
    or 1-4 placeholder X before it), or a run of whitespace (from its start)."""
    cp, cls = _classes(text)
    if not len(cp):
        return []
    size = (cls & 1).astype(np.int64)
    size[:-1][(cp[:-1] == _JIE) & (cp[1:] == _DAO)] = 2
    cjk, xs = (cls & 8) > 0, (cls & 2) > 0
    p = np.flatnonzero((size[2:] > 0) & cjk[:-2] & cjk[1:-1]) + 2
    out = list(zip((p - 2).tolist(), (p + size[p]).tolist(), [False] * len(p)))
    for p in np.flatnonzero((size[1:] > 0) & xs[:-1]).tolist():  # placeholders: rare
        s, end = p + 1, p + 1 + int(size[p + 1])
        while s > 0 and p + 1 - s < 4 and xs[s - 1]:
            s -= 1
            out.append((s, end, False))
    edge = np.flatnonzero(np.diff(np.r_[0, cls & 4, 0].astype(np.int8)))
    out += [(a, b, True) for a, b in zip(edge[::2].tolist(), edge[1::2].tolist())]
    return out


def _normalise(text: str, names: list[str]) -> tuple[str, list[tuple[int, int]]]:
    r"""Text without whitespace, unit and place names replaced by 〇: what scanning with
    ``names|place|\s+`` (names first, the longest first) from left to right gives; and the
    offset map: (start in the result, start in ``text``) of every piece (see :func:`_offset`)."""
    alts = sorted({x for x in names if x and len(x) >= 2}, key=len, reverse=True)
    cands = sorted([(i, -1 - len(a), i + len(a), False) for a in alts for i in _find_all(text, a)]
                   + [(a, 0, b, sp) for a, b, sp in _noise(text)])
    space = (_classes(text)[1] & 4) > 0 if alts else None
    chars, index, pos, n, i, last = [], [], 0, 0, 0, len(cands)
    while True:
        while i < last and cands[i][0] < pos:
            i += 1
        m = cands[i] if i < last else None
        if space is not None and 0 < pos < len(text) and space[pos] and space[pos - 1] and not (
                m and m[0] == pos and m[1] < 0):  # a name ended inside whitespace: the rest
            m = (pos, 0, pos + int(np.argmin(np.r_[space[pos:], False])), True)
        elif m is None:
            break
        for piece, orig in [(text[pos:m[0]], pos)] + [("〇", m[0])] * (not m[3]):
            chars.append(piece)
            index.append((n, orig))
            n += len(piece)
        pos = m[2]
    return "".join([*chars, text[pos:]]), [*index, (n, pos)]


def _find_all(text: str, sub: str):
    """Start of every occurrence of ``sub`` in ``text``, overlapping ones too."""
    i = text.find(sub)
    while i >= 0:
        yield i
        i = text.find(sub, i + 1)


def _offset(index: list[tuple[int, int]], x: int) -> int:
    """The offset in the original text of character ``x`` of the normalised text."""
    start, orig = index[bisect.bisect_right(index, (x, math.inf)) - 1]
    return orig + x - start


def _names(reporting_unit) -> list[str]:
    """A document's own unit names: the unit it names as its author, with and without the
    administrative suffix (what a worker knows, so its fingerprints need no roster)."""
    n = reporting_unit
    return [n, _UNIT_SUFFIX.sub("", n)] if isinstance(n, str) and n else []


#: k-gram length and winnowing window of the fingerprints.
K, W = 8, 8


def fingerprints(text: str, reporting_unit: str | None) -> tuple[np.ndarray, np.ndarray]:
    """(hashes, positions) of a document's winnowed k-grams, on its normalised text: what
    the store keeps per document (``fingerprints`` table) so the search never fingerprints
    every text again."""
    h, pos = _fingerprints(_normalise(text, _names(reporting_unit))[0], K, W)
    return h, pos.astype(np.int32)


def _passages(a: str, b: str, a0: int, b0: int, min_chars: int, gap: int = 6):
    """Near-verbatim passages shared by a[a0:] and b[b0:] (offsets in a and b)."""
    cur = None  # the last matching block (size 0) ends the last passage
    for ba, bb, size in SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks():
        if size and cur and ba - cur[1] <= gap and 0 <= bb - cur[3] <= gap:
            cur = [cur[0], ba + size, cur[2], bb + size, cur[4] + size]
            continue
        if cur and cur[4] >= min_chars and cur[4] >= 0.9 * (cur[1] - cur[0]):
            yield cur[0] + a0, cur[1] + a0, cur[2] + b0, cur[3] + b0
        cur = [ba, ba + size, bb, bb + size, size] if size else None


def _ramp(sizes: np.ndarray) -> np.ndarray:
    """0, 1, …, s-1 for each s in ``sizes``, concatenated."""
    return np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)


def _kept(fps: list[tuple[np.ndarray, np.ndarray]], common: int,
          max_bucket: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(hash, doc, position) of the fingerprints of k-grams in 2… ``common``+1 documents
    (more: 套话) and ≤ ``max_bucket`` times (filler), sorted by hash, document, position
    (``fps[d]`` are document d's fingerprints)."""
    h = np.concatenate([f for f, _ in fps] + [np.zeros(0, dtype=np.uint64)])
    o = np.argsort(h, kind="stable")  # within a k-gram: doc order, then position
    p = np.concatenate([pos for _, pos in fps] + [np.zeros(0, dtype=np.int64)])[o].astype(np.int32)
    h, d = h[o], np.repeat(np.arange(len(fps), dtype=np.int32), [len(pos) for _, pos in fps])[o]
    new = np.r_[True, h[1:] != h[:-1]][:len(h)]
    starts = np.flatnonzero(new)
    sizes = np.diff(np.r_[starts, len(h)])
    ndocs = np.add.reduceat((new | np.r_[True, d[1:] != d[:-1]][:len(h)]).astype(np.int64),
                            starts) if len(h) else sizes
    keep = np.repeat((ndocs >= 2) & (ndocs <= common + 1) & (sizes <= max_bucket), sizes)
    return h[keep], d[keep], p[keep]


def _seed_pairs(h: np.ndarray, d: np.ndarray, p: np.ndarray, n_docs: int, chunk: int = 100_000):
    """(da, pa, db, pb) chunks: all pairs of fingerprints of one k-gram in two documents
    (doc a < doc b), from :func:`_kept`'s arrays (``h`` may be any array that changes value
    exactly where the k-gram does); a chunk holds every pair of a range of documents a,
    about ``chunk`` pairs (bounded memory)."""
    st = np.flatnonzero(np.r_[True, h[1:] != h[:-1]][:len(h)])
    # each fingerprint is paired with the members of its k-gram after it (in int32: the
    # widest array here, one per fingerprint)
    ends = np.r_[st[1:], len(h)][:len(st)].astype(np.int32)
    after = np.repeat(ends, ends - st) - np.arange(1, len(h) + 1, dtype=np.int32)
    del st, ends
    cum = np.cumsum(np.bincount(d, weights=after, minlength=n_docs))
    edges = np.unique(np.r_[0, np.searchsorted(cum, np.arange(chunk, cum[-1] if len(cum) else 0,
                                                              chunk)), n_docs])
    by_doc = np.argsort(d, kind="stable").astype(np.int32)  # fingerprints of doc 0, 1, …
    ends = np.r_[0, np.cumsum(np.bincount(d, minlength=n_docs))]
    for lo, hi in pairwise(edges):
        first = np.sort(by_doc[ends[lo]:ends[hi]])
        i = np.repeat(first, after[first])
        j = i + 1 + _ramp(after[first])
        i, j = i[d[i] != d[j]], j[d[i] != d[j]]
        if len(i):
            yield d[i].astype(np.int64), p[i], d[j], p[j]


def _regions(seeds: tuple[np.ndarray, ...], n: int, k: int, min_cover: int, gap: int,
             band: int) -> list[tuple[int, ...]]:
    """Candidate regions (da, db, a0, a1, b0, b1), sorted: seeds of one document pair in one
    diagonal band, ≤ ``gap`` apart, whose k-grams cover ≥ ``min_cover`` characters
    (``seeds``: :func:`_kept`'s arrays, over ``n`` documents)."""
    found: set[tuple[int, ...]] = set()
    least = -(-min_cover // k)  # a region has at least this many seeds
    for da, pa, db, pb in _seed_pairs(*seeds, n):
        pair = da * n + db
        codes, _ = pd.factorize(pair)  # a chunk holds all the pairs of its documents a
        few = np.bincount(codes)[codes] < least  # pairs sharing too few seeds: chance
        if few.all():
            continue
        pair, pa, diag = pair[~few], pa[~few].astype(np.int64), (pb - pa)[~few]
        for off in (0, band // 2):   # two staggered diagonal bands, so no passage is split
            bnd = (diag + off) // band
            bnd -= bnd.min()
            nb, npos = int(bnd.max()) + 1, int(pa.max()) + 1
            o = (np.argsort((pair * nb + bnd) * npos + pa) if int(pair.max() + 1) * nb * npos < 2**62
                 else np.lexsort((pa, bnd, pair)))
            p_, b_, s_, d_ = pair[o], bnd[o], pa[o], diag[o]
            lane = np.r_[True, (p_[1:] != p_[:-1]) | (b_[1:] != b_[:-1])]
            shift = np.cumsum(lane) * (int(s_.max()) + k + gap + 1)
            reach = np.maximum.accumulate(shift + s_ + k) - shift  # furthest k-gram end so far
            new = np.r_[True, lane[1:] | (s_[1:] - reach[:-1] > gap)]
            brk = np.flatnonzero(new)
            cover = np.where(new, k, np.clip(s_ + k - np.maximum(s_, np.r_[0, reach[:-1]]), 0, k))
            sel = np.add.reduceat(cover, brk) >= min_cover
            found.update(zip(*(x.tolist() for x in (
                p_[brk[sel]] // n, p_[brk[sel]] % n,
                np.minimum.reduceat(s_, brk)[sel], np.maximum.reduceat(s_ + k, brk)[sel],
                np.minimum.reduceat(s_ + d_, brk)[sel], np.maximum.reduceat(s_ + d_ + k, brk)[sel]))))
    return sorted(found)


def _verify(ta: str, tb: str, box: tuple[int, ...], min_chars: int, margin: int) -> list[tuple]:
    """Passages in the region ``box`` = (a0, a1, b0, b1) ± ``margin``, whole: one that reaches
    the border of what was compared is compared again with twice the margin."""
    from rapidfuzz.distance import LCSseq

    while True:
        a0, a1 = max(box[0] - margin, 0), min(box[1] + margin, len(ta))
        b0, b1 = max(box[2] - margin, 0), min(box[3] + margin, len(tb))
        sa, sb = ta[a0:a1], tb[b0:b1]
        if LCSseq.similarity(sa, sb, score_cutoff=min_chars) < min_chars:
            return []  # difflib's matching blocks are a common subsequence: cannot reach it
        ps = list(_passages(sa, sb, a0, b0, min_chars))
        if not any((0 < a0 >= p[0] - 8) or (0 < b0 >= p[2] - 8) or (len(ta) > a1 <= p[1] + 8)
                   or (len(tb) > b1 <= p[3] + 8) for p in ps):
            return ps
        box, margin = (a0, a1, b0, b1), 2 * margin


def _fingerprints(t: str, k: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """(hashes, positions) of the winnowed k-grams of ``t``: the smallest hash of every ``w``
    consecutive k-grams, so a run of ≥ w+k-1 shared characters shares one every ≤ w."""
    n = len(t) - k + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    c = np.frombuffer(t.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    h = np.zeros(n, dtype=np.uint64)
    for j in range(k):
        h = h * np.uint64(1000003) + c[j:j + n]
    h = (h ^ (h >> np.uint64(31))) * np.uint64(0x9E3779B97F4A7C15)
    win = np.lib.stride_tricks.sliding_window_view(h, min(w, n))
    pos = win.argmin(axis=1) + np.arange(len(win))  # never decreases: drop repeats
    pos = pos[np.r_[True, pos[1:] != pos[:-1]]]
    return h[pos], pos


def copied_passages(documents: pd.DataFrame, texts: Mapping[str, str], min_chars: int = 100,
                    common: int = 25, gap: int = 32, band: int = 32, margin: int = 32,
                    max_bucket: int = 64, shared=None) -> list[dict]:
    """Pairs of documents sharing ≥ ``min_chars`` near-verbatim, as offset records.

    Seeds are winnowed ``K``-character fingerprints (≥ 1 per ``W`` positions) shared by two
    normalised texts (not k-grams of more than ``common`` other documents: 套话); seeds ≤
    ``gap`` apart in a diagonal band covering ≥ min_chars/2 characters make a region, which
    difflib verifies (± ``margin``; not when even the longest common subsequence is shorter):
    passages of ≥ min_chars matched characters, ≥ 90 % of their span, gaps ≤ 6.  The work
    grows with the number of shared seeds, not with the number of document pairs.

    ``shared(common, max_bucket)``, when given, returns :func:`_kept`'s arrays for the rows
    of ``documents`` (e.g. from the store's stored fingerprints; the first may be any array
    that changes value where the k-gram does, see :func:`_seed_pairs`), and only the texts of
    candidate regions are read; else every text is fingerprinted here."""
    cols = [c for c in ("doc_id", "reporting_unit") if c in documents.columns]
    docs = documents[cols].to_dict("records")
    if shared is None:
        docs = [r for r in docs if isinstance(texts.get(r["doc_id"]), str)]
        seeds = _kept([fingerprints(texts[r["doc_id"]], r.get("reporting_unit")) for r in docs],
                      common, max_bucket)
    else:
        seeds = shared(common, max_bucket)

    @lru_cache(maxsize=256)
    def norm(i: int) -> tuple[str, list[tuple[int, int]]]:
        return _normalise(texts[docs[i]["doc_id"]], _names(docs[i].get("reporting_unit")))

    found: dict[tuple[int, int], list[tuple[int, int, int, int]]] = {}
    regions = _regions(seeds, len(docs), K, min_chars // 2, gap, band)
    if hasattr(texts, "prefetch"):  # a lazy mapping: read the documents to verify at once
        texts.prefetch(docs[i]["doc_id"] for i in sorted({x for r in regions for x in r[:2]}))
    for da, db, a0, a1, b0, b1 in regions:
        have = found.setdefault((da, db), [])
        if any(f[0] <= a0 and a1 <= f[1] for f in have):
            continue  # inside a passage already found (regions split by a stock phrase)
        for p in _verify(norm(da)[0], norm(db)[0], (a0, a1, b0, b1), min_chars, margin):
            if not any(p[0] < f[1] and f[0] < p[1] for f in have):
                have.append(p)
    return [{"doc_a": docs[da]["doc_id"], "doc_b": docs[db]["doc_id"],
             "a_start": _offset(norm(da)[1], pa0), "a_end": _offset(norm(da)[1], pa1 - 1) + 1,
             "b_start": _offset(norm(db)[1], pb0), "b_end": _offset(norm(db)[1], pb1 - 1) + 1,
             "n_chars": pa1 - pa0}
            for (da, db), ps in sorted(found.items()) for pa0, pa1, pb0, pb1 in sorted(ps)]
