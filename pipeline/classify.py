"""Activity category classification of a :class:`~pipeline.document.Document`.

The unit is the *activity*: :func:`extractors.activities.split_activities` cuts the
document's sentences into clauses; every clause (headings included: a heading such as
"致力普法用法" carries its section's category, a vague one becomes ``other``) is
classified in one batch by the shipped linear model, and each quantity takes the
category of the activity that contains it.

The model (``extractors/data/category_model.pkl.xz``, built by ``ngreport train``) is
loaded once per process (:func:`load_model` is cached).  It is a :class:`CategoryModel`:
TF-IDF features over character n-grams and heading words
(:class:`extractors.features.ReportAnalyzer`, rows computed by
:class:`~extractors.features.SparseFeaturizer` from the fitted vocabulary and idf) and, per
category, a linear SVM with a sigmoid calibration, stored as plain arrays: predicting needs
numpy only (scikit-learn is for training; a worker never imports it).

Decision rule (probabilities are per-category, one-vs-rest): if the most probable
column is ``other`` or its probability is below ``min_top`` the activity is ``other``;
otherwise it gets the top category plus every other category whose probability is at
least ``max(min_extra, extra_ratio * top)``.
"""
from __future__ import annotations

import bisect
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

CATEGORIES: tuple[str, ...] = (
    "ideology_moral",
    "red_heritage_patriotic",
    "legal_education",
    "care_assistance",
    "family_education",
    "science_tech",
    "health",
    "culture_sports",
    "rural_revitalization_service",
    "organization_building",
    "team_five_elders",
    "publicity",
    "research",
    "education_bases",
    "environment_governance",
    "other",
)
OTHER = "other"
DATA_DIR = Path(__file__).resolve().parent.parent / "extractors" / "data"
MODEL_PATH = DATA_DIR / "category_model.pkl.xz"


@dataclass
class CategoryModel:
    """TF-IDF features plus one calibrated linear scorer per category column."""

    keys: tuple[str, ...]
    features: Any  # extractors.features.SparseFeaturizer
    coef: np.ndarray  # (n_keys, n_features) float32
    intercept: np.ndarray  # (n_keys,)
    cal_a: np.ndarray  # sigmoid calibration: p = 1 / (1 + exp(a * score + b))
    cal_b: np.ndarray
    min_top: float = 0.2
    min_extra: float = 0.4
    extra_ratio: float = 0.8
    data_sha256: str = ""
    n_train: int = 0
    versions: dict[str, str] = field(default_factory=dict)

    def predict_proba(self, texts: list) -> np.ndarray:
        """Per-category probabilities, shape (len(texts), len(keys)).

        Each input is an activity text or a ``(text, context)`` pair (context: the
        nearest preceding heading, see :func:`extractors.activities.heading_context`).
        """
        if not texts:
            return np.zeros((0, len(self.keys)))
        r, c, val = self.features.triples(texts)
        scores = np.zeros((len(texts), len(self.keys)), dtype=np.float64)
        if len(r):  # rows are sorted: sum each row's weighted coefficient columns
            starts = np.flatnonzero(np.r_[True, r[1:] != r[:-1]])
            coef_t = self.__dict__.get("_coef_t")
            if coef_t is None:
                coef_t = self.__dict__["_coef_t"] = np.ascontiguousarray(self.coef.T)
            scores[r[starts]] = np.add.reduceat(coef_t[c] * val[:, None], starts, axis=0)
        return self._calibrate(scores)

    def proba_from_matrix(self, X) -> np.ndarray:
        """Probabilities from an already vectorized (TF-IDF, sparse) matrix."""
        return self._calibrate(np.asarray(X @ self.coef.T, dtype=np.float64))

    def _calibrate(self, scores: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(self.cal_a * (scores + self.intercept) + self.cal_b))

    def decide(self, proba: np.ndarray) -> list[list[tuple[str, float]]]:
        """Apply the decision rule: per row, [(key, prob), ...] best first."""
        other = self.keys.index(OTHER)
        rows = np.arange(len(proba))
        top = proba.argmax(axis=1) if len(proba) else np.zeros(0, dtype=int)
        topv = proba[rows, top]
        extra = proba >= np.maximum(self.min_extra, self.extra_ratio * topv)[:, None]
        extra[:, other] = False
        extra[rows, top] = True
        several = (extra.sum(axis=1) > 1).tolist()
        out = []
        for i, (t, tv) in enumerate(zip(top.tolist(), topv.tolist())):
            if t == other:
                out.append([(OTHER, tv)])
            elif tv < self.min_top:  # nothing probable enough
                out.append([(OTHER, 1.0 - tv)])
            elif not several[i]:
                out.append([(self.keys[t], tv)])
            else:
                chosen = np.flatnonzero(extra[i])
                chosen = chosen[np.argsort(-proba[i, chosen], kind="stable")]
                out.append([(self.keys[j], float(proba[i, j])) for j in chosen.tolist()])
        return out

    def predict(self, texts: list) -> list[list[tuple[str, float]]]:
        return self.decide(self.predict_proba(texts))


@functools.lru_cache(maxsize=4)
def load_model(path: str | None = None) -> CategoryModel:
    """Load (once per process and path) the shipped or a given category model."""
    import lzma
    import pickle

    with lzma.open(path or MODEL_PATH, "rb") as f:
        return pickle.load(f)


def _other_activity(start: int, end: int, prob: float) -> dict[str, Any]:
    return {"start": start, "end": end, "category": OTHER, "probability": prob,
            "labels": [{"key": OTHER, "prob": prob}], "quantities": []}


def classify_document(doc, model: CategoryModel | None = None) -> None:
    """Fill ``doc.activities`` and ``doc.categories`` and each quantity's ``category``.

    Irrelevant documents (``doc.relevant`` False: a trade-union or police article in a
    compilation) get ``other`` for every activity and no 关工委 category.
    """
    from extractors.activities import heading_context, simple_sentences, split_activities

    text = doc.norm or doc.text
    sentences = list(doc.sentences) or simple_sentences(text)
    spans = split_activities(text, sentences)
    if not doc.relevant:
        activities = [_other_activity(a, b, 1.0) for a, b in spans]
    else:
        model = model or load_model()
        units = [text[a:b] for a, b in spans]
        decided = model.predict(list(zip(units, heading_context(units))))
        activities = [
            {"start": a, "end": b, "category": labels[0][0], "probability": round(labels[0][1], 4),
             "labels": [{"key": k, "prob": round(p, 4)} for k, p in labels], "quantities": []}
            for (a, b), labels in zip(spans, decided)
        ]
    starts = [act["start"] for act in activities]
    for qi, q in enumerate(doc.quantities):
        pos = q.get("start")
        i = bisect.bisect_right(starts, pos) - 1 if pos is not None else -1
        if i >= 0 and pos < activities[i]["end"]:
            activities[i]["quantities"].append(qi)
            q["category"] = activities[i]["category"]
        else:
            q["category"] = OTHER
    doc.activities = activities
    cats = sorted({act["category"] for act in activities} - {OTHER})
    doc.categories = cats or [OTHER]
