"""The weekly and monthly report: its period, its table, and the files it downloads as.

One table (`ReportTable`) is rendered three ways, so the PDF, the CSV and the XLSX carry the same
figures as the SPA's HTML view (which reads the same JSON).
"""

from __future__ import annotations

import csv
import html
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

# A CJK font for agent and store names in Chinese; fpdf2's core fonts are Latin-1 only.
CJK_FONTS = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
)


def period_bounds(period: str, day: date, zone: str) -> tuple[datetime, datetime]:
    """The week (Monday to Sunday) or calendar month containing `day`, as instants of local midnights."""
    if period == "week":
        first = day - timedelta(days=day.weekday())
        after = first + timedelta(days=7)
    else:
        first = day.replace(day=1)
        after = (first + timedelta(days=32)).replace(day=1)
    tz = ZoneInfo(zone)
    return datetime(first.year, first.month, first.day, tzinfo=tz), datetime(
        after.year, after.month, after.day, tzinfo=tz
    )


def previous_period_day(period: str, day: date) -> date:
    """A day inside the period before the one containing `day` (what a scheduled report covers)."""
    if period == "week":
        return day - timedelta(days=7)
    return day.replace(day=1) - timedelta(days=1)


@dataclass(frozen=True)
class ReportTable:
    title: str
    subtitle: str
    sections: list[tuple[str, list[str], list[list[str]]]]  # (heading, columns, rows)


def to_csv(table: ReportTable) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow([table.title])
    w.writerow([table.subtitle])
    for heading, columns, rows in table.sections:
        w.writerow([])
        w.writerow([heading])
        w.writerow(columns)
        w.writerows(rows)
    # A BOM so spreadsheet programs read the UTF-8 (Chinese names) as UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_text(table: ReportTable) -> str:
    """The plain-text part of a report mail (for clients that do not show HTML)."""
    lines = [table.title, table.subtitle]
    for heading, columns, rows in table.sections:
        lines += ["", heading, " | ".join(columns)]
        lines += [" | ".join(row) for row in rows]
    return "\n".join(lines) + "\n"


def to_html(table: ReportTable, intro: str = "") -> str:
    """The report as a self-contained HTML mail body: inline styles only (mail clients drop <style>
    and external sheets), every value escaped (agent and store names are user input)."""
    e = html.escape
    cell = "border:1px solid #d1d5db;padding:4px 8px;text-align:left"
    parts = [
        '<!DOCTYPE html><html><body style="font-family:sans-serif;font-size:13px;color:#111827">',
        f'<h1 style="font-size:18px">{e(table.title)}</h1>',
        f'<p style="color:#4b5563">{e(table.subtitle)}</p>',
    ]
    if intro:
        parts.append(f"<p>{e(intro)}</p>")
    for heading, columns, rows in table.sections:
        parts.append(f'<h2 style="font-size:15px;margin-top:18px">{e(heading)}</h2>')
        parts.append('<table style="border-collapse:collapse"><thead><tr>')
        parts += [f'<th style="{cell};background:#f3f4f6">{e(c)}</th>' for c in columns]
        parts.append("</tr></thead><tbody>")
        for row in rows:
            parts.append("<tr>" + "".join(f'<td style="{cell}">{e(v)}</td>' for v in row) + "</tr>")
        parts.append("</tbody></table>")
    parts.append("</body></html>")
    return "".join(parts)


def to_xlsx(table: ReportTable) -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    bold = book.add_format({"bold": True})
    for i, (heading, columns, rows) in enumerate(table.sections):
        sheet = book.add_worksheet(f"{i + 1} {heading}"[:31])
        sheet.write(0, 0, table.title, bold)
        sheet.write(1, 0, table.subtitle)
        sheet.write_row(3, 0, columns, bold)
        for r, row in enumerate(rows):
            sheet.write_row(4 + r, 0, [_number(v) for v in row])
        sheet.set_column(0, max(0, len(columns) - 1), 16)
    book.close()
    return buf.getvalue()


def _number(value: str) -> str | float:
    try:
        return float(value) if value and value.replace(".", "", 1).lstrip("-").isdigit() else value
    except ValueError:
        return value


def cjk_font() -> Path | None:
    return next((p for p in CJK_FONTS if p.exists()), None)


def to_pdf(table: ReportTable) -> bytes:
    """A4 landscape. With no CJK font on the system, characters outside Latin-1 print as '?' (said on
    the first line of the page) rather than failing the download."""
    # Imported on the first PDF, not with the module: fpdf takes 0.3 s to import, which every API and
    # worker process would otherwise pay at start for a report format few ask for.
    from fpdf import FPDF

    pdf = FPDF(orientation="L", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    font = cjk_font()
    if font is not None:
        pdf.add_font("cjk", "", str(font))
        family = "cjk"

        def clean(s: str) -> str:
            return s
    else:
        family = "helvetica"

        def clean(s: str) -> str:
            return s.encode("latin-1", "replace").decode("latin-1")

        pdf.set_font(family, size=8)
        pdf.cell(0, 5, "No CJK font installed: non-Latin characters are shown as '?'.", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, size=16)
    pdf.cell(0, 10, clean(table.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, size=10)
    pdf.cell(0, 6, clean(table.subtitle), new_x="LMARGIN", new_y="NEXT")
    for heading, columns, rows in table.sections:
        pdf.ln(3)
        pdf.set_font(family, size=12)
        pdf.cell(0, 8, clean(heading), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, size=8)
        width = (pdf.w - pdf.l_margin - pdf.r_margin) / max(1, len(columns))
        for row in [columns, *rows]:
            for value in row:
                pdf.cell(width, 6, clean(value)[:40], border=1)
            pdf.ln()
    return bytes(pdf.output())
