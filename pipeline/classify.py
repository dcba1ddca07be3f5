"""Activity category classification of a :class:`~pipeline.document.Document`.

The unit is the *activity*: :func:`extractors.activities.split_activities` cuts the
document's sentences into clauses; every clause (headings included: a heading such as
"致力普法用法" carries its section's category, a vague one becomes ``other``) is
classified in one batch by the shipped linear model, and each quantity takes the
category of the activity that contains it.

The model (``extractors/data/category_model.joblib``, built by ``ngreport train``) is
loaded once per process (:func:`load_model` is cached).  It is a :class:`CategoryModel`:
a TF-IDF vectorizer over character n-grams and heading words
(:class:`extractors.features.ReportAnalyzer`; rows computed by its fast twin
:class:`~extractors.features.SparseFeaturizer`) and, per category, a linear SVM with a
sigmoid calibration, stored as plain arrays so prediction is one sparse matrix product.

Decision rule (probabilities are per-category, one-vs-rest): if the most probable
column is ``other`` or its probability is below ``min_top`` the activity is ``other``;
otherwise it gets the top category plus every other category whose probability is at
least ``max(min_extra, extra_ratio * top)``.
"""
from __future__ import annotations

import bisect
import functools
import warnings
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
MODEL_PATH = DATA_DIR / "category_model.joblib"
USERDICT_PATH = DATA_DIR / "userdict.txt"


@dataclass
class CategoryModel:
    """A fitted vectorizer plus one calibrated linear scorer per category column."""

    keys: tuple[str, ...]
    vectorizer: Any
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
        return self.proba_from_matrix(self.transform(texts))

    def transform(self, texts: list):
        """TF-IDF rows of the inputs: the vectorizer's own result, computed by the fast
        :class:`extractors.features.SparseFeaturizer` when the vectorizer is the usual one."""
        fast = self.__dict__.get("_fast", False)
        if fast is False:
            fast = self.__dict__["_fast"] = _featurizer(self.vectorizer)
        return fast.transform(texts) if fast else self.vectorizer.transform(texts)

    def proba_from_matrix(self, X) -> np.ndarray:
        """Probabilities from an already vectorized (TF-IDF) matrix."""
        scores = np.asarray(X @ self.coef.T, dtype=np.float64) + self.intercept
        return 1.0 / (1.0 + np.exp(self.cal_a * scores + self.cal_b))

    def decide(self, proba: np.ndarray) -> list[list[tuple[str, float]]]:
        """Apply the decision rule: per row, [(key, prob), ...] best first."""
        other = self.keys.index(OTHER)
        rows = np.arange(len(proba))
        top = proba.argmax(axis=1) if len(proba) else np.zeros(0, dtype=int)
        topv = proba[rows, top]
        extra = proba >= np.maximum(self.min_extra, self.extra_ratio * topv)[:, None]
        extra[:, other] = False
        extra[rows, top] = True
        out = []
        for i, (t, tv) in enumerate(zip(top.tolist(), topv.tolist())):
            if t == other:
                out.append([(OTHER, tv)])
            elif tv < self.min_top:  # nothing probable enough
                out.append([(OTHER, 1.0 - tv)])
            else:
                chosen = np.flatnonzero(extra[i])
                if len(chosen) > 1:
                    chosen = chosen[np.argsort(-proba[i, chosen], kind="stable")]
                out.append([(self.keys[j], float(proba[i, j])) for j in chosen.tolist()])
        return out

    def predict(self, texts: list) -> list[list[tuple[str, float]]]:
        return self.decide(self.predict_proba(texts))


def _featurizer(vec):
    """A :class:`SparseFeaturizer` equivalent to ``vec``, or None if ``vec`` is not a plain
    TF-IDF vectorizer over a :class:`ReportAnalyzer`."""
    from extractors.features import ReportAnalyzer, SparseFeaturizer

    if not (isinstance(getattr(vec, "analyzer", None), ReportAnalyzer) and vec.use_idf
            and vec.norm == "l2" and not vec.binary and hasattr(vec, "idf_")):
        return None
    return SparseFeaturizer(vec.analyzer, vec.vocabulary_, vec.idf_, vec.sublinear_tf)


@functools.lru_cache(maxsize=4)
def load_model(path: str | None = None) -> CategoryModel:
    """Load (once per process and path) the shipped or a given category model."""
    import joblib
    import sklearn

    model = joblib.load(path or MODEL_PATH)
    built = model.versions.get("sklearn")
    if built and built != sklearn.__version__:
        warnings.warn(
            f"category model built with scikit-learn {built}, running {sklearn.__version__}; "
            "run `ngreport train` if predictions look wrong",
            stacklevel=2,
        )
    return model


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
