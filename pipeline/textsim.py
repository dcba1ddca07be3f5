"""How similar short Chinese texts are: cosine similarity of character 2-3-gram TF-IDF
vectors (sublinear tf, smoothed idf, L2-normalised rows) over the Chinese characters of each
text, administrative filler words removed.

:func:`best_match` compares every text with a few groups of queries (a plan item's heading
and clauses) and keeps, per text and group, the best similarity.  The work is done a chunk
of texts at a time: one pass counts the document frequencies, a second builds each chunk's
rows and multiplies them with the queries, so memory stays bounded however many texts there
are.  N-grams are counted exactly from code points with numpy; a text that occurs several
times is vectorised once (and counted as often as it occurs).
"""
from __future__ import annotations

import re
from itertools import pairwise

import numpy as np
import pandas as pd
from scipy import sparse

#: Administrative filler verbs and nouns that say nothing about *what* is done.
_FILLER = re.compile(
    "进一步|加大|加强|做好|抓好|开展|深入|推进|推动|积极|切实|扎实|认真|不断|大力|全面|持续|深化|"
    "强化|健全|完善|提高|提升|着力|努力|注重|坚持|落实|组织|广泛|继续|全力|工作|活动|有关|相关")
_CJK0, _CJK1 = 0x4E00, 0x9FFF
_END = 0xFFFF  # marks the end of a text in a chunk's character codes


def _encode(texts: list[str], a: int, b: int) -> np.ndarray:
    """Texts ``a``…``b-1`` as one uint16 array: 1… a CJK character (code point - 0x4DFF),
    0 anything else (filler words too), ``_END`` after each text."""
    joined = _FILLER.sub(" ", "\0".join(t or "" for t in texts[a:b]) + "\0")
    cp = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    out = np.where((cp >= _CJK0) & (cp <= _CJK1), cp - (_CJK0 - 1), 0).astype(np.uint16)
    out[cp == 0] = _END
    return out


def _grams(a: int, codes: np.ndarray, dense: np.ndarray, base: int) -> tuple[np.ndarray, ...]:
    """(row, key, count) of every distinct character 2- and 3-gram of each text of a chunk
    (first text ``a``), sorted by row then key.  2-gram keys are below ``base**2``, 3-gram
    keys from it on, each in the characters' (code points') order; no n-gram spans a gap."""
    end = codes == _END
    row, cp = a + np.cumsum(end) - end, dense[codes]
    keys, rows = [], []
    for n, offset in ((2, 0), (3, base * base)):
        m = len(cp) - n + 1
        if m <= 0:
            continue
        key, bad = cp[:m].copy(), cp[:m] < 0
        for k in range(1, n):
            key *= base
            key += cp[k:m + k]
            bad |= cp[k:m + k] < 0
        keys.append(key[~bad] + offset)
        rows.append(row[:m][~bad])
    if not keys:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)
    row, key = np.concatenate(rows), np.concatenate(keys)
    lo, span = (int(row.min()) if len(row) else 0), base ** 3 + base * base
    if len(row) and (int(row.max()) - lo + 1) * span < 2 ** 62:  # one sort of (row, key)
        pair = np.sort((row - lo) * span + key)
        first = np.flatnonzero(np.r_[True, pair[1:] != pair[:-1]])
        return pair[first] // span + lo, pair[first] % span, np.diff(np.r_[first, len(pair)])
    order = np.lexsort((key, row))
    row, key = row[order], key[order]
    first = np.flatnonzero(np.r_[True, (row[1:] != row[:-1]) | (key[1:] != key[:-1])])
    return row[first], key[first], np.diff(np.r_[first, len(row)])


class _Corpus:
    """Texts in chunks, their alphabet, vocabulary and idf (the first pass)."""

    def __init__(self, texts: list[str], weights: np.ndarray, bounds: list[int]):
        self.chunks = [(a, _encode(texts, a, b)) for a, b in pairwise(bounds)]
        present = np.zeros(_END + 1, dtype=bool)
        for _, codes in self.chunks:
            present[codes] = True
        present[[0, _END]] = False
        self.dense = np.cumsum(present, dtype=np.int64) - 1  # CJK in code-point order
        self.dense[[0, _END]] = -1
        self.base = max(int(present.sum()), 1)
        keys, dfs = [], []
        for a, codes in self.chunks:
            row, key, _ = _grams(a, codes, self.dense, self.base)
            k, inv = np.unique(key, return_inverse=True)
            keys.append(k)
            dfs.append(np.bincount(inv, weights=weights[row], minlength=len(k)))
        vocab, inv = np.unique(np.concatenate(keys or [np.zeros(0, np.int64)]), return_inverse=True)
        df = np.bincount(inv, weights=np.concatenate(dfs or [np.zeros(0)]), minlength=len(vocab))
        self.index, self.n_cols = pd.Index(vocab), max(len(vocab), 1)
        self.idf = np.log((1 + weights.sum()) / (1 + df)) + 1.0

    def rows(self, a: int, codes: np.ndarray, n: int) -> sparse.csr_matrix:
        """The L2-normalised TF-IDF rows of the ``n`` texts of one chunk."""
        row, key, count = _grams(a, codes, self.dense, self.base)
        col, row = self.index.get_indexer(key), row - a
        data = (1.0 + np.log(count)) * self.idf[col]
        indptr = np.r_[0, np.cumsum(np.bincount(row, minlength=n))]
        norms, full = np.zeros(n), np.flatnonzero(np.diff(indptr))
        if len(full):  # summed as scipy's csr.sum(axis=1) does, to the last bit
            norms[full] = np.sqrt(np.add.reduceat(data * data, indptr[full]))
        norms[norms == 0] = 1.0
        return sparse.csr_matrix((data * (1.0 / norms)[row], col, indptr),
                                 shape=(n, self.n_cols))


def best_match(queries: list[str], group: list[int], texts: list[str],
               chunk_chars: int = 100_000) -> np.ndarray:
    """``(len(texts), max(group) + 1)``: for each text and each group of queries (``group[i]``
    is query i's group; a group's queries are consecutive), the best cosine similarity of
    the text with a query of the group.  The idf is that of the queries and texts together."""
    n_groups = max(group) + 1 if group else 0
    if not texts or not queries:
        return np.zeros((len(texts), n_groups))
    codes, distinct = pd.factorize(pd.Series(texts, dtype=object))
    every = list(queries) + list(distinct)
    weights = np.r_[np.ones(len(queries)), np.bincount(codes, minlength=len(distinct))]
    sizes = np.cumsum([len(t or "") for t in every])
    cuts = np.searchsorted(sizes, np.arange(chunk_chars, sizes[-1], chunk_chars))
    cuts = cuts[cuts > len(queries)]  # the queries are one chunk
    bounds = np.unique(np.r_[0, len(queries), cuts, len(every)]).tolist()
    corpus = _Corpus(every, weights, bounds)
    ends = dict(pairwise(bounds))
    qa, qcodes = corpus.chunks[0]
    probes = corpus.rows(qa, qcodes, len(queries)).T.tocsr()
    starts = np.flatnonzero(np.r_[True, np.diff(group) != 0])
    best = np.zeros((len(distinct), n_groups))
    for a, chunk in corpus.chunks[1:]:
        b = ends[a]
        sims = (corpus.rows(a, chunk, b - a) @ probes).toarray()
        best[a - len(queries):b - len(queries)] = np.maximum.reduceat(sims, starts, axis=1)
    return best[codes]
