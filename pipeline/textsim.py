"""How similar short Chinese texts are: cosine similarity of character 2-3-gram TF-IDF
vectors (sublinear tf, smoothed idf, L2-normalised rows) over the Chinese characters of each
text, administrative filler words removed.

:class:`Similarity` compares every text with a few groups of queries (a plan item's heading
and clauses) and keeps, per text and group, the best similarity.  The texts may come in
chunks, read twice: ``fit`` counts the document frequencies, ``best`` builds a chunk's rows
and multiplies them with the queries, so memory stays bounded however many texts there are
(the alphabet is the fixed CJK block, so no pass is needed to find it).  N-grams are counted
exactly from code points with numpy; a text that occurs several times in a chunk is
vectorised once (and counted as often as it occurs); :meth:`Similarity.encode` encodes a
chunk once for both passes.  :func:`best_match` is the one-chunk case.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import chain, pairwise

import numpy as np
import pandas as pd
from scipy import sparse

#: Administrative filler verbs and nouns that say nothing about *what* is done.
_FILLER = re.compile(
    "进一步|加大|加强|做好|抓好|开展|深入|推进|推动|积极|切实|扎实|认真|不断|大力|全面|持续|深化|"
    "强化|健全|完善|提高|提升|着力|努力|注重|坚持|落实|组织|广泛|继续|全力|工作|活动|有关|相关")
_CJK0, _CJK1 = 0x4E00, 0x9FFF
_END = 0xFFFF  # marks the end of a text in a chunk's character codes


def _encode(texts: list[str]) -> np.ndarray:
    """The texts as one uint16 array: 1… a CJK character (code point - 0x4DFF), 0 anything
    else (filler words too), ``_END`` after each text."""
    joined = _FILLER.sub(" ", "\0".join(t or "" for t in texts) + "\0")
    cp = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    out = np.where((cp >= _CJK0) & (cp <= _CJK1), cp - (_CJK0 - 1), 0).astype(np.uint16)
    out[cp == 0] = _END
    return out


#: The alphabet is the whole CJK block (fixed, so texts can be read in any number of passes):
#: a character's rank is its code point's offset; n-gram keys keep the characters' order.
_BASE = _CJK1 - _CJK0 + 1
_RANK = np.full(_END + 1, -1, dtype=np.int64)
_RANK[1:_BASE + 1] = np.arange(_BASE)


def _grams(a: int, codes: np.ndarray) -> tuple[np.ndarray, ...]:
    """(row, key, count) of every distinct character 2- and 3-gram of each text of a chunk
    (first text ``a``), sorted by row then key.  2-gram keys are below ``_BASE**2``, 3-gram
    keys from it on, each in the characters' (code points') order; no n-gram spans a gap."""
    base = _BASE
    end = codes == _END
    row, cp = a + np.cumsum(end) - end, _RANK[codes]
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
    if not len(row):
        return row, key, np.zeros(0, np.int64)
    lo, span = int(row.min()), base ** 3 + base * base
    if (int(row.max()) - lo + 1) * span < 2 ** 62:  # one sort of (row, key)
        pair = np.sort((row - lo) * span + key)
        first = np.flatnonzero(np.r_[True, pair[1:] != pair[:-1]])
        return pair[first] // span + lo, pair[first] % span, np.diff(np.r_[first, len(pair)])
    order = np.lexsort((key, row))
    row, key = row[order], key[order]
    first = np.flatnonzero(np.r_[True, (row[1:] != row[:-1]) | (key[1:] != key[:-1])])
    return row[first], key[first], np.diff(np.r_[first, len(row)])


@dataclass
class Encoded:
    """A list of texts as :class:`Similarity` reads them (see :meth:`Similarity.encode`),
    so texts passed to both ``fit`` and ``best`` are encoded once."""
    codes: np.ndarray   # each text's number among the distinct texts
    n_distinct: int
    pieces: list        # (first distinct text, character codes, count) per run of texts
    chars: int          # characters encoded (the size of ``pieces``, in uint16 codes)

    def __len__(self) -> int:
        return len(self.codes)


class Similarity:
    """TF-IDF cosine similarity of texts with groups of queries, fitted and applied a chunk
    of texts at a time (scikit-learn's fit/transform split, for texts that are streamed).

    ``fit(chunks)`` counts document frequencies over the queries and every text of every
    chunk (a text counts once per occurrence); ``best(texts)`` then gives, for each text of
    one chunk, the best similarity with a query of each group.  What is held is the
    vocabulary and its idf, never the texts."""

    def __init__(self, queries: list[str], group: list[int], chunk_chars: int = 100_000):
        self.queries, self.group, self.chunk_chars = list(queries), list(group), chunk_chars
        self.n_groups = max(group) + 1 if group else 0
        self.starts = np.flatnonzero(np.r_[True, np.diff(self.group) != 0])

    def _pieces(self, texts: list[str]):
        """(first index, codes, count) of consecutive runs of ``texts`` of about
        ``chunk_chars`` characters."""
        sizes = np.cumsum([len(t or "") for t in texts])
        cuts = np.searchsorted(sizes, np.arange(self.chunk_chars, sizes[-1], self.chunk_chars)) \
            if len(texts) else []
        bounds = np.unique(np.r_[0, cuts, len(texts)]).astype(int).tolist()
        for a, b in pairwise(bounds):
            yield a, _encode(texts[a:b]), b - a

    def encode(self, texts: list[str]) -> Encoded:
        """``texts`` encoded for :meth:`fit` and :meth:`best` (a text occurring several
        times is encoded once)."""
        codes, distinct = pd.factorize(pd.Series(list(texts), dtype=object))
        pieces = list(self._pieces(list(distinct)))
        return Encoded(codes, len(distinct), pieces, sum(len(enc) for _, enc, _ in pieces))

    def fit(self, chunks) -> "Similarity":
        """Count document frequencies over the queries and the texts of ``chunks`` (an
        iterable of lists of texts, or of :class:`Encoded` texts)."""
        vocab, df, pending, n_texts = np.zeros(0, np.int64), np.zeros(0), [], len(self.queries)

        def merge(vocab, df, pending):
            keys = np.concatenate([vocab] + [k for k, _ in pending])
            weights = np.concatenate([df] + [w for _, w in pending])
            inv, vocab = pd.factorize(keys)  # in order of first sight, which nothing needs sorted
            return vocab, np.bincount(inv, weights=weights, minlength=len(vocab))

        for texts in chain([self.queries], chunks):  # one chunk at a time, never a list of all
            if not len(texts):
                continue
            encoded = texts if isinstance(texts, Encoded) else self.encode(texts)
            weights = np.bincount(encoded.codes, minlength=encoded.n_distinct).astype(float)
            if texts is not self.queries:
                n_texts += len(texts)
            for a, enc, _ in encoded.pieces:
                row, key, _ = _grams(a, enc)
                inv, k = pd.factorize(key)  # a hash table, not a sort
                pending.append((k, np.bincount(inv, weights=weights[row], minlength=len(k))))
            if sum(len(k) for k, _ in pending) > max(500_000, 2 * len(vocab)):
                vocab, df, pending = *merge(vocab, df, pending), []
        vocab, df = merge(vocab, df, pending)
        self.index, self.n_cols = pd.Index(vocab), max(len(vocab), 1)
        self.idf = np.log((1 + n_texts) / (1 + df)) + 1.0
        self.probes = self._rows(0, _encode(self.queries), len(self.queries)).T.tocsr() \
            if self.queries else None
        return self

    def _rows(self, a: int, codes: np.ndarray, n: int) -> sparse.csr_matrix:
        """The L2-normalised TF-IDF rows of the ``n`` texts of one piece (n-grams outside the
        fitted vocabulary are left out)."""
        row, key, count = _grams(a, codes)
        col = self.index.get_indexer(key)
        seen = col >= 0
        col, row, count = col[seen], row[seen] - a, count[seen]
        data = (1.0 + np.log(count)) * self.idf[col]
        indptr = np.r_[0, np.cumsum(np.bincount(row, minlength=n))]
        norms, full = np.zeros(n), np.flatnonzero(np.diff(indptr))
        if len(full):  # summed as scipy's csr.sum(axis=1) does, to the last bit
            norms[full] = np.sqrt(np.add.reduceat(data * data, indptr[full]))
        norms[norms == 0] = 1.0
        return sparse.csr_matrix((data * (1.0 / norms)[row], col, indptr),
                                 shape=(n, self.n_cols))

    def best(self, texts: list[str] | Encoded) -> np.ndarray:
        """``(len(texts), n_groups)``: each text's best similarity with a query of each group."""
        if not len(texts) or self.probes is None:
            return np.zeros((len(texts), self.n_groups))
        encoded = texts if isinstance(texts, Encoded) else self.encode(texts)
        out = np.zeros((encoded.n_distinct, self.n_groups))
        for a, enc, n in encoded.pieces:
            sims = (self._rows(0, enc, n) @ self.probes).toarray()
            out[a:a + n] = np.maximum.reduceat(sims, self.starts, axis=1)
        return out[encoded.codes]


def best_match(queries: list[str], group: list[int], texts: list[str],
               chunk_chars: int = 100_000) -> np.ndarray:
    """``(len(texts), max(group) + 1)``: for each text and each group of queries (``group[i]``
    is query i's group; a group's queries are consecutive), the best cosine similarity of
    the text with a query of the group.  The idf is that of the queries and texts together."""
    sim = Similarity(queries, group, chunk_chars).fit([texts])
    return sim.best(texts)
