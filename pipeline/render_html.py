"""report.html: one self-contained, offline page to browse a consolidation.

Filterable tables (unit, category, kind filters + text search), a chart of categories by
unit (and by year when several years exist) drawn as inline SVG by a small script, and
every number linked to its source: a click opens a panel with the sentence, the number
wrapped in ``<mark>``, the source file and the locator.  Aggregated numbers open all the
sentences they were summed from.

Report text is untrusted.  All data travels as JSON inside
``<script type="application/json">`` with ``<``, ``>``, ``&`` escaped as ``\\u003c`` …;
the script inserts it with ``textContent`` only, never ``innerHTML``.  No network: CSS and
JavaScript are inline, no CDN, no fonts to fetch.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import labels_zh as zh
from pipeline.consolidation import Consolidation
from pipeline.render_xlsx import category_totals

def _clean(v: Any) -> Any:
    """JSON-safe scalar: NaN/NA -> None, numpy -> Python."""
    if zh.is_missing(v):
        return None
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        v = v.item()
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
        return int(v)
    return v if isinstance(v, (bool, int, float, str)) else str(v)


def _s(v: Any) -> str:
    v = _clean(v)
    return "" if v is None else str(v)


def _mark(sentence: str, text: str, rel_start: Any, length: Any) -> tuple[int, int]:
    """Code-point offsets of the number inside its sentence, or (-1, -1)."""
    try:
        a, n = int(rel_start), int(length)
        if 0 <= a and a + n <= len(sentence) and n > 0 and (not text or sentence[a:a + n] == text):
            return a, a + n
    except (TypeError, ValueError):
        pass
    if text and text in sentence:
        a = sentence.index(text)
        return a, a + len(text)
    return -1, -1


def _summed_mask(q: pd.DataFrame) -> list[bool]:
    """Which quantity rows the aggregates added up (pipeline.aggregate's own rule)."""
    try:
        from pipeline.aggregate import summable
        keep = set(summable(q).index)
    except Exception:  # noqa: BLE001 - fall back to the basic rule
        keep = set(q.index[q["role"].astype(str) == "achieved"])
    return [i in keep for i in q.index]


def _quantities(cons: Consolidation, names: dict[str, str]) -> list[dict[str, Any]]:
    out = []
    summed = _summed_mask(cons.quantities)
    for i, r in enumerate(cons.quantities.itertuples()):
        sentence, text = _s(r.sentence_text), _s(r.text)
        try:
            rel, length = int(r.start) - int(r.sentence_start), int(r.end) - int(r.start)
        except (TypeError, ValueError):
            rel, length = None, None
        ms, me = _mark(sentence, text, rel, length)
        out.append({
            "i": i, "doc": _s(r.doc_id), "uid": _s(r.unit_id), "unit": names.get(_s(r.unit_id), _s(r.unit_id)),
            "year": _clean(r.year), "cat": _s(r.category), "kind": _s(r.kind), "text": text,
            "value": _clean(r.value), "low": _clean(r.low), "high": _clean(r.high),
            "approx": bool(_clean(r.approx)), "redacted": bool(_clean(r.redacted)),
            "subject": _s(r.subject), "role": _s(r.role), "source": _s(r.source),
            "loc": _s(r.locator), "start": _clean(r.start), "sent": sentence, "ms": ms, "me": me,
            "summed": summed[i],
        })
    return out


def _flags(cons: Consolidation, names: dict[str, str], qs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_pos = {(q["doc"], q["start"]): q for q in qs}
    out = []
    for r in cons.flags.itertuples():
        sentence, evidence = _s(r.sentence_text), _s(r.evidence)
        q = by_pos.get((_s(r.doc_id), _clean(r.start)))
        if q is not None and q["sent"] == sentence:
            ms, me = q["ms"], q["me"]
        else:
            ms, me = _mark(sentence, evidence, None, None)
        out.append({"uid": _s(r.unit_id), "unit": names.get(_s(r.unit_id), _s(r.unit_id)),
                    "type": _s(r.type), "severity": _s(r.severity), "message": _s(r.message),
                    "evidence": evidence, "source": _s(r.source), "sent": sentence,
                    "loc": q["loc"] if q else "", "ms": ms, "me": me,
                    "text": q["text"] if q else evidence})
    return out


def _aggregate_rows(df: pd.DataFrame, names: dict[str, str]) -> list[dict[str, Any]]:
    out = []
    for r in df.itertuples():
        uid = _s(getattr(r, "unit_id", ""))
        out.append({"uid": uid, "unit": names.get(uid, uid), "scope": _s(getattr(r, "scope", "")),
                    "year": _clean(r.year), "cat": _s(r.category), "kind": _s(r.kind),
                    "n_units": _clean(getattr(r, "n_units", None)),
                    "desc": zh.describe_total(r.kind, r.exact_sum, r.low_sum, r.high_sum,
                                              r.n_exact, r.n_approx, r.n_redacted)})
    return out


def payload(cons: Consolidation) -> dict[str, Any]:
    """Everything the page shows, as JSON-ready plain data."""
    names = {_s(r.unit_id): _s(r.unit_name) for r in cons.units.itertuples()}
    for r in cons.documents.itertuples():
        names.setdefault(_s(r.unit_id), _s(r.unit_name) or _s(r.unit_id))
    units = [{"id": _s(r.unit_id), "name": _s(r.unit_name), "parent": _s(r.parent_id),
              "level": _s(r.level), "has_report": bool(_clean(r.has_report))}
             for r in cons.units.itertuples()]
    known = {u["id"] for u in units}
    units += [{"id": uid, "name": n, "parent": "", "level": "", "has_report": True}
              for uid, n in names.items() if uid and uid not in known]
    qs = _quantities(cons, names)
    return {
        "run": {k: _clean(v) if not isinstance(v, (list, dict)) else None
                for k, v in (cons.run or {}).items()},
        "labels": {"category": zh.CATEGORY, "kind": zh.KIND, "role": zh.ROLE,
                   "gap_type": zh.GAP_TYPE, "flag_type": zh.FLAG_TYPE, "severity": zh.SEVERITY,
                   "level": zh.LEVEL, "scope": zh.SCOPE, "metric": zh.METRIC},
        "units": units,
        "n_documents": len(cons.documents),
        "quantities": qs,
        "totals": _aggregate_rows(category_totals(cons), names),
        "aggregates": _aggregate_rows(cons.aggregates, names),
        "gaps": [{"uid": _s(r.unit_id), "unit": names.get(_s(r.unit_id), _s(r.unit_id)),
                  "type": _s(r.gap_type), "item": _s(r.item), "detail": _s(r.detail)}
                 for r in cons.gaps.itertuples()],
        "problems": [{"uid": _s(r.unit_id), "unit": names.get(_s(r.unit_id), _s(r.unit_id)),
                      "theme": _s(r.theme), "text": _s(r.text), "doc": _s(r.doc_id)}
                     for r in cons.problems.itertuples()],
        "flags": _flags(cons, names, qs),
    }


def embed_json(data: Any) -> str:
    """JSON safe inside a <script> element: no "<", ">", "&", U+2028/9 left unescaped."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    for ch, esc in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"),
                    ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return text


def render(cons: Consolidation) -> str:
    """The whole page as a string."""
    return PAGE.replace("/*DATA*/", embed_json(payload(cons)), 1)


def write(cons: Consolidation, path: Path | str) -> Path:
    """Write ``report.html`` to ``path`` and return it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(cons), encoding="utf-8")
    return path


PAGE = r"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<link rel="icon" href="data:,">
<title>关心下一代工作汇总报告</title>
<style>
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:0;color:#222;background:#f7f7f5}
header{background:#8b1a1a;color:#fff;padding:12px 20px}header h1{margin:0;font-size:22px}#summary{margin:4px 0 0}
#filters{position:sticky;top:0;z-index:5;background:#fff;border-bottom:1px solid #ddd;padding:8px 20px;display:flex;flex-wrap:wrap;gap:12px;align-items:center}
#filters select,#filters input{font-size:14px;padding:2px 4px;max-width:240px}
nav{padding:6px 20px;font-size:14px}nav a{margin-right:14px;color:#8b1a1a}
main{padding:0 20px 40px}section{background:#fff;border:1px solid #e2e2e2;border-radius:4px;margin:14px 0;padding:8px 14px}
h2{font-size:18px;margin:6px 0}.count{font-size:13px;color:#666;font-weight:normal}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f0ebe4;position:sticky;top:46px}td.sent{max-width:420px;color:#444}
a.num{color:#0b57d0;text-decoration:underline;cursor:pointer}a.num:hover{background:#fff3bf}
#source-panel{position:fixed;top:0;right:0;width:min(460px,95vw);height:100vh;overflow:auto;background:#fffdf6;border-left:2px solid #8b1a1a;box-shadow:-4px 0 12px rgba(0,0,0,.15);z-index:10;padding:10px 14px;box-sizing:border-box}
#source-panel[hidden]{display:none}.panel-head{display:flex;justify-content:space-between;align-items:center}
.src{border-bottom:1px dashed #ccc;padding:6px 0}.meta{font-size:12px;color:#666;margin:2px 0}.sentence{margin:4px 0;line-height:1.7}
mark{background:#ffd43b;padding:0 1px}.chart svg{max-width:100%;height:auto}#legend span{display:inline-block;margin:2px 10px 2px 0;font-size:12px}
#legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle}.note{color:#a33;font-size:13px}
</style></head>
<body>
<header><h1>关心下一代工作汇总报告</h1><p id="summary"></p></header>
<div id="filters">
<label>单位 <select id="f-unit"><option value="">全部单位</option></select></label>
<label>工作类别 <select id="f-category"><option value="">全部类别</option></select></label>
<label>数量类型 <select id="f-kind"><option value="">全部类型</option></select></label>
<label>搜索 <input id="f-search" type="search" placeholder="原文、对象、单位…"></label>
<button id="f-reset" type="button">清除筛选</button>
</div>
<nav><a href="#sec-chart">图表</a><a href="#sec-quantities">数量明细</a><a href="#sec-totals">分类汇总</a><a href="#sec-aggregates">层级汇总</a><a href="#sec-gaps">缺口清单</a><a href="#sec-problems">存在问题</a><a href="#sec-flags">审计提示</a></nav>
<main>
<section id="sec-chart"><h2>各单位工作类别分布</h2>
<label>度量 <select id="c-measure"><option value="count">数字条数</option><option value="sum">数值合计（下限，需先选数量类型）</option></select></label> <span id="c-note" class="note"></span>
<div id="chart-unit" class="chart"></div><div id="chart-year-wrap" hidden><h3>按年度</h3><div id="chart-year" class="chart"></div></div><div id="legend"></div></section>
<section id="sec-quantities"><h2>数量明细 <span class="count" id="count-quantities"></span></h2><table id="quantities"><thead></thead><tbody></tbody></table></section>
<section id="sec-totals"><h2>分类汇总（各单位本级合计） <span class="count" id="count-totals"></span></h2><table id="totals"><thead></thead><tbody></tbody></table></section>
<section id="sec-aggregates"><h2>层级汇总 <span class="count" id="count-aggregates"></span></h2><table id="aggregates"><thead></thead><tbody></tbody></table></section>
<section id="sec-gaps"><h2>缺口清单 <span class="count" id="count-gaps"></span></h2><table id="gaps"><thead></thead><tbody></tbody></table></section>
<section id="sec-problems"><h2>存在问题 <span class="count" id="count-problems"></span></h2><table id="problems"><thead></thead><tbody></tbody></table></section>
<section id="sec-flags"><h2>审计提示 <span class="count" id="count-flags"></span></h2><table id="flags"><thead></thead><tbody></tbody></table></section>
</main>
<aside id="source-panel" hidden><div class="panel-head"><h2>原文出处</h2><button id="panel-close" type="button">关闭</button></div><div id="panel-body"></div></aside>
<script type="application/json" id="data">/*DATA*/</script>
<script>
(function () {
"use strict";
var D = JSON.parse(document.getElementById("data").textContent), L = D.labels, LIMIT = 1000;
var F = {unit: "", cat: "", kind: "", q: ""};
var COLORS = ["#c0392b","#e67e22","#2980b9","#27ae60","#8e44ad","#16a085","#d35400","#2c3e50","#f1c40f","#7f8c8d","#1abc9c","#e84393","#6c5ce7","#00b894","#b33771","#a0522d","#555"];
function $(id) { return document.getElementById(id); }
function has(o, k) { return Object.prototype.hasOwnProperty.call(o, k); }
function lab(t, k) { if (k === null || k === undefined || k === "") return ""; var m = L[t] || {}; return has(m, k) ? m[k] : String(k); }
function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined && text !== null) e.textContent = String(text); return e; }
function svg(tag, attrs, text) { var e = document.createElementNS("http://www.w3.org/2000/svg", tag); for (var k in attrs) e.setAttribute(k, attrs[k]); if (text !== undefined) e.textContent = String(text); return e; }
function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); }
var catByLabel = {};
Object.keys(L.category).forEach(function (k) { catByLabel[L.category[k]] = k; });
function catOf(c) { if (!c) return "other"; return has(L.category, c) ? c : has(catByLabel, c) ? catByLabel[c] : c; }
D.quantities.concat(D.totals, D.aggregates).forEach(function (r) { r.cat = catOf(r.cat); });
function theme(t) { return t === "other" ? "其他" : t; }
function fmt(v) { if (v === null || v === undefined) return ""; return Number.isInteger(v) ? String(v) : String(Math.round(v * 100) / 100); }
var children = {};
D.units.forEach(function (u) { if (u.parent) (children[u.parent] = children[u.parent] || []).push(u.id); });
function descendants(id) { var out = {}, stack = (children[id] || []).slice(); while (stack.length) { var c = stack.pop(); if (!out[c]) { out[c] = 1; stack = stack.concat(children[c] || []); } } return out; }
function hay(r) {
  if (r._hay === undefined) {
    var parts = [lab("category", r.cat), lab("kind", r.kind), lab("flag_type", r.type), lab("gap_type", r.type), lab("role", r.role)];
    for (var k in r) { var v = r[k]; if (typeof v === "string" || typeof v === "number") parts.push(String(v)); }
    r._hay = parts.join(" ").toLowerCase();
  }
  return r._hay;
}
function pass(r) {
  if (F.unit && r.uid && r.uid !== F.unit) return false;
  if (F.cat && r.cat !== undefined && r.cat !== F.cat) return false;
  if (F.kind && r.kind !== undefined && r.kind !== F.kind) return false;
  return !F.q || hay(r).indexOf(F.q) >= 0;
}
function contrib(r) {
  var units = null;
  if (r.uid && r.scope === "children") units = descendants(r.uid); else if (r.uid) { units = {}; units[r.uid] = 1; }
  return D.quantities.filter(function (q) {
    return q.summed && q.kind === r.kind && catOf(q.cat) === catOf(r.cat) && String(q.year) === String(r.year) && (!units || units[q.uid]);
  });
}
function showSources(title, items) {
  var body = $("panel-body"); clear(body);
  body.appendChild(el("h3", null, title));
  if (!items.length) body.appendChild(el("p", "note", "没有可显示的原句。"));
  items.slice(0, 300).forEach(function (it) {
    var box = el("div", "src");
    box.appendChild(el("p", "meta", [it.unit, it.source, it.loc].filter(Boolean).join(" · ")));
    var p = el("p", "sentence"), chars = Array.from(it.sent || "");
    if (it.ms >= 0 && it.me <= chars.length) {
      p.appendChild(document.createTextNode(chars.slice(0, it.ms).join("")));
      p.appendChild(el("mark", null, chars.slice(it.ms, it.me).join("")));
      p.appendChild(document.createTextNode(chars.slice(it.me).join("")));
    } else {
      p.textContent = it.sent || "（无原句）";
    }
    box.appendChild(p);
    if (it.ms < 0 && it.sent) box.appendChild(el("p", "meta", "未能在原句中定位“" + (it.text || "") + "”"));
    body.appendChild(box);
  });
  if (items.length > 300) body.appendChild(el("p", "note", "仅显示前300条，共" + items.length + "条。"));
  $("source-panel").hidden = false;
}
function aggLink(r) { showSources(lab("category", r.cat) + " · " + lab("kind", r.kind) + "：" + r.desc, contrib(r)); }
var TABLES = [
  {id: "quantities", rows: D.quantities, cols: [
    ["单位", function (r) { return r.unit; }], ["年度", function (r) { return r.year; }],
    ["工作类别", function (r) { return lab("category", r.cat); }], ["数量类型", function (r) { return lab("kind", r.kind); }],
    ["数字", function (r) { return r.text; }, function (r) { showSources("数字“" + r.text + "”的出处", [r]); }],
    ["数值", function (r) { return r.redacted ? "（已隐去）" : r.value !== null ? fmt(r.value) : fmt(r.low) + "–" + fmt(r.high); }],
    ["约数", function (r) { return r.approx ? "是" : ""; }], ["对象", function (r) { return r.subject; }],
    ["性质", function (r) { return lab("role", r.role); }], ["来源文件", function (r) { return r.source; }],
    ["出处", function (r) { return r.loc; }], ["原句", function (r) { return r.sent; }, null, "sent"]]},
  {id: "totals", rows: D.totals, cols: [
    ["年度", function (r) { return r.year; }], ["工作类别", function (r) { return lab("category", r.cat); }],
    ["数量类型", function (r) { return lab("kind", r.kind); }], ["单位数", function (r) { return r.n_units; }],
    ["合计", function (r) { return r.desc; }, aggLink]]},
  {id: "aggregates", rows: D.aggregates, cols: [
    ["单位", function (r) { return r.unit; }], ["范围", function (r) { return lab("scope", r.scope); }],
    ["年度", function (r) { return r.year; }], ["工作类别", function (r) { return lab("category", r.cat); }],
    ["数量类型", function (r) { return lab("kind", r.kind); }], ["合计", function (r) { return r.desc; }, aggLink]]},
  {id: "gaps", rows: D.gaps, cols: [
    ["单位", function (r) { return r.unit; }], ["缺口类型", function (r) { return lab("gap_type", r.type); }],
    ["项目", function (r) { return r.type === "missing_metric" ? lab("metric", r.item) : r.item; }], ["说明", function (r) { return r.detail; }]]},
  {id: "problems", rows: D.problems, cols: [
    ["问题主题", function (r) { return theme(r.theme); }], ["单位", function (r) { return r.unit; }],
    ["问题表述", function (r) { return r.text; }, null, "sent"]]},
  {id: "flags", rows: D.flags, cols: [
    ["提示类型", function (r) { return lab("flag_type", r.type); }], ["严重程度", function (r) { return lab("severity", r.severity); }],
    ["单位", function (r) { return r.unit; }], ["说明", function (r) { return r.message; }],
    ["依据", function (r) { return r.evidence; }, function (r) { showSources(lab("flag_type", r.type) + "：" + r.message, [r]); }],
    ["原句", function (r) { return r.sent; }, null, "sent"]]}
];
function renderTable(t) {
  var table = $(t.id), head = table.tHead, body = table.tBodies[0];
  if (!head.rows.length) { var hr = head.insertRow(); t.cols.forEach(function (c) { hr.appendChild(el("th", null, c[0])); }); }
  clear(body);
  var rows = t.rows.filter(pass);
  rows.slice(0, LIMIT).forEach(function (r) {
    var tr = body.insertRow();
    t.cols.forEach(function (c) {
      var td = tr.insertCell(), v = c[1](r), s = v === null || v === undefined ? "" : String(v);
      if (c[3]) td.className = c[3];
      if (c[2] && s) { var a = el("a", "num", s); a.href = "#"; a.addEventListener("click", function (ev) { ev.preventDefault(); c[2](r); }); td.appendChild(a); }
      else td.textContent = s;
    });
  });
  var msg = "显示 " + Math.min(rows.length, LIMIT) + " / " + t.rows.length + " 条" + (rows.length > LIMIT ? "（仅显示前" + LIMIT + "条，请筛选）" : "");
  $("count-" + t.id).textContent = msg;
}
var catKeys = Object.keys(L.category);
function catOrder(list) { return list.sort(function (a, b) { var i = catKeys.indexOf(a), j = catKeys.indexOf(b); i = i < 0 ? 99 : i; j = j < 0 ? 99 : j; return i - j || (a < b ? -1 : a > b ? 1 : 0); }); }
var allCats = catOrder(Array.from(new Set(D.quantities.map(function (q) { return q.cat; }).concat(D.aggregates.map(function (a) { return a.cat; })).filter(Boolean))));
function color(cat) { var i = allCats.indexOf(cat); return COLORS[(i < 0 ? COLORS.length - 1 : i) % COLORS.length]; }
function drawBars(box, groups) {
  clear(box);
  if (!groups.length) { box.appendChild(el("p", "note", "没有符合筛选条件的数字。")); return; }
  var W = 900, LW = 180, BH = 20, G = 8, H = groups.length * (BH + G) + 10;
  var max = Math.max.apply(null, groups.map(function (g) { return g.total; })) || 1;
  var s = svg("svg", {viewBox: "0 0 " + W + " " + H, width: W, height: H, role: "img"});
  groups.forEach(function (g, i) {
    var y = 5 + i * (BH + G), x = LW;
    s.appendChild(svg("text", {x: LW - 6, y: y + BH * 0.72, "text-anchor": "end", "font-size": 12}, g.label.length > 14 ? g.label.slice(0, 13) + "…" : g.label));
    allCats.forEach(function (c) {
      var v = g.values[c] || 0; if (!v) return;
      var w = Math.max(1, v / max * (W - LW - 70));
      var r = svg("rect", {x: x, y: y, width: w, height: BH, fill: color(c), "data-cat": c});
      r.appendChild(svg("title", {}, g.label + " · " + lab("category", c) + "：" + fmt(v)));
      s.appendChild(r); x += w;
    });
    s.appendChild(svg("text", {x: x + 4, y: y + BH * 0.72, "font-size": 11}, fmt(g.total)));
  });
  box.appendChild(s);
}
function group(rows, keyOf, labelOf, valueOf) {
  var m = {};
  rows.forEach(function (q) { var k = keyOf(q); var g = m[k] || (m[k] = {key: k, label: labelOf(q), values: {}, total: 0}); var v = valueOf(q); g.values[q.cat] = (g.values[q.cat] || 0) + v; g.total += v; });
  return Object.keys(m).map(function (k) { return m[k]; });
}
function renderCharts() {
  var rows = D.quantities.filter(pass), sum = $("c-measure").value === "sum";
  $("c-note").textContent = sum && !F.kind ? "不同类型的数字不能相加，请先选择数量类型；当前显示数字条数。" : "";
  sum = sum && !!F.kind;
  var value = sum ? function (q) { return q.redacted ? 0 : (q.low !== null ? q.low : (q.value || 0)); } : function () { return 1; };
  var byUnit = group(rows, function (q) { return q.uid; }, function (q) { return q.unit || "（未匹配单位）"; }, value).sort(function (a, b) { return b.total - a.total; });
  drawBars($("chart-unit"), byUnit);
  var years = Array.from(new Set(D.quantities.map(function (q) { return q.year; }).filter(function (y) { return y !== null; })));
  $("chart-year-wrap").hidden = years.length < 2;
  if (years.length >= 2) drawBars($("chart-year"), group(rows, function (q) { return String(q.year); }, function (q) { return q.year === null ? "未知年度" : q.year + "年"; }, value).sort(function (a, b) { return a.key < b.key ? -1 : 1; }));
  var lg = $("legend"); clear(lg);
  allCats.forEach(function (c) { var sp = el("span"), sw = el("i"); sw.style.backgroundColor = color(c); sp.appendChild(sw); sp.appendChild(document.createTextNode(lab("category", c))); lg.appendChild(sp); });
}
function renderAll() { TABLES.forEach(renderTable); renderCharts(); }
function options(sel, pairs) { pairs.forEach(function (p) { var o = el("option", null, p[1]); o.value = p[0]; sel.appendChild(o); }); }
var unitPairs = D.units.filter(function (u) { return u.id; }).map(function (u) { return [u.id, u.name || u.id]; }).sort(function (a, b) { return a[1].localeCompare(b[1], "zh"); });
options($("f-unit"), unitPairs);
options($("f-category"), allCats.map(function (c) { return [c, lab("category", c)]; }));
var kinds = Array.from(new Set(D.quantities.map(function (q) { return q.kind; }).concat(D.aggregates.map(function (a) { return a.kind; })).filter(Boolean)));
options($("f-kind"), kinds.map(function (k) { return [k, lab("kind", k)]; }));
$("f-unit").addEventListener("change", function (e) { F.unit = e.target.value; renderAll(); });
$("f-category").addEventListener("change", function (e) { F.cat = e.target.value; renderAll(); });
$("f-kind").addEventListener("change", function (e) { F.kind = e.target.value; renderAll(); });
$("f-search").addEventListener("input", function (e) { F.q = e.target.value.trim().toLowerCase(); renderAll(); });
$("c-measure").addEventListener("change", renderCharts);
$("f-reset").addEventListener("click", function () { F = {unit: "", cat: "", kind: "", q: ""}; ["f-unit", "f-category", "f-kind", "f-search"].forEach(function (id) { $(id).value = ""; }); renderAll(); });
$("panel-close").addEventListener("click", function () { $("source-panel").hidden = true; });
document.addEventListener("keydown", function (e) { if (e.key === "Escape") $("source-panel").hidden = true; });
var run = D.run || {};
$("summary").textContent = D.units.length + "个单位 · " + D.n_documents + "份材料 · " + D.quantities.length + "处数字 · " + D.problems.length + "条问题 · " + D.flags.length + "条审计提示" + (run.run_id ? " · 运行编号 " + run.run_id : "") + (run.finished ? " · " + run.finished : "");
renderAll();
document.body.setAttribute("data-ready", "1");
})();
</script>
</body></html>
"""
