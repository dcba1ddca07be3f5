"""Cross-validated evaluation of the activity-category model.

Folds are grouped by source document (``GroupKFold`` on the ``doc`` field): no sentence
of a test document is ever in training, so the figure estimates performance on reports
the model has not seen.  Scores are multi-label: each of the 16 keys (``other``
included: a row is ``other`` when it has no real category) is a binary decision, and
macro-F1 is the unweighted mean of the per-key F1.  Rows with ``"relevant": false``
(non-关工委 articles, never classified by the pipeline) are left out and counted.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from pipeline.classify import CATEGORIES
from pipeline.train import (
    analyze_all, fit_model, label_matrix, labels_hash, load_labels, userwords, with_context,
)


def _vectorize_tokens(model, tokens: list[list[str]]):
    """TF-IDF of pre-analysed texts with the model's fitted vocabulary (no re-tokenising)."""
    return model.features.transform(tokens, analysed=True)


def _indicator(decided: list[list[tuple[str, float]]]) -> np.ndarray:
    P = np.zeros((len(decided), len(CATEGORIES)), dtype=int)
    for i, labels in enumerate(decided):
        for key, _ in labels:
            P[i, CATEGORIES.index(key)] = 1
    return P


def evaluate(labels_dir: str | Path = "corpus/labels", n_splits: int = 5) -> dict[str, Any]:
    """Grouped cross-validation figures: macro-F1, per-category P/R/F1, class counts."""
    from sklearn.metrics import f1_score, precision_recall_fscore_support
    from sklearn.model_selection import GroupKFold

    df = load_labels(labels_dir)
    excluded = int((~df["relevant"]).sum())
    df = df[df["relevant"]].reset_index(drop=True)
    words = userwords()
    tokens = analyze_all(with_context(df), words)
    Y = label_matrix(df["labels"])
    groups = df["doc"].to_numpy()
    n_splits = min(n_splits, len(set(groups)))
    pred = np.zeros_like(Y)
    for train_idx, test_idx in GroupKFold(n_splits=n_splits).split(tokens, Y, groups):
        model = fit_model([tokens[i] for i in train_idx], Y[train_idx], words)
        proba = model.proba_from_matrix(_vectorize_tokens(model, [tokens[i] for i in test_idx]))
        pred[test_idx] = _indicator(model.decide(proba))
    p, r, f, s = precision_recall_fscore_support(Y, pred, zero_division=0)
    exact = float((pred == Y).all(axis=1).mean())
    real = np.array([g.startswith("samples/") for g in groups])
    by_source = {
        name: {"n_sentences": int(mask.sum()),
               "macro_f1": float(f1_score(Y[mask], pred[mask], average="macro", zero_division=0))}
        for name, mask in (("samples", real), ("extra", ~real)) if mask.any()
    }
    return {
        "task": "categories",
        "labels_sha256": labels_hash(labels_dir),
        "n_sentences": int(len(df)),
        "n_documents": int(len(set(groups))),
        "n_excluded_irrelevant": excluded,
        "folds": n_splits,
        "macro_f1": float(np.mean(f)),
        "micro_f1": float(f1_score(Y, pred, average="micro", zero_division=0)),
        "exact_match": exact,
        "by_source": by_source,
        "per_category": {
            key: {"precision": float(p[k]), "recall": float(r[k]), "f1": float(f[k]), "support": int(s[k]),
                  "documents": int(len(set(groups[Y[:, k] == 1])))}
            for k, key in enumerate(CATEGORIES)
        },
    }


def format_report(d: dict[str, Any]) -> str:
    """Plain-text table of :func:`evaluate` figures."""
    lines = [
        f"Activity categories — {d['folds']}-fold cross-validation grouped by document",
        f"{d['n_sentences']} labelled activities from {d['n_documents']} documents "
        f"({d['n_excluded_irrelevant']} sentences of non-关工委 articles left out)",
        f"macro-F1 {d['macro_f1']:.3f}   micro-F1 {d['micro_f1']:.3f}   exact match {d['exact_match']:.3f}",
        "by source: " + "   ".join(f"{k} (n={v['n_sentences']}) macro-F1 {v['macro_f1']:.3f}"
                                   for k, v in d.get("by_source", {}).items()),
        "",
        f"{'category':30s} {'P':>6s} {'R':>6s} {'F1':>6s} {'n':>5s} {'docs':>5s}",
    ]
    for key, m in d["per_category"].items():
        lines.append(f"{key:30s} {m['precision']:6.3f} {m['recall']:6.3f} {m['f1']:6.3f} "
                     f"{m['support']:5d} {m['documents']:5d}")
    return "\n".join(lines)


if __name__ == "__main__":  # python -m pipeline.eval_categories [labels_dir]
    import sys

    print(format_report(evaluate(sys.argv[1] if len(sys.argv) > 1 else "corpus/labels")))
