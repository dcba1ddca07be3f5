"""Web pages: main text only, navigation and scripts gone, hostile markup harmless."""
import shutil

from pipeline.process import process_file
from reportgen import REPORT

PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>站点</title>
<script>document.write('<p>注入</p>'); alert(1)</script><style>p{{color:red}}</style></head>
<body><header><a href="/">首页</a> &gt; <a href="/a">工作动态</a></header>
<nav><ul><li>网站首页</li><li>通知公告</li></ul></nav>
<div class="main"><div class="article">
{paras}
</div><aside><p>相关文章：某某单位召开会议</p></aside></div>
<footer><p>版权所有 © 2023 某某网 京ICP备12345678号</p></footer></body></html>"""


def _page(text=REPORT):
    paras = "\n".join(f"<p>{line}</p>" for line in text.strip().split("\n"))
    return PAGE.format(paras=paras)


def test_html_main_text(tmp_path):
    p = tmp_path / "report.html"
    p.write_text(_page(), encoding="utf-8")
    res = process_file(p)
    assert res.status == "ok", res.error
    doc = res.documents[0]
    assert doc.text.split("\n")[0] == "XX县关工委2023年工作总结"
    for noise in ("首页", "网站首页", "注入", "alert", "相关文章", "版权所有", "color"):
        assert noise not in doc.text
    assert doc.doc_type == "summary" and doc.year == 2023 and doc.issued == "2023-12-20"
    loc = doc.locate(doc.text.index("全县共建立"))
    assert "html_block" in loc


def test_html_script_text_stays_text(tmp_path):
    body = REPORT.replace("圆满完成了全年各项任务", "圆满完成了&lt;script&gt;alert(2)&lt;/script&gt;任务")
    p = tmp_path / "x.htm"
    p.write_text(_page(body), encoding="utf-8")
    doc = process_file(p).documents[0]
    assert "<script>alert(2)</script>" in doc.text  # markup in a report is just characters


def test_hostile_nesting_and_gbk(tmp_path):
    deep = "<div>" * 20000 + "<p>" + "全年资助困难学生420名。" + "</p>" + "</div>" * 20000
    p = tmp_path / "deep.html"
    p.write_bytes(("<html><body>" + deep + "</body></html>").encode("gb18030"))
    res = process_file(p)
    assert res.status == "ok", res.error
    assert "420名" in res.documents[0].text


def test_legacy_doc_without_libreoffice_says_how(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    p = tmp_path / "old.doc"
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    res = process_file(p)
    assert res.status == "error"
    assert "old.doc" in res.error and "LibreOffice" in res.error and "apt-get install" in res.error
