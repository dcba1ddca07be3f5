"""Plain-text reports (.txt, .md) in any common Chinese encoding, detected by charset-normalizer."""
from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from pipeline.readers.base import Block, RawFile, ReadError

_BOMS = [
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]


def _plausible(text: str) -> float:
    """Share of characters that ordinary Chinese report text is made of."""
    if not text:
        return 0.0
    ok = sum(1 for c in text if "\u4e00" <= c <= "\u9fff" or " " <= c <= "~" or c in "\r\n\t"
             or "\u3000" <= c <= "\u303f" or "\uff00" <= c <= "\uffef" or "\u2000" <= c <= "\u206f")
    return ok / len(text)


def _bomless_utf16(data: bytes) -> str | None:
    """UTF-16 without BOM: decode both ways and keep the one that reads as text."""
    if len(data) % 2:
        return None
    sample = data[:8192]
    best, score = None, 0.0
    for enc in ("utf-16-le", "utf-16-be"):
        try:
            sc = _plausible(sample.decode(enc, errors="strict"))
        except UnicodeDecodeError:
            continue
        if sc > score:
            best, score = enc, sc
    return best if score > 0.97 else None


def decode(data: bytes, name: str) -> tuple[str, str]:
    """Decode report bytes; return (text, encoding) or raise ReadError."""
    if not data.strip():
        raise ReadError("empty file")
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError as e:
                raise ReadError(f"undecodable {enc} text ({e.reason} at byte {e.start})") from None
    if b"\x00" not in data[:65536]:
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
    enc = _bomless_utf16(data)
    if enc:
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            pass
    if b"\x00" in data[:65536]:
        raise ReadError("binary data, not text (NUL bytes in a text file)")
    # charset-normalizer proposes; Chinese reports break ties towards GB18030/Big5, and
    # the candidate whose characters read as ordinary report text wins
    sample = data[: 256 * 1024]
    candidates = []
    best = from_bytes(sample).best()
    if best is not None:
        candidates.append("gb18030" if best.encoding in ("gb2312", "gbk", "hz") else best.encoding)
    candidates += ["gb18030", "big5"]
    scored = []
    for enc in dict.fromkeys(candidates):
        try:
            scored.append((_plausible(sample.decode(enc, errors="ignore")), enc))
        except LookupError:
            continue
    score, enc = max(scored) if scored else (0.0, None)
    if enc is None or score < 0.9:
        raise ReadError("undecodable bytes: no text encoding fits (binary or corrupt file)")
    try:
        text = data.decode(enc)
    except UnicodeDecodeError as e:
        raise ReadError(f"undecodable bytes ({enc} fails at byte {e.start})") from None
    if _looks_binary(text):
        raise ReadError("binary data, not text")
    return text, enc


_BINARY = re.compile("[\x00-\x08\x0b\x0e-\x1f\ufffd]")  # control characters text never has


def _looks_binary(text: str) -> bool:
    sample = text[:20000]
    if not sample:
        return False
    return len(_BINARY.findall(sample)) > 0.02 * len(sample)


def read_text(path: str, data: bytes, sha256: str) -> RawFile:
    text, enc = decode(data, path)
    if _looks_binary(text):
        raise ReadError("binary data, not text")
    raw = RawFile(path=path, sha256=sha256, format="txt", encoding=enc)
    raw.blocks = lines_to_blocks(text)
    return raw


def lines_to_blocks(text: str, extra: dict | None = None) -> list[Block]:
    """Split decoded text into line blocks; ``char`` is the line's offset in ``text``."""
    blocks = []
    pos = 0
    for i, line in enumerate(text.splitlines(keepends=True), start=1):
        body = line.rstrip("\r\n\u2028\u2029\x0b\x0c\x1c\x1d\x1e\x85")
        loc = {"line": i, "char": pos}
        if extra:
            loc.update(extra)
        blocks.append(Block(text=body, locator=loc, kind="line"))
        pos += len(line)
    return blocks
