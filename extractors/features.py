"""Text features for the activity classifier: character n-grams plus heading words.

:class:`ReportAnalyzer` is a picklable callable used as the ``analyzer`` of a
scikit-learn ``TfidfVectorizer``.  For one activity clause it returns

* ``c:<gram>`` character 1..3-grams of the CJK/Latin text, and
* ``w:<word>`` tokens from jieba (a private tokenizer carrying the domain user
  dictionary, so the process-wide ``jieba`` state is left untouched) only when
  ``words=True``: off in the shipped model, because in grouped cross-validation the
  words add nothing over the n-grams (macro-F1 0.860 with and without) while
  segmenting every clause costs about as much as all the rest of the pipeline, and
* ``h:<word>`` jieba words of the *context*, when the input is a ``(text, context)`` pair:
  the nearest preceding heading (see :func:`extractors.activities.heading_context`),
  which tells a bare continuation ("共发放宣传资料600余份") what its section is about.

Before tokenising, text is NFKC-folded and every run of digits or redaction
placeholders (x/X/×/*) becomes ``0``, so figures do not become features.

The user dictionary words are passed in (the pipeline reads
``extractors/data/userdict.txt``; :func:`package_userwords` reads the packaged copy).
"""
from __future__ import annotations

import functools
import re
import threading
import unicodedata
from dataclasses import dataclass, field

_NUM = re.compile(r"(?:\d+(?:\.\d+)?|[xX×*]{2,}|(?<![A-Za-z])[xX](?![A-Za-z]))+")
_KEEP = re.compile(r"[\u3400-\u9fffA-Za-z0]+")
_WORD = re.compile(r"[\u3400-\u9fffA-Za-z]")

_TOKENIZERS: dict[tuple[str, ...], object] = {}
_LOCK = threading.Lock()


def _userdict_entries(text: str) -> list[list[str]]:
    """The fields of each entry of a jieba user dictionary ("word [freq] [tag]" per line)."""
    return [parts for parts in map(str.split, text.splitlines())
            if parts and not parts[0].startswith("#")]


def parse_userdict(text: str) -> tuple[str, ...]:
    """Words of a jieba user dictionary."""
    return tuple(parts[0] for parts in _userdict_entries(text))


def normalize(text: str) -> str:
    """NFKC-fold and replace numbers / redaction runs with ``0``."""
    return _NUM.sub("0", unicodedata.normalize("NFKC", text))


def _tokenizer(userwords: tuple[str, ...]):
    """One private jieba tokenizer per word list per process (dictionary loads once)."""
    tok = _TOKENIZERS.get(userwords)
    if tok is None:
        with _LOCK:
            tok = _TOKENIZERS.get(userwords)
            if tok is None:
                import logging

                import jieba

                jieba.setLogLevel(logging.WARNING)
                tok = jieba.Tokenizer()
                tok.initialize()
                for w in userwords:
                    tok.add_word(w)
                _TOKENIZERS[userwords] = tok
    return tok


@functools.lru_cache(maxsize=1)
def _package_userdict() -> str:
    from importlib import resources

    return (resources.files("extractors") / "data" / "userdict.txt").read_text("utf-8")


def package_userwords() -> tuple[str, ...]:
    """The words of the packaged domain dictionary (``extractors/data/userdict.txt``)."""
    return parse_userdict(_package_userdict())


def userdict_tags(text: str) -> dict[str, str]:
    """Part-of-speech tags a user dictionary gives (its entries ending in a tag)."""
    return {parts[0]: parts[-1] for parts in _userdict_entries(text)
            if len(parts) >= 2 and not parts[-1].isdigit()}


@functools.lru_cache(maxsize=1)
def pos_tokenizer():
    """A jieba part-of-speech tokenizer over the private tokenizer with the domain
    dictionary: one dictionary per process, shared with the classifier's heading words,
    and independent of whatever else changes the process-wide ``jieba`` state."""
    posseg = _posseg()
    # POSTokenizer(tok) would re-read jieba's whole dictionary for the tags (0.4 s);
    # jieba.posseg already holds them (read when it was imported): copy and extend.
    pos = posseg.POSTokenizer.__new__(posseg.POSTokenizer)
    pos.tokenizer = _tokenizer(package_userwords())
    pos.word_tag_tab = {**posseg.dt.word_tag_tab, **userdict_tags(_package_userdict())}
    return pos


def _posseg():
    """``jieba.posseg``, imported without its import-time reading of jieba's dictionary for
    the tags line by line (0.6 s of every process's start): the same table is read here in
    one go (0.2 s), or, should the file not hold three fields on every line, as jieba reads
    it."""
    import io
    import sys

    import jieba

    with _LOCK:  # the method is shadowed meanwhile: one thread at a time
        if "jieba.posseg" in sys.modules:
            return sys.modules["jieba.posseg"]
        dt = jieba.dt
        f = dt.get_dict_file()
        try:
            data = f.read()
        finally:
            f.close()
        dt.get_dict_file = lambda: io.BytesIO(b"")  # what the import reads
        try:
            import jieba.posseg as posseg
        finally:
            del dt.get_dict_file
        text = data.decode("utf-8")
        fields = text.split()
        lines = text.count("\n") + (not text.endswith("\n"))
        if len(fields) == 3 * lines:
            posseg.dt.word_tag_tab = dict(zip(fields[0::3], fields[2::3]))
        else:
            posseg.dt.load_word_tag(io.BytesIO(data))
        return posseg


@dataclass(frozen=True)
class ReportAnalyzer:
    """Callable text -> feature tokens (``w:`` words and ``c:`` char n-grams)."""

    userwords: tuple[str, ...] = field(default_factory=tuple)
    char_min: int = 1
    char_max: int = 3
    words: bool = False
    context: bool = True

    def __call__(self, doc: str | tuple[str, str]) -> list[str]:
        text, context = (doc, "") if isinstance(doc, str) else doc
        norm = normalize(text)
        out: list[str] = []
        for run in _KEEP.findall(norm):
            n = len(run)
            for k in range(self.char_min, self.char_max + 1):
                out.extend("c:" + run[i : i + k] for i in range(n - k + 1))
        out.extend(self.word_tokens(norm, context))
        return out

    def word_tokens(self, norm: str, context: str) -> list[str]:
        """The ``w:`` (when ``words``) and ``h:`` (when ``context``) features of an input
        whose text is already normalised."""
        out = _words(self.userwords, norm, "w:") if self.words else []
        if context and self.context:
            out.extend(_context_tokens(self.userwords, context))
        return out


def _words(userwords: tuple[str, ...], norm: str, prefix: str) -> list[str]:
    """Prefixed jieba words (two or more characters, not figures) of normalised text."""
    tok = _tokenizer(userwords)
    return [prefix + w for w in tok.lcut(norm, HMM=False) if _WORD.search(w) and len(w) > 1]


@functools.lru_cache(maxsize=16384)
def _context_tokens(userwords: tuple[str, ...], context: str) -> tuple[str, ...]:
    """``h:`` words of a heading (cached: every clause under a heading shares it)."""
    return tuple(_words(userwords, normalize(context), "h:"))


def _pack(gram: str) -> int:
    code = 0
    for ch in gram:
        code = (code << 16) | ord(ch)
    return code | (len(gram) << 48)


class SparseFeaturizer:
    """The TF-IDF rows of a fitted ``TfidfVectorizer`` (sublinear tf, idf, l2 rows) over a
    :class:`ReportAnalyzer`, computed without scikit-learn and without building a prefixed
    string per character n-gram.

    Built from the fitted vectorizer's ``vocabulary_`` and ``idf_``: character n-grams are
    packed into integers from code-point arrays and looked up by binary search, then
    counted, all in numpy.  Tests check that the rows
    equal the vectorizer's own.  Needs only numpy (scipy for :meth:`transform`), so a
    worker process classifying activities never imports scikit-learn.
    """

    def __init__(self, analyzer: ReportAnalyzer, vocabulary: dict[str, int], idf,
                 sublinear: bool = True):
        import numpy as np

        self.analyzer, self.sublinear = analyzer, sublinear
        self.n_features = len(vocabulary)
        self.chars = {k[2:]: v for k, v in vocabulary.items() if k.startswith("c:")}
        self.other = {k: v for k, v in vocabulary.items() if not k.startswith("c:")}
        self.idf = np.asarray(idf, dtype=np.float64)

    def _gram_table(self):
        """A hash index of the int64 codes of the vocabulary's character n-grams, and their
        columns.  A code packs an n-gram exactly: its length in bits 48+, then 16 bits per
        character (every character :data:`_KEEP` admits is below U+A000).  (A hash lookup
        is several times faster than a binary search over the sorted codes.)"""
        import numpy as np
        import pandas as pd

        table = self.__dict__.get("_grams")
        if table is None:
            codes = np.array([_pack(g) for g in self.chars], dtype=np.int64)
            cols = np.fromiter(self.chars.values(), dtype=np.int64, count=len(self.chars))
            index = pd.Index(codes)
            index.get_indexer(codes[:1])  # builds the hash table now (in the fork server)
            table = self.__dict__["_grams"] = (index, cols)
        return table

    def _char_grams(self, joined: str):
        """(row, column) arrays of every known character n-gram of normalised texts joined
        by NUL (row = input number), computed on code-point arrays (no string per n-gram)."""
        import numpy as np

        an = self.analyzer
        codes, cols = self._gram_table()
        cp = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        keep = (((cp >= 0x3400) & (cp <= 0x9FFF)) | ((cp >= 0x41) & (cp <= 0x5A))
                | ((cp >= 0x61) & (cp <= 0x7A)) | (cp == 0x30))
        row = np.cumsum(cp == 0)
        rows, out = [], []
        ok, code = keep.copy(), cp.copy()
        for k in range(1, an.char_max + 1):
            n = len(cp) - k + 1
            if n <= 0:
                break
            if k > 1:  # extend every (k-1)-gram by the character that follows it
                ok = ok[:n] & keep[k - 1 :]
                code = (code[:n] << 16) | cp[k - 1 :]
            if k < an.char_min or not len(codes):
                continue
            sel = np.flatnonzero(ok)
            pos = codes.get_indexer(code[sel] | (k << 48))
            hit = pos >= 0
            rows.append(row[sel[hit]])
            out.append(cols[pos[hit]])
        if not rows:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return np.concatenate(rows), np.concatenate(out)

    def _other_indices(self, text: str, context: str) -> list[int]:
        """Columns of the word (``w:``) and heading (``h:``) features of one input."""
        an = self.analyzer
        extra = an.word_tokens(normalize(text) if an.words else "", context)
        return [j for j in map(self.other.get, extra) if j is not None]

    def _token_indices(self, tokens: list[str]) -> list:
        """Vocabulary indices of already analysed feature tokens (``c:``/``w:``/``h:``)."""
        return [self.chars.get(t[2:]) if t.startswith("c:") else self.other.get(t) for t in tokens]

    def triples(self, docs: list, analysed: bool = False):
        """(row, column, value) arrays of the TF-IDF matrix, sorted by row then column.
        ``analysed``: the inputs are token lists from the analyzer, not texts."""
        import numpy as np

        if analysed:
            rows, cols = [], []
            for i, doc in enumerate(docs):
                idx = [j for j in self._token_indices(doc) if j is not None]
                cols.extend(idx)
                rows.extend([i] * len(idx))
            rows, cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
        else:
            pairs = [(d, "") if isinstance(d, str) else d for d in docs]
            # one NFKC + number pass over all inputs; NUL separators neither compose nor match
            rows, cols = self._char_grams(normalize("\x00".join(t.replace("\x00", " ")
                                                                for t, _ in pairs)))
            more = [(i, j) for i, (t, c) in enumerate(pairs) for j in self._other_indices(t, c)]
            if more:
                r2, c2 = np.asarray(more, dtype=np.int64).T
                rows, cols = np.concatenate([rows, r2]), np.concatenate([cols, c2])
        nf = self.n_features
        keys, counts = np.unique(rows * nf + cols, return_counts=True)
        r, c = keys // nf, keys % nf
        tf = counts.astype(np.float64)
        if self.sublinear:
            tf = np.log(tf) + 1.0
        val = tf * self.idf[c]
        norms = np.sqrt(np.bincount(r, weights=val * val, minlength=len(docs)))
        return r, c, (val / np.where(norms > 0, norms, 1.0)[r]).astype(np.float32)

    def transform(self, docs: list, analysed: bool = False):
        """CSR matrix (len(docs), n_features), float32 like the vectorizer's output."""
        from scipy import sparse

        r, c, val = self.triples(docs, analysed)
        return sparse.csr_matrix((val, (r, c)), shape=(len(docs), self.n_features))
