"""Write one report text as .txt (several encodings), .docx and .pdf, for format tests."""
from __future__ import annotations

from pathlib import Path

REPORT = """XX县关工委2023年工作总结
市关工委：
2023年，在县委的领导下，县关工委团结带领广大“五老”，圆满完成了全年各项任务。现将有关情况报告如下：
一、加强组织建设，夯实工作基础
全县共建立乡镇关工委12个、村（社区）关工小组186个，配齐配强工作人员。
二、深化关爱帮扶，助力青少年成长
（一）开展助学活动。全年共筹集助学资金35.6万元，资助困难学生420名，其中高中生120名。
（二）关爱留守儿童。组织“五老”结对帮扶留守儿童近800名，开展心理健康讲座18场次，受教育学生6500多人次。
三、存在的问题
一是工作经费不足；二是“五老”队伍年龄偏大，后继乏人。
四、下一步工作打算
2024年，我们将继续加强组织建设，力争关爱帮扶覆盖率达到90%以上。
XX县关心下一代工作委员会
2023年12月20日
"""


def write_txt(path: Path, encoding: str, text: str = REPORT) -> Path:
    data = text.encode(encoding)
    if encoding == "utf-8-sig":
        pass
    path.write_bytes(data)
    return path


def write_docx(path: Path, text: str = REPORT) -> Path:
    import docx

    d = docx.Document()
    for line in text.strip("\n").split("\n"):
        d.add_paragraph(line)
    d.save(str(path))
    return path


def write_pdf(path: Path, text: str = REPORT) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    c.setFont("STSong-Light", 10)
    y = 800
    for line in text.strip("\n").split("\n"):
        # wrap long lines at 45 characters, as a PDF would
        while line:
            c.drawString(40, y, line[:45])
            line = line[45:]
            y -= 16
            if y < 60:
                c.showPage()
                c.setFont("STSong-Light", 10)
                y = 800
    c.save()
    return path


TABLE = [["项目", "人数（名）", "资金（万元）"], ["助学", "120", "35.6"], ["慰问", "80", "4"]]


def write_docx_with_table(path: Path, before: list[str], after: list[str] = (), rows=TABLE) -> Path:
    """A .docx: paragraphs ``before``, one table of ``rows``, paragraphs ``after``."""
    import docx

    d = docx.Document()
    for line in before:
        d.add_paragraph(line)
    t = d.add_table(rows=len(rows), cols=len(rows[0]))
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            t.cell(r, c).text = v
    for line in after:
        d.add_paragraph(line)
    d.save(str(path))
    return path


def write_pdf_with_table(path: Path, before: list[str], rows=TABLE) -> Path:
    """A one-page PDF: lines of text, then a ruled table (reportlab, STSong-Light)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = ParagraphStyle("zh", fontName="STSong-Light", fontSize=10, leading=16)
    table = Table(rows)
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), "STSong-Light"),
                               ("GRID", (0, 0), (-1, -1), 0.5, colors.black)]))
    doc = SimpleDocTemplate(str(path), pagesize=A4, invariant=1)
    doc.build([Paragraph(line, style) for line in before] + [table])
    return path
