from pipeline.process import process_text
from pipeline.spacy_doc import to_spacy

TEXT = """XX县关工委2023年工作总结
一、关爱帮扶
全年共筹集助学资金35.6万元，资助困难学生420名。组织“五老”开展普法讲座18场次。
二、存在的问题
一是工作经费不足；二是队伍年龄偏大。
"""


def test_to_spacy_sentences_and_spans():
    doc = process_text(TEXT, source="t.txt")[0]
    sdoc = to_spacy(doc)
    assert sdoc.text == doc.norm
    sents = [s.text.strip() for s in sdoc.sents]
    assert "全年共筹集助学资金35.6万元,资助困难学生420名。" in sents
    assert sdoc._.doc_type == "summary" and sdoc._.year == 2023
    roles = {s.label_ for s in sdoc.spans["sections"]}
    assert "problems" in roles
    qtexts = {s.text for s in sdoc.spans["quantities"]}
    assert any("420" in t for t in qtexts) == bool(doc.quantities)
