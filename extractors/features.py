"""Text features for the activity classifier: jieba words plus character n-grams.

:class:`ReportAnalyzer` is a picklable callable used as the ``analyzer`` of a
scikit-learn ``TfidfVectorizer``.  For one activity clause it returns

* ``w:<word>`` tokens from jieba (a private tokenizer carrying the domain user
  dictionary, so the process-wide ``jieba`` state is left untouched), and
* ``c:<gram>`` character 1..3-grams of the CJK/Latin text (char n-grams beat words
  on short Chinese clauses; words add the multi-character domain terms), and
* ``h:<word>`` words of the *context*, when the input is a ``(text, context)`` pair:
  the nearest preceding heading (see :func:`extractors.activities.heading_context`),
  which tells a bare continuation ("共发放宣传资料600余份") what its section is about.

Before tokenising, text is NFKC-folded and every run of digits or redaction
placeholders (x/X/×/*) becomes ``0``, so figures do not become features.

The user dictionary words are passed in (the pipeline reads
``extractors/data/userdict.txt``); nothing here touches files.
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


def parse_userdict(text: str) -> tuple[str, ...]:
    """Words of a jieba user dictionary ("word [freq] [tag]" per line)."""
    words = []
    for line in text.splitlines():
        parts = line.split()
        if parts and not parts[0].startswith("#"):
            words.append(parts[0])
    return tuple(words)


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


@dataclass(frozen=True)
class ReportAnalyzer:
    """Callable text -> feature tokens (``w:`` words and ``c:`` char n-grams)."""

    userwords: tuple[str, ...] = field(default_factory=tuple)
    char_min: int = 1
    char_max: int = 3
    words: bool = True
    context: bool = True

    def __call__(self, doc: str | tuple[str, str]) -> list[str]:
        text, context = (doc, "") if isinstance(doc, str) else doc
        norm = normalize(text)
        out: list[str] = []
        for run in _KEEP.findall(norm):
            n = len(run)
            for k in range(self.char_min, self.char_max + 1):
                out.extend("c:" + run[i : i + k] for i in range(n - k + 1))
        if self.words:
            tok = _tokenizer(self.userwords)
            out.extend("w:" + w for w in tok.lcut(norm, HMM=False) if _WORD.search(w) and len(w) > 1)
        if context and self.context:
            out.extend(_context_tokens(self.userwords, context))
        return out


@functools.lru_cache(maxsize=2048)
def _context_tokens(userwords: tuple[str, ...], context: str) -> tuple[str, ...]:
    """``h:`` words of a heading (cached: every clause under a heading shares it)."""
    tok = _tokenizer(userwords)
    return tuple("h:" + w for w in tok.lcut(normalize(context), HMM=False) if _WORD.search(w) and len(w) > 1)
