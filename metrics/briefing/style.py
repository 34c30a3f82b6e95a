"""The look of a government document (GB/T 9704) in python-docx: A4, its margins, and the
fonts by role — 方正小标宋简体 for the title, 黑体 / 楷体 for headings, 仿宋_GB2312 for the
body — written into the .docx by name. Where a reader lacks them, Word takes the
alternative named in the font table (Noto CJK, which fonts-noto-cjk installs) and
LibreOffice asks fontconfig, which substitutes a CJK face of the same kind.
"""

from __future__ import annotations

from dataclasses import dataclass

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table
from lxml import etree


@dataclass(frozen=True)
class Fonts:
    """(latin, east asian) font names per role, and point sizes."""

    title: tuple[str, str]
    heading: tuple[str, str]
    subheading: tuple[str, str]
    body: tuple[str, str]
    title_pt: float = 22  # 二号
    heading_pt: float = 16  # 三号
    body_pt: float = 16  # 三号
    table_pt: float = 10.5  # 五号


ZH = Fonts(
    title=("Times New Roman", "方正小标宋简体"),
    heading=("Times New Roman", "黑体"),
    subheading=("Times New Roman", "楷体_GB2312"),
    body=("Times New Roman", "仿宋_GB2312"),
)
EN = Fonts(
    title=("Times New Roman", "方正小标宋简体"),
    heading=("Arial", "黑体"),
    subheading=("Arial", "楷体_GB2312"),
    body=("Times New Roman", "仿宋_GB2312"),
    title_pt=18,
    heading_pt=14,
    body_pt=12,
    table_pt=9,
)

#: What a reader without the government fonts uses instead (fonts-noto-cjk).
ALTERNATIVES = {
    "方正小标宋简体": "Noto Serif CJK SC",
    "黑体": "Noto Sans CJK SC",
    "楷体_GB2312": "Noto Serif CJK SC",
    "仿宋_GB2312": "Noto Serif CJK SC",
}

RED = RGBColor(0xC0, 0x00, 0x00)


def fonts_for(lang: str) -> Fonts:
    return EN if lang == "en" else ZH


def _set_fonts(rpr_owner, latin: str, east: str) -> None:  # type: ignore[no-untyped-def]
    """Latin and East Asian font names on a style's or a run's properties."""
    rpr = rpr_owner.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        rfonts.set(qn(attr), latin)
    rfonts.set(qn("w:eastAsia"), east)


def new_document(lang: str) -> DocumentObject:
    """An empty A4 document with the body font, margins and font alternatives set."""
    doc = Document()
    fonts = fonts_for(lang)
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(fonts.body_pt)
    _set_fonts(normal.element, *fonts.body)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = Pt(fonts.body_pt * 1.75)
    lang_el = normal.element.get_or_add_rPr().find(qn("w:lang"))
    if lang_el is None:
        lang_el = OxmlElement("w:lang")
        normal.element.get_or_add_rPr().append(lang_el)
    lang_el.set(qn("w:eastAsia"), "zh-CN")
    lang_el.set(qn("w:val"), "en-GB" if lang == "en" else "zh-CN")
    _font_alternatives(doc)
    return doc


def _font_alternatives(doc: DocumentObject) -> None:
    """Name a Noto CJK alternative for each government font in word/fontTable.xml."""
    part = next(
        (p for p in doc.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml"),
        None,
    )
    if part is None or not hasattr(part, "_blob"):
        return
    root = etree.fromstring(part.blob)
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    for name, alt in ALTERNATIVES.items():
        font = etree.SubElement(root, f"{{{w}}}font")
        font.set(f"{{{w}}}name", name)
        alt_el = etree.SubElement(font, f"{{{w}}}altName")
        alt_el.set(f"{{{w}}}val", alt)
        charset = etree.SubElement(font, f"{{{w}}}charset")
        charset.set(f"{{{w}}}val", "86")  # GB2312
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def run(paragraph, text: str, font: tuple[str, str], size: float, bold: bool = False, color=None):  # type: ignore[no-untyped-def]
    """A run of text in the given fonts."""
    r = paragraph.add_run(text)
    r.font.size = Pt(size)
    r.font.bold = bold
    if color is not None:
        r.font.color.rgb = color
    _set_fonts(r._element, *font)
    return r


def title(doc: DocumentObject, text: str, lang: str) -> None:
    fonts = fonts_for(lang)
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.line_spacing = Pt(fonts.title_pt * 1.5)
    p.paragraph_format.space_after = Pt(fonts.body_pt)
    run(p, text, fonts.title, fonts.title_pt)


def document_line(doc: DocumentObject, left: str, right: str, lang: str) -> None:
    """The number under the title, then issuer and date over a red rule (版头分隔线)."""
    fonts = fonts_for(lang)
    number = doc.add_paragraph()
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run(number, left, fonts.body, fonts.body_pt)
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run(p, right, fonts.body, fonts.body_pt * 0.8)
    ppr = p._p.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (
        ("w:val", "single"),
        ("w:sz", "12"),
        ("w:space", "6"),
        ("w:color", "C00000"),
    ):
        bottom.set(qn(key), value)
    border.append(bottom)
    ppr.append(border)
    p.paragraph_format.space_after = Pt(fonts.body_pt)


def heading(doc: DocumentObject, text: str, lang: str, level: int = 1) -> None:
    fonts = fonts_for(lang)
    p = doc.add_paragraph()
    p.paragraph_format.first_line_indent = Pt(fonts.body_pt * 2)
    p.paragraph_format.keep_with_next = True
    font = fonts.heading if level == 1 else fonts.subheading
    run(p, text, font, fonts.heading_pt, bold=lang == "en" or level > 1)


def body(doc: DocumentObject, text: str, lang: str, align_right: bool = False, indent: bool = True):  # type: ignore[no-untyped-def]
    fonts = fonts_for(lang)
    p = doc.add_paragraph()
    if align_right:
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    elif indent:
        p.paragraph_format.first_line_indent = Pt(fonts.body_pt * 2)
    run(p, text, fonts.body, fonts.body_pt)
    return p


def table(
    doc: DocumentObject,
    header: list[str],
    rows: list[list[str]],
    lang: str,
    widths_cm: list[float] | None = None,
) -> Table:
    """A bordered table, header row in bold and repeated on each page."""
    fonts = fonts_for(lang)
    tbl = doc.add_table(rows=1, cols=len(header))
    tbl.style = "Table Grid"
    tbl.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(tbl.rows[0].cells, header, strict=True):
        cell.text = ""
        para = cell.paragraphs[0]
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        para.paragraph_format.line_spacing = 1.0
        run(para, text, fonts.heading, fonts.table_pt, bold=True)
    tr_pr = tbl.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    tr_pr.append(repeat)
    for values in rows:
        row = tbl.add_row()
        no_split = OxmlElement("w:cantSplit")  # a row stays on one page
        no_split.set(qn("w:val"), "true")
        row._tr.get_or_add_trPr().append(no_split)
        cells = row.cells
        for cell, text in zip(cells, values, strict=True):
            cell.text = ""
            para = cell.paragraphs[0]
            para.paragraph_format.line_spacing = 1.0
            run(para, text, fonts.body, fonts.table_pt)
    if widths_cm:  # Word reads the cells' widths, LibreOffice the grid's: set both
        tbl.autofit = False
        for column, width in zip(tbl.columns, widths_cm, strict=True):
            column.width = Cm(width)
        for row in tbl.rows:
            for cell, width in zip(row.cells, widths_cm, strict=True):
                cell.width = Cm(width)
    doc.add_paragraph()
    return tbl


def landscape(doc: DocumentObject) -> None:
    """Start a new landscape page (wide tables)."""
    section = doc.add_section()
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21)
    section.left_margin, section.right_margin = Cm(2.5), Cm(2.5)
    section.top_margin, section.bottom_margin = Cm(2.8), Cm(2.6)


def portrait(doc: DocumentObject) -> None:
    section = doc.add_section()
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)


def picture(doc: DocumentObject, png: bytes, width_cm: float = 15.5) -> None:
    import io

    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.line_spacing = 1.0  # the body's exact spacing would crop the image
    p.add_run().add_picture(io.BytesIO(png), width=Cm(width_cm))


def to_bytes(doc: DocumentObject) -> bytes:
    import io

    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
