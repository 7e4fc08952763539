"""The report's tables as one spreadsheet workbook (``report.xlsx``), for Excel as set up in
the Netherlands.

The CSV files are comma-separated with decimal points: a Dutch Excel, which expects
semicolons and decimal commas, opens each row as one text cell, and reads "1.64" as text
or a date. In a workbook a number is stored as a number, whatever the reader's locale:
it shows as 1,64 in a Dutch Excel and sorts and sums as one.

Written with the standard library (a zip of the few XML parts a workbook needs: one
sheet per table, strings inline, the header row bold and frozen). Columns named in
``text`` stay text (a patient code "0012" keeps its zeros, a date its form).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # (XML 1.0 forbids them)
# Fonts: normal, bold; cell formats: 0 normal, 1 the header's bold.
_STYLES = (f'{_HEAD}<styleSheet xmlns="{_MAIN}"><fonts count="2"><font><sz val="11"/>'
           '<name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font>'
           '</fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill>'
           '<patternFill patternType="gray125"/></fill></fills><borders count="1"><border/>'
           '</borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
           'borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" '
           'fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" '
           'borderId="0" xfId="0" applyFont="1"/></cellXfs><cellStyles count="1"><cellStyle '
           'name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')


def column(n: int) -> str:
    """The column's letters: 0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        letters = chr(65 + r) + letters
    return letters


def _cell(ref: str, value, as_text: bool, style: int = 0) -> str:
    s = f' s="{style}"' if style else ""
    text = "" if value is None else str(value)
    if not as_text and _NUMBER.fullmatch(text):
        return f'<c r="{ref}"{s}><v>{text}</v></c>'
    text = _NOT_XML.sub("", text)
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{escape(text)}</t></is></c>'


def sheet_xml(rows: list[dict], header: list[str], text: frozenset = frozenset()) -> str:
    """One worksheet: the header in bold and frozen above the rows; a cell left out where
    the row has nothing (an empty CSV field)."""
    widths = "".join(f'<col min="{i}" max="{i}" width="{max(8, len(h) + 2)}" customWidth="1"/>'
                     for i, h in enumerate(header, 1))
    out = [f'{_HEAD}<worksheet xmlns="{_MAIN}"><sheetViews><sheetView workbookViewId="0">'
           '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
           f'</sheetView></sheetViews><cols>{widths}</cols><sheetData><row r="1">']
    out += [_cell(f"{column(i)}1", h, True, 1) for i, h in enumerate(header)]
    out.append("</row>")
    for r, row in enumerate(rows, 2):
        out.append(f'<row r="{r}">')
        out += [_cell(f"{column(i)}{r}", row[h], h in text) for i, h in enumerate(header)
                if row.get(h) not in (None, "")]
        out.append("</row>")
    out.append("</sheetData></worksheet>")
    return "".join(out)


def write_workbook(path: Path, sheets: list[tuple[str, list[dict], list[str]]],
                   text: frozenset = frozenset()) -> None:
    """Write ``sheets`` (name, rows, header) as a workbook at ``path``. The zip's times are
    fixed, so the same tables give the same file."""
    n = len(sheets)
    types = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                    f'ContentType="{_TYPE}.worksheet+xml"/>' for i in range(1, n + 1))
    parts = {
        "[Content_Types].xml": (
            f'{_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            f'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
            f'ContentType="{_TYPE}.sheet.main+xml"/><Override PartName="/xl/styles.xml" '
            f'ContentType="{_TYPE}.styles+xml"/>{types}</Types>'),
        "_rels/.rels": (
            f'{_HEAD}<Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
            f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (
            f'{_HEAD}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
            + "".join(f'<sheet name="{escape(name)}" sheetId="{i}" r:id="rId{i}"/>'
                      for i, (name, _, _) in enumerate(sheets, 1))
            + "</sheets></workbook>"),
        "xl/_rels/workbook.xml.rels": (
            f'{_HEAD}<Relationships xmlns="{_PKG}">'
            + "".join(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" '
                      f'Target="worksheets/sheet{i}.xml"/>' for i in range(1, n + 1))
            + f'<Relationship Id="rId{n + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
            "</Relationships>"),
        "xl/styles.xml": _STYLES,
    }
    for i, (_, rows, header) in enumerate(sheets, 1):
        parts[f"xl/worksheets/sheet{i}.xml"] = sheet_xml(rows, header, text)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, xml in parts.items():
            z.writestr(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), xml,
                       zipfile.ZIP_DEFLATED)
