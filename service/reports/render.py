"""A shift report as JSON, CSV (table.py), HTML (charts inline) or PDF (WeasyPrint, the
bundled Chinese font embedded, a header on every page, page numbers, links that work outside
the browser)."""

from __future__ import annotations

import base64
import io
from functools import cache, partial
from pathlib import Path
from typing import Literal

import jinja2
import matplotlib
from markupsafe import Markup

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from etiquette.service.media.fonts import FAMILY, FONT_FILE, font_face_css, warn_missing_glyphs
from etiquette.service.reports import words
from etiquette.service.reports.arrivals import BUCKETS
from etiquette.service.reports.models import HISTOGRAM_EDGES, ShiftReport
from etiquette.service.reports.posture import PostureTimeline, PostureUnit
from etiquette.service.reports.processes import fault_text
from etiquette.service.reports.table import report_csv
from etiquette.service.vocabulary import both, named, quantity

Format = Literal["html", "pdf", "csv", "json"]
FORMATS: tuple[Format, ...] = ("html", "pdf", "csv", "json")
TEMPLATE = Path(__file__).resolve().parent / "report.html.j2"
# Where the arrivals went, as the chart names them, with their colours (the buckets' order).
BUCKET_COLOURS = ("#66bb6a", "#ffa726", "#ef5350", "#90caf9", "#bdbdbd", "#8d6e63")
UNIT_NAMES: dict[PostureUnit, str] = {
    "hour": "小时 hour",
    "day": "日 day",
    "week": "周 week (from Monday)",
    "month": "月 month",
    "year": "年 year",
}


@cache
def _font() -> str:
    """The bundled Chinese font's family, registered with matplotlib for the charts."""
    font_manager.fontManager.addfont(str(FONT_FILE))
    return FAMILY


def _png(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def period_heading(posture: PostureTimeline) -> str:
    """What the posture chart's and table's periods are."""
    heading = UNIT_NAMES[posture.unit]
    return (
        heading
        if posture.complete
        else f"{heading} (仅列有记录的 only the {posture.unit}s with lapses)"
    )


# The last report's charts: the page, PDF and CSV of one report are often made one after the
# other (a download, the benchmark), and drawing the charts is a third of the cost.
_last_charts: list[tuple[ShiftReport, dict[str, str]]] = []


def charts(report: ShiftReport) -> dict[str, str]:
    """Base64 PNG charts (drawn once per report object): bow depths against the standard,
    where the arrivals went, greeting latencies and minutes of posture lapse per hour (day,
    week, ...)."""
    if _last_charts and _last_charts[0][0] is report:
        return _last_charts[0][1]
    found = _draw(report)
    _last_charts[:] = [(report, found)]
    return found


def _draw(report: ShiftReport) -> dict[str, str]:
    plt.rcParams["font.family"] = _font()
    found: dict[str, str] = {}
    if report.bow_depths:
        figure, axis = plt.subplots(figsize=(6, 2.6))
        axis.hist(report.bow_depths, bins=list(HISTOGRAM_EDGES), color="#5c6bc0", edgecolor="white")
        low = report.bow_target_deg - report.bow_tolerance_deg
        high = report.bow_target_deg + report.bow_tolerance_deg
        axis.axvspan(
            low, high, color="#66bb6a", alpha=0.25, label=f"标准 standard {low:g}–{high:g}°"
        )
        axis.set_xlabel("鞠躬深度 bow depth (°)")
        axis.set_ylabel("次数 count")
        axis.legend(loc="upper right", fontsize=8)
        found["bows"] = _png(figure)
    counts = [count for _, count in report.account.buckets()]
    if any(counts):
        figure, axis = plt.subplots(figsize=(6, 2.2))
        labels = [f"{zh} {en}" for _, zh, en, _ in BUCKETS]
        bars = axis.barh(labels, counts, color=list(BUCKET_COLOURS))
        axis.bar_label(bars, padding=3, fontsize=8)
        axis.invert_yaxis()  # on time at the top, as in the table
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))  # counts are whole
        axis.set_xlabel("到店客户 arrivals (人数 count)")
        found["outcomes"] = _png(figure)
    if report.greeting_latencies_s:
        figure, axis = plt.subplots(figsize=(6, 2.4))
        axis.hist(report.greeting_latencies_s, bins=12, color="#26a69a", edgecolor="white")
        axis.set_xlabel("迎宾用时 greeting latency (s)")
        axis.set_ylabel("次数 count")
        found["latency"] = _png(figure)
    posture = report.posture_timeline
    if posture.periods:
        # Minutes off standard, not a compliance share: time at the posts is not stored.
        periods = posture.periods
        figure, axis = plt.subplots(figsize=(6, 2.4))
        bars = axis.bar(
            range(len(periods)), [p.off_s / 60 for p in periods], color="#8d6e63", width=0.7
        )
        axis.bar_label(bars, labels=[str(p.lapses) for p in periods], padding=2, fontsize=7)
        axis.set_xticks(range(len(periods)), [p.label(report.zone) for p in periods])
        if len(periods) > 12 or posture.unit in ("day", "week"):
            axis.tick_params(axis="x", labelrotation=90)
        axis.tick_params(axis="x", labelsize=8)
        axis.margins(y=0.15)  # room for the counts above the bars
        axis.set_title("站姿不规范时长 posture off (min), 柱上为次数 lapses on bars", fontsize=9)
        axis.set_xlabel(period_heading(posture))
        axis.set_ylabel("分钟 min")
        found["posture"] = _png(figure)
    return found


def css_string(text: str) -> Markup:
    """``text`` inside a CSS string in a <style> (not HTML-decoded there): quotes, backslashes
    and < (no </style>) as CSS escapes."""
    return Markup("".join(f"\\{ord(c):x} " if c in '"\\<>\n' else c for c in text))


def page_header(report: ShiftReport) -> str:
    """What every PDF page carries at the top: the branch, the period and the time zone."""
    post = f" · 岗位 post {named(report.names, report.post)}" if report.post else ""
    return f"{report.site} · {report.shift_label()}{post}"


def report_html(report: ShiftReport, font_face: str = "", base_url: str | None = None) -> str:
    """The report page; ``font_face`` is CSS put first in its style sheet. Clip links are made
    absolute on ``base_url`` (a PDF is read away from the page that would resolve them)."""
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    environment.filters["css_string"] = css_string
    template = environment.from_string(TEMPLATE.read_text(encoding="utf-8"))
    root = (base_url or "").rstrip("/")
    html = template.render(
        report=report,
        charts=charts(report),
        font_face=font_face,
        period_heading=period_heading(report.posture_timeline),
        page_header=page_header(report),
        zone_name=report.time_zone or "本机 the server's",
        headline=words.headline(report),
        buckets=BUCKETS,
        clock=partial(words.clock, report),
        percent=words.percent,
        change=words.change,
        duration=words.duration,
        trend_label=words.trend_label,
        named=partial(named, report.names),
        both=both,
        quantity=quantity,
        fault_text=fault_text,
        clip_link=lambda clip: f"{root}/clips?clip={clip}",
    )
    warn_missing_glyphs(html, f"report {report.site}")
    return html


def report_pdf(report: ShiftReport, base_url: str | None = None) -> bytes:
    """The report as PDF, in the bundled font (embedded) whatever the machine's fonts."""
    from weasyprint import HTML

    html = report_html(report, font_face_css(), base_url or "http://127.0.0.1:8080")
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


def render(report: ShiftReport, form: Format, base_url: str | None = None) -> bytes:
    """``base_url``: the service's public address (server.public_url()), for the PDF's and
    the CSV's links; the HTML's stay relative (the page adds its token to them)."""
    if form == "json":
        return report.model_dump_json(indent=2).encode("utf-8")
    if form == "csv":
        # The BOM: Excel on Chinese Windows reads UTF-8 without one as GBK (garbled).
        return ("\ufeff" + report_csv(report, base_url)).encode("utf-8")
    if form == "html":
        return report_html(report).encode("utf-8")
    return report_pdf(report, base_url)


MEDIA_TYPES: dict[Format, str] = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}
