"""Activity segmentation, the labelled corpus, the shipped category model and its use."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import yaml

from extractors.activities import heading_context, is_heading, simple_sentences, split_activities
from pipeline.classify import CATEGORIES, OTHER, classify_document, load_model
from pipeline.document import Document
from pipeline.train import labels_hash, load_labels, train

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "corpus" / "labels"
CJK = re.compile(r"[\u3400-\u9fff]")

# Written for this test (not in corpus/labels): one clear activity each.
FRESH = [
    ("县司法局干警走进实验中学举办普法讲座，讲解《未成年人保护法》和校园欺凌的法律后果。", "legal_education"),
    ("中秋节前夕，镇关工委走访慰问留守儿童15名，为他们送去月饼和学习用品。", "care_assistance"),
    ("协调县人民医院为全县小学生免费开展眼健康筛查，建立视力档案。", "health"),
    ("街道关工委举办家长学校培训班，邀请专家为200名家长讲授家庭教育方法。", "family_education"),
    ("“五老”网吧义务监督员对城区网吧开展暗访，发现接纳未成年人问题及时报告文化执法部门。", "environment_governance"),
    ("清明节期间，组织300名中学生到烈士陵园祭扫，缅怀革命先烈。", "red_heritage_patriotic"),
    ("全年向市关工委报送工作信息35条，编发工作简报6期。", "publicity"),
    ("组织退休科技人员到乡村小学开展科普讲座和科学小实验展示。", "science_tech"),
    ("县财政将关工委工作经费纳入年度预算，并调整充实了乡镇关工委领导班子。", "organization_building"),
    ("特此报告。", OTHER),
]


@pytest.fixture(scope="module")
def labels():
    return load_labels(LABELS)


@pytest.fixture(scope="module")
def model():
    return load_model()


# --- activity segmentation ------------------------------------------------------------

def test_split_activities_cuts_enumerations_and_semicolons():
    text = "存在的问题:一是队伍建设有待加强;二是经费不足,活动难以开展。针对问题,重点做好以下工作:一是吸纳新退休人员;二是抓好培训。"
    spans = split_activities(text, simple_sentences(text))
    units = [text[a:b] for a, b in spans]
    assert "一是队伍建设有待加强;" in units
    assert "二是经费不足,活动难以开展。" in units
    assert units[-1] == "二是抓好培训。"
    # never cut inside quotes or a decimal number
    text2 = "组织了“守护眼健康?睛彩向未来”绘画大赛,筹措资金1.5万元;开展讲座3场。"
    units2 = [text2[a:b] for a, b in split_activities(text2, [(0, len(text2))])]
    assert units2 == ["组织了“守护眼健康?睛彩向未来”绘画大赛,筹措资金1.5万元;", "开展讲座3场。"]


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "corpus" / "samples").iterdir()))
def test_split_activities_covers_every_sentence_in_order(name):
    text = (ROOT / "corpus" / "samples" / name).read_text("utf-8")
    sentences = simple_sentences(text)
    spans = split_activities(text, sentences)
    assert len(spans) >= len(sentences)
    assert all(a < b for a, b in spans)
    assert all(b1 <= a2 for (_, b1), (a2, _) in zip(spans, spans[1:]))  # ordered, disjoint
    covered = sum(len(CJK.findall(text[a:b])) for a, b in spans)
    assert covered == sum(len(CJK.findall(text[a:b])) for a, b in sentences)  # nothing lost


def test_heading_context_points_to_the_nearest_heading():
    units = ["四、加强青少年法治教育", "聘请法治副校长61名。", "共发放宣传资料600余份。", "(二)关爱留守儿童。", "走访120户。"]
    assert [is_heading(u) for u in units] == [True, False, False, True, False]
    assert heading_context(units) == ["", units[0], units[0], units[0], units[3]]


# --- labelled corpus and taxonomy -----------------------------------------------------

def test_taxonomy_defines_every_key():
    tax = yaml.safe_load((ROOT / "corpus" / "taxonomy.yaml").read_text("utf-8"))["categories"]
    assert tuple(tax) == CATEGORIES
    for key, entry in tax.items():
        assert entry["label"] and entry["definition"] and len(entry["examples"]) >= 4, key


def test_labels_are_real_sentences_of_their_documents(labels):
    assert len(labels) >= 800 and labels["id"].is_unique
    texts = {}
    for row in labels.itertuples():
        path = ROOT / "corpus" / row.doc if row.doc.startswith("samples/") else LABELS / row.doc
        texts.setdefault(row.doc, path.read_text("utf-8"))
        assert row.text in texts[row.doc], row.id
        assert row.labels and (row.labels == [OTHER] or OTHER not in row.labels), row.id
    irrelevant = labels[~labels["relevant"]]
    assert set(irrelevant["doc"]) == {"samples/2015-2020_town_six-good-compilation.txt"}
    assert all(labs == [OTHER] for labs in irrelevant["labels"])


def test_every_category_has_enough_sentences_and_documents(labels):
    rel = labels[labels["relevant"]]
    counts = Counter(lab for labs in rel["labels"] for lab in labs)
    docs = {key: {d for d, labs in zip(rel["doc"], rel["labels"]) if key in labs} for key in CATEGORIES}
    for key in CATEGORIES:
        assert counts[key] >= 40 and len(docs[key]) >= 5, (key, counts[key], len(docs[key]))
    assert sum(d.startswith("samples/") for d in set(rel["doc"])) == 5


# --- the shipped model ----------------------------------------------------------------

def test_shipped_model_is_stamped_with_the_labels_hash(model):
    assert model.data_sha256 == labels_hash(LABELS), "labels changed: run `ngreport train`"
    assert model.keys == CATEGORIES
    assert load_model() is model  # loaded once per process


def test_training_reproduces_the_shipped_model(model, labels):
    rebuilt = train(LABELS)
    assert rebuilt.data_sha256 == model.data_sha256
    probe = [t for t, _ in FRESH] + labels["text"].sample(150, random_state=1).tolist()
    np.testing.assert_allclose(rebuilt.predict_proba(probe), model.predict_proba(probe), atol=1e-6)


@pytest.mark.parametrize("words", [False, True])
def test_fast_featurizer_equals_scikit_learns_vectorizer(labels, words):
    """The featurizer used at run time gives a fitted TfidfVectorizer's own rows (with
    and without jieba words) on every sample's activities with their headings."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from extractors.features import ReportAnalyzer, SparseFeaturizer
    from pipeline.train import userwords, with_context

    an = ReportAnalyzer(userwords(), words=words)
    vec = TfidfVectorizer(analyzer=an, sublinear_tf=True, dtype=np.float32)
    vec.fit(with_context(labels.sample(600, random_state=0).sort_index()))
    fast = SparseFeaturizer(an, vec.vocabulary_, vec.idf_, sublinear=True)
    n = 0
    for path in sorted((ROOT / "corpus" / "samples").glob("*.txt")):
        text = path.read_text("utf-8")
        units = [text[a:b] for a, b in split_activities(text, simple_sentences(text))]
        probe = list(zip(units, heading_context(units))) + units[:5] + ["", "2022"]
        np.testing.assert_allclose(fast.transform(probe).toarray(),
                                   vec.transform(probe).toarray(), atol=1e-6)
        n += len(probe)
    assert n > 300


def test_model_scores_without_scipy_equal_the_sparse_product(model, labels):
    probe = [t for t, _ in FRESH] + labels["text"].sample(100, random_state=2).tolist() + [""]
    np.testing.assert_allclose(model.predict_proba(probe),
                               model.proba_from_matrix(model.features.transform(probe)), atol=1e-6)


def test_fresh_sentences_get_their_category(model, labels):
    known = set(labels["text"])
    assert not any(t in known for t, _ in FRESH)
    predicted = [labs[0][0] for labs in model.predict([t for t, _ in FRESH])]
    assert predicted == [cat for _, cat in FRESH]


def test_grouped_cross_validation_macro_f1():
    from pipeline.eval_categories import evaluate, format_report

    d = evaluate(LABELS, n_splits=5)
    report = format_report(d)
    assert d["n_documents"] >= 50 and d["n_excluded_irrelevant"] > 0
    assert set(d["per_category"]) == set(CATEGORIES)
    assert d["macro_f1"] >= 0.85, report
    assert "macro-F1" in report and "environment_governance" in report


# --- classify_document ----------------------------------------------------------------

def _doc(text: str, relevant: bool = True, quantities=None) -> Document:
    return Document(source="t.txt", sha256="0" * 64, article=1, text=text, norm=text,
                    relevant=relevant, quantities=quantities or [])


REPORT = ("二、开展法治教育\n全县聘请法治副校长61名,开展法治讲座52场。\n"
          "三、关爱留守儿童\n一是春节期间慰问困境儿童486人,送去慰问金19.3万元;二是组织“五老”与留守儿童结对帮扶。\n"
          "特此报告。\n")


def test_classify_document_fills_activities_categories_and_quantity_categories(model):
    i_people = REPORT.index("486人")
    i_talks = REPORT.index("52场")
    doc = _doc(REPORT, quantities=[{"start": i_talks, "end": i_talks + 3, "text": "52场"},
                                   {"start": i_people, "end": i_people + 4, "text": "486人"}])
    classify_document(doc, model)
    assert doc.activities and all(set(a) == {"start", "end", "category", "probability", "labels", "quantities"}
                                  for a in doc.activities)
    assert "legal_education" in doc.categories and "care_assistance" in doc.categories
    assert OTHER not in doc.categories and doc.categories == sorted(doc.categories)
    assert [q["category"] for q in doc.quantities] == ["legal_education", "care_assistance"]
    for act in doc.activities:
        for qi in act["quantities"]:
            assert act["start"] <= doc.quantities[qi]["start"] < act["end"]
        assert act["labels"][0]["key"] == act["category"]
    assert doc.activities[-1]["category"] == OTHER  # 特此报告


def test_irrelevant_document_gets_only_other(model):
    doc = _doc(REPORT, relevant=False, quantities=[{"start": REPORT.index("486人"), "end": 0}])
    classify_document(doc, model)
    assert doc.activities and {a["category"] for a in doc.activities} == {OTHER}
    assert doc.categories == [OTHER] and doc.quantities[0]["category"] == OTHER


def test_samples_through_the_pipeline(sample_results):
    seen_irrelevant = False
    for res in sample_results.values():
        for doc in res.documents:
            assert doc.categories
            assert all(q.get("category") in CATEGORIES for q in doc.quantities)
            if not doc.relevant:
                seen_irrelevant = True
                assert doc.categories == [OTHER]
    assert seen_irrelevant  # the compilation's trade-union / police articles
