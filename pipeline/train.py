"""``ngreport train``: rebuild the shipped activity-category model from corpus/labels.

Training is deterministic (no shuffling, fixed seeds): the same ``sentences.jsonl``
gives the same model, stamped with the sha256 of that file.  Rows with
``"relevant": false`` (sentences of articles that are not about 关工委 work, which the
pipeline never classifies) are kept in the labels for completeness but not trained on.
"""
from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.classify import CATEGORIES, MODEL_PATH, CategoryModel

SEED = 0
SVM_C = 1.0
CAL_FOLDS = 3


def labels_file(labels_dir: str | Path) -> Path:
    return Path(labels_dir) / "sentences.jsonl"


def labels_hash(labels_dir: str | Path) -> str:
    """sha256 of the labelled sentences (the training data the model is stamped with)."""
    return hashlib.sha256(labels_file(labels_dir).read_bytes()).hexdigest()


def load_labels(labels_dir: str | Path) -> pd.DataFrame:
    """The labelled activities as a DataFrame: id, doc, text, labels (list), relevant."""
    rows = [json.loads(line) for line in labels_file(labels_dir).read_text("utf-8").splitlines() if line.strip()]
    df = pd.DataFrame(rows)
    if "relevant" not in df:
        df["relevant"] = True
    df["relevant"] = df["relevant"].fillna(True).astype(bool)
    unknown = {lab for labs in df["labels"] for lab in labs} - set(CATEGORIES)
    if unknown:
        raise ValueError(f"unknown category keys in {labels_file(labels_dir)}: {sorted(unknown)}")
    return df


def label_matrix(label_lists) -> np.ndarray:
    """Indicator matrix (n, len(CATEGORIES)); a row with no real category is ``other``."""
    Y = np.zeros((len(label_lists), len(CATEGORIES)), dtype=int)
    for i, labs in enumerate(label_lists):
        for lab in labs:
            Y[i, CATEGORIES.index(lab)] = 1
        if not Y[i, :-1].any():
            Y[i, :] = 0
            Y[i, -1] = 1
    return Y


def userwords() -> tuple[str, ...]:
    from extractors.features import package_userwords

    return package_userwords()


def _identity(tokens):
    return tokens


def with_context(df: pd.DataFrame) -> list[tuple[str, str]]:
    """(text, nearest preceding heading) per row; rows of a document are in reading order."""
    from extractors.activities import heading_context

    ctx = pd.Series("", index=df.index, dtype=object)
    for _, sub in df.groupby("doc", sort=False):
        ctx[sub.index] = heading_context(sub["text"].tolist())
    return list(zip(df["text"], ctx))


def analyze_all(inputs, words: tuple[str, ...]) -> list[list[str]]:
    """Feature tokens of every (text, context) input (computed once; folds reuse them)."""
    from extractors.features import ReportAnalyzer

    an = ReportAnalyzer(words)
    return [an(x) for x in inputs]


def fit_model(tokens: list[list[str]], Y: np.ndarray, words: tuple[str, ...],
              data_sha256: str = "") -> CategoryModel:
    """Fit the vectorizer and one calibrated linear SVM per column of ``Y``."""
    import sklearn
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    from extractors.features import ReportAnalyzer, SparseFeaturizer

    vec = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, dtype=np.float32)
    X = vec.fit_transform(tokens)
    coef = np.zeros((Y.shape[1], X.shape[1]), dtype=np.float32)
    intercept, cal_a, cal_b = (np.zeros(Y.shape[1]) for _ in range(3))
    for k in range(Y.shape[1]):
        clf = CalibratedClassifierCV(LinearSVC(C=SVM_C, random_state=SEED), cv=CAL_FOLDS,
                                     method="sigmoid", ensemble=False).fit(X, Y[:, k])
        cc = clf.calibrated_classifiers_[0]
        coef[k] = cc.estimator.coef_[0]
        intercept[k] = cc.estimator.intercept_[0]
        cal_a[k], cal_b[k] = cc.calibrators[0].a_, cc.calibrators[0].b_
    features = SparseFeaturizer(ReportAnalyzer(words), vec.vocabulary_, vec.idf_, sublinear=True)
    return CategoryModel(
        keys=CATEGORIES, features=features, coef=coef, intercept=intercept, cal_a=cal_a, cal_b=cal_b,
        data_sha256=data_sha256, n_train=len(tokens), versions={"sklearn": sklearn.__version__},
    )


def train(labels_dir: str | Path) -> CategoryModel:
    """Build the model from a labels folder (relevant rows only)."""
    df = load_labels(labels_dir)
    df = df[df["relevant"]]
    words = userwords()
    return fit_model(analyze_all(with_context(df), words), label_matrix(df["labels"]), words,
                     labels_hash(labels_dir))


def save_model(model: CategoryModel, path: str | Path) -> None:
    """Pickle (xz-compressed) the model: plain arrays and dicts, no scikit-learn objects."""
    import lzma
    import pickle

    with lzma.open(path, "wb", preset=6) as f:
        pickle.dump(model, f, protocol=pickle.HIGHEST_PROTOCOL)


def main(args: argparse.Namespace) -> int:
    model = train(args.labels)
    out = Path(args.output) if args.output else MODEL_PATH
    save_model(model, out)
    counts = load_labels(args.labels).query("relevant")["labels"].explode().value_counts()
    print(f"trained on {model.n_train} activities; data sha256 {model.data_sha256}")
    print("class counts: " + ", ".join(f"{k}={int(counts.get(k, 0))}" for k in CATEGORIES))
    print(f"wrote {out} ({out.stat().st_size // 1024} KiB)")
    return 0
