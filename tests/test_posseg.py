"""extractors.features._posseg: jieba.posseg imported with its tag table read in one go is
the table jieba reads line by line, for jieba's own dictionary and for a dictionary whose
lines do not all hold three fields (read as jieba reads it)."""
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHECK = textwrap.dedent("""
    import sys
    import jieba
    jieba.setLogLevel(60)
    if len(sys.argv) > 1:
        jieba.set_dictionary(sys.argv[1])
    from extractors.features import _posseg
    posseg = _posseg()
    slow = posseg.POSTokenizer.__new__(posseg.POSTokenizer)
    slow.load_word_tag(jieba.dt.get_dict_file())
    assert posseg.dt.word_tag_tab == slow.word_tag_tab, "tables differ"
    assert posseg is sys.modules["jieba.posseg"] and posseg.dt.tokenizer is jieba.dt
    assert "get_dict_file" not in vars(jieba.dt)  # the method is jieba's own again
    print(len(slow.word_tag_tab))
""")


def _run(*args: str) -> int:
    out = subprocess.run([sys.executable, "-c", CHECK, *args], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return int(out.stdout.split()[-1])


def test_jiebas_dictionary_gives_the_same_tags():
    assert _run() > 300_000


def test_a_dictionary_with_a_spaced_word_is_read_as_jieba_reads_it(tmp_path):
    d = tmp_path / "dict.txt"
    # "关\u3000工委" splits into two fields on any whitespace, one on a space
    d.write_text("关工委 100 nt\n关\u3000工委 3 n\n五老 50 n\n", encoding="utf-8")
    assert _run(str(d)) == 3
