"""A shift report as JSON, CSV, HTML (charts inline) or PDF (WeasyPrint, the bundled Chinese
font embedded)."""

from __future__ import annotations

import base64
import csv
import io
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Literal

import jinja2
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from etiquette.service.media.fonts import FAMILY, FONT_FILE, font_face_css, warn_missing_glyphs
from etiquette.service.reports.models import HISTOGRAM_EDGES, ShiftReport
from etiquette.service.reports.posture import PostureTimeline, PostureUnit

Format = Literal["html", "pdf", "csv", "json"]
FORMATS: tuple[Format, ...] = ("html", "pdf", "csv", "json")
TEMPLATE = Path(__file__).resolve().parent / "report.html.j2"
# Greeting outcomes as the charts and the page name them, with their colours.
GREETING_OUTCOMES = (
    ("greetings_on_time", "及时 on time", "#66bb6a"),
    ("greetings_late", "延迟 late", "#ffa726"),
    ("greetings_missed", "未迎宾 missed", "#ef5350"),
)
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


def charts(report: ShiftReport) -> dict[str, str]:
    """Base64 PNG charts: bow depths against the standard, greeting outcomes (on time, late,
    missed), greeting latencies and minutes of posture lapse per hour (day, week, ...)."""
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
    counts = [getattr(report, key) for key, _, _ in GREETING_OUTCOMES]
    if any(counts):
        figure, axis = plt.subplots(figsize=(6, 1.8))
        labels = [label for _, label, _ in GREETING_OUTCOMES]
        bars = axis.barh(labels, counts, color=[colour for _, _, colour in GREETING_OUTCOMES])
        axis.bar_label(bars, padding=3, fontsize=8)
        axis.invert_yaxis()  # on time at the top, as in the table
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))  # counts are whole
        axis.set_xlabel("迎宾结果 greeting outcomes (次数 count)")
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
        axis.set_xticks(range(len(periods)), [p.label() for p in periods])
        if len(periods) > 12 or posture.unit in ("day", "week"):
            axis.tick_params(axis="x", labelrotation=90)
        axis.tick_params(axis="x", labelsize=8)
        axis.margins(y=0.15)  # room for the counts above the bars
        axis.set_title("站姿不规范时长 posture off (min), 柱上为次数 lapses on bars", fontsize=9)
        axis.set_xlabel(period_heading(posture))
        axis.set_ylabel("分钟 min")
        found["posture"] = _png(figure)
    return found


def _clock(timestamp: float | None) -> str:
    return "—" if timestamp is None else datetime.fromtimestamp(timestamp).strftime("%H:%M:%S")


def report_html(report: ShiftReport, font_face: str = "") -> str:
    """The report page; ``font_face`` is CSS put first in its style sheet."""
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    environment.filters["clock"] = _clock
    template = environment.from_string(TEMPLATE.read_text(encoding="utf-8"))
    html = template.render(
        report=report,
        charts=charts(report),
        font_face=font_face,
        period_heading=period_heading(report.posture_timeline),
    )
    warn_missing_glyphs(html, f"report {report.site}")
    return html


def report_pdf(report: ShiftReport) -> bytes:
    """The report as PDF, in the bundled font (embedded) whatever the machine's fonts."""
    from weasyprint import HTML

    pdf: bytes = HTML(string=report_html(report, font_face_css())).write_pdf()
    return pdf


def report_csv(report: ShiftReport) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    # clip_id is only filled on the worst moments' rows: the trainer's way to the footage.
    writer.writerow(["section", "item", "value", "clip_id"])
    for key in (
        "events",
        "arrivals",
        "prompts",
        "greetings_on_time",
        "greetings_late",
        "greetings_missed",
        "bows_to_standard",
        "customer_bows",
        "welcome_gestures",
        "guiding_gestures",
        "posture_lapses",
        "posture_off_s",
    ):
        writer.writerow(["shift", key, getattr(report, key), ""])
    writer.writerow(["shift", "bows", len(report.bow_depths), ""])
    for staff in report.staff:
        who = f"{staff.camera}#{staff.track}"
        for key in (
            "bows",
            "bows_to_standard",
            "welcome_gestures",
            "guiding_gestures",
            "greetings",
            "posture_lapses",
            "posture_off_s",
        ):
            writer.writerow(["staff " + who, key, getattr(staff, key), ""])
    for post in report.posts:
        for key in (
            "greetings_on_time",
            "greetings_late",
            "greetings_missed",
            "bows",
            "bows_to_standard",
            "welcome_gestures",
            "guiding_gestures",
            "posture_lapses",
            "posture_off_s",
        ):
            writer.writerow(["post " + post.post, key, getattr(post, key), ""])
    for period in report.posture_timeline.periods:  # the table's periods: hours, days, ...
        writer.writerow(["posture " + period.label(), "posture_lapses", period.lapses, ""])
        writer.writerow(["posture " + period.label(), "posture_off_s", period.off_s, ""])
    for moment in report.worst:
        clip = "" if moment.clip_id is None else moment.clip_id
        writer.writerow(["worst", _clock(moment.start), f"{moment.camera}: {moment.what}", clip])
    return buffer.getvalue()


def render(report: ShiftReport, form: Format) -> bytes:
    if form == "json":
        return report.model_dump_json(indent=2).encode("utf-8")
    if form == "csv":
        return report_csv(report).encode("utf-8")
    if form == "html":
        return report_html(report).encode("utf-8")
    return report_pdf(report)


MEDIA_TYPES: dict[Format, str] = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}
