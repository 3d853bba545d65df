"""Build ``airlib/report/templates/warning_letter.docx``, the 预警通知函 template (run once).

The committed .docx is what a bureau edits in Word (fonts, wording, the 联系人 line, its own
letterhead); this script only makes the shipped version reproducible::

    python scripts/make_letter_template.py            # writes the shipped template
    python scripts/make_letter_template.py OUT.docx   # writes elsewhere

The template is rendered by docxtpl (Jinja2 tags inside the Word text; see docs/report.md,
"预警通知函" for every tag). Each tag is written as one run so that Word keeps it whole.
Layout of a Chinese official letter (GB/T 9704 in outline): 发文单位 in red, 文号, a red
rule, the title 关于…的预警通知函, 主送, body, the table of reasons, the requirement with the
response deadline, 落款 (issuer) and date, 联系人 line.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "airlib" / "report" / "templates" / "warning_letter.docx"
RED = RGBColor(0xC0, 0x00, 0x00)
BODY_FONT, TITLE_FONT = "仿宋", "黑体"


def _font(run, name: str, size: float, *, bold: bool = False, color: RGBColor | None = None) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), name)


def _para(doc, text: str = "", *, size: float = 16, font: str = BODY_FONT, bold: bool = False,
          align=None, color: RGBColor | None = None, indent: bool = False, space_after: float = 0):
    p = doc.add_paragraph()
    if align is not None:
        p.alignment = align
    if indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    p.paragraph_format.space_after = Pt(space_after)
    p.paragraph_format.line_spacing = 1.35
    if text:
        _font(p.add_run(text), font, size, bold=bold, color=color)
    return p


def _red_rule(paragraph) -> None:
    """A red bottom border under ``paragraph`` (the 版头 separator line)."""
    ppr = paragraph._p.get_or_add_pPr()
    bdr = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for k, v in (("val", "single"), ("sz", "18"), ("space", "4"), ("color", "C00000")):
        bottom.set(qn(f"w:{k}"), v)
    bdr.append(bottom)
    ppr.append(bdr)


def _cell(cell, text: str, *, size: float = 11, bold: bool = False, align=WD_ALIGN_PARAGRAPH.LEFT) -> None:
    p = cell.paragraphs[0]
    p.alignment = align
    _font(p.add_run(text), BODY_FONT, size, bold=bold)


def build(out: Path) -> Path:
    """Write the template to ``out`` and return it."""
    doc = Document()
    sec = doc.sections[0]
    sec.page_height, sec.page_width = Cm(29.7), Cm(21.0)
    sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin = Cm(3.7), Cm(3.5), Cm(2.8), Cm(2.6)

    _para(doc, "{{ synthetic_note }}", size=10, align=WD_ALIGN_PARAGRAPH.RIGHT, color=RED)
    _para(doc, "{{ issuer }}", size=26, font=TITLE_FONT, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, color=RED,
          space_after=12)
    _red_rule(_para(doc, "{{ document_number }}", size=16, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=18))
    _para(doc, "{{ title }}", size=22, font=TITLE_FONT, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=18)
    _para(doc, "{{ addressee }}：")
    _para(doc, "{{ figures_text }}", indent=True)
    _para(doc, "根据{{ plans_text }}的有关规定，你单位本月存在以下{{ n_reasons }}项预警情形：", indent=True,
          space_after=6)

    table = doc.add_table(rows=4, cols=4)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, head in zip(table.rows[0].cells, ("序号", "预警情形", "具体情况", "依据条款"), strict=True):
        _cell(cell, head, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _cell(table.rows[1].cells[0], "{%tr for r in reasons %}")
    row = table.rows[2].cells
    _cell(row[0], "{{ r.no }}", align=WD_ALIGN_PARAGRAPH.CENTER)
    _cell(row[1], "{{ r.label }}")
    _cell(row[2], "{{ r.detail }}")
    _cell(row[3], "{{ r.clause }}")
    quote = row[3].add_paragraph()
    _font(quote.add_run("“{{ r.quote }}”"), BODY_FONT, 9)
    _cell(table.rows[3].cells[0], "{%tr endfor %}")
    for col, width in zip(table.columns, (Cm(1.3), Cm(3.2), Cm(6.0), Cm(5.1)), strict=True):
        for cell in col.cells:
            cell.width = width

    _para(doc, "")
    _para(doc, "请你单位高度重视，认真分析原因，制定并落实整改措施，于{{ deadline }}前将原因分析和整改措施"
               "书面报送我局。", indent=True)
    _para(doc, "特此函告。", indent=True, space_after=24)
    _para(doc, "{{ issuer }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _para(doc, "{{ issued }}", align=WD_ALIGN_PARAGRAPH.RIGHT, space_after=24)
    _para(doc, "（联系人：　　　　　　；联系电话：　　　　　　）", size=14)

    props = doc.core_properties
    props.title, props.author, props.comments = "预警通知函模板", "airlib", "airlib 预警通知函模板（docxtpl）"
    out.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(out))
    return out


if __name__ == "__main__":
    print(build(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT))
