"""Web pages saved as .html/.htm: the main text only, scripts and markup never executed.

Main-text detection is a small density heuristic over selectolax's (lexbor) parse tree:
drop script/style/nav/header/footer/aside/form, then keep the container whose paragraph
text is largest; its block-level descendants become paragraphs in reading order.
"""
from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from pipeline.readers.base import Block, RawFile, ReadError
from pipeline.readers.text import decode

_DROP = "script, style, noscript, nav, header, footer, aside, form, iframe, select, button, svg, template, object, embed"
_BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "pre", "blockquote", "dd", "dt"}
_CONTAINERS = "article, main, section, div, td, body"


def _text(node) -> str:
    return " ".join(node.text(deep=True, separator="").split())


def read_html(path: str, data: bytes, sha256: str) -> RawFile:
    source, enc = decode(data, path)
    try:
        tree = HTMLParser(source)
    except Exception as e:
        raise ReadError(f"unparsable HTML ({e})") from None
    for node in tree.css(_DROP):
        node.decompose()
    body = tree.body
    if body is None:
        raise ReadError("HTML has no body text")
    scored = [(sum(len(_text(p)) for p in node.css("p")), node) for node in tree.css(_CONTAINERS)]
    top = max((s for s, _ in scored), default=0)
    best = body
    if top:
        # the deepest container (document order puts descendants last) that still holds
        # most of the paragraph text: the article, not the page around it
        best = [n for s, n in scored if s >= 0.85 * top][-1]
    raw = RawFile(path=path, sha256=sha256, format="html", encoding=enc)
    i = 0
    for node in best.traverse(include_text=False):
        if node.tag in _BLOCKS and not any(p.tag in _BLOCKS for p in _ancestors(node, best)):
            text = _text(node)
            if text:
                raw.blocks.append(Block(text=text, locator={"html_block": i, "char": 0}))
                i += 1
    if not raw.blocks:  # no block markup at all: fall back to the body's lines
        for line in body.text(separator="\n").splitlines():
            line = " ".join(line.split())
            if line:
                raw.blocks.append(Block(text=line, locator={"html_block": i, "char": 0}))
                i += 1
    if not raw.blocks:
        raise ReadError("HTML has no main text")
    return raw


def _ancestors(node, stop):
    p = node.parent
    while p is not None and p is not stop and p.mem_id != stop.mem_id:
        yield p
        p = p.parent
