"""The report as a CSV table for Excel: headers and names in Chinese with English beside them,
times in the site's time zone, clip links absolute. (render.py adds the UTF-8 BOM.)"""

from __future__ import annotations

import csv
import io

from etiquette.service.reports import words
from etiquette.service.reports.arrivals import BUCKETS
from etiquette.service.reports.models import ShiftReport
from etiquette.service.vocabulary import both, named

HEADER = ["分区 section", "项目 item", "数值 value", "片段 clip"]
POST_COLUMNS = (
    ("greetings_on_time", "及时迎宾 greeted on time"),
    ("greetings_late", "迎宾迟了 greeted late"),
    ("greetings_missed", "未迎宾 missed"),
    ("bows", "鞠躬 bows"),
    ("bows_to_standard", "鞠躬达标 bows to standard"),
    ("welcome_gestures", "迎宾手势 welcome gestures"),
    ("guiding_gestures", "指引手势 guiding gestures"),
    ("posture_lapses", "站姿不规范 posture lapses"),
    ("posture_off_s", "站姿不规范时长（秒） posture off (s)"),
)


def _share(share: float | None) -> str:
    return "" if share is None else f"{100 * share:.1f}%"


def report_csv(report: ShiftReport, base_url: str | None = None) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    # The clip column is only filled on the moments' rows: the trainer's way to the footage.
    writer.writerow(HEADER)
    overview = "概况 overview"
    writer.writerow([overview, "网点 branch", report.site, ""])
    writer.writerow([overview, "时段 period", report.shift_label(), ""])
    zh, en = words.headline(report)
    writer.writerow([overview, "摘要 summary", f"{zh} {en}", ""])
    arrivals = "到店客户 arrivals"
    for key, zh_name, en_name, _ in BUCKETS:
        writer.writerow([arrivals, f"{zh_name} {en_name}", getattr(report.account, key), ""])
    writer.writerow([arrivals, "合计 total", report.account.arrivals, ""])
    rates = "比率 rates"
    writer.writerow([rates, "及时率 on-time rate", _share(report.account.on_time_rate), ""])
    writer.writerow([rates, "及时率目标 on-time target", _share(report.on_time_target), ""])
    writer.writerow([rates, "鞠躬达标率 bows to standard", _share(report.bows_rate), ""])
    writer.writerow([rates, "鞠躬达标目标 bows target", _share(report.bows_target), ""])
    shift = "本时段 period"
    writer.writerow([shift, "事件 events", report.events, ""])
    writer.writerow([shift, both("event", "greeting_prompt"), report.prompts, ""])
    writer.writerow([shift, "员工鞠躬 staff bows", len(report.bow_depths), ""])
    for verdict, count in report.bow_verdicts.items():
        writer.writerow([shift, f"鞠躬 bow: {both('verdict', verdict)}", count, ""])
    writer.writerow([shift, both("event", "welcome_gesture"), report.welcome_gestures, ""])
    writer.writerow([shift, both("event", "guiding_gesture"), report.guiding_gestures, ""])
    writer.writerow([shift, "站姿不规范 posture lapses", report.posture_lapses, ""])
    for row in report.processes:
        where = both("process", row.process)
        writer.writerow([where, "次数 occasions", row.occasions, ""])
        writer.writerow([where, "达标 to standard", row.to_standard, ""])
        for figure in row.figures:
            writer.writerow([where, figure.name, figure.value, ""])
        for fault, count in row.faults.items():
            writer.writerow([where, both("process_fault", fault), count, ""])
    for trend in report.trends:
        where = f"趋势 trend {words.trend_label(trend)}"
        writer.writerow([where, "到店 arrivals", trend.arrivals, ""])
        writer.writerow([where, "及时率 on-time rate", _share(trend.on_time_rate), ""])
        writer.writerow([where, "上期及时率 previous", _share(trend.previous_on_time_rate), ""])
        writer.writerow([where, "鞠躬达标率 bows to standard", _share(trend.bows_rate), ""])
        writer.writerow([where, "上期鞠躬达标率 previous", _share(trend.previous_bows_rate), ""])
    for camera in report.cameras:
        where = f"摄像头 camera {camera.name}"
        writer.writerow([where, "在线（小时） online (h)", f"{camera.online_s / 3600:.2f}", ""])
        writer.writerow([where, "离线（小时） offline (h)", f"{camera.offline_s / 3600:.2f}", ""])
        writer.writerow(
            [where, "无记录（小时） not known (h)", f"{camera.unknown_s / 3600:.2f}", ""]
        )
    for post in report.posts:
        where = f"岗位 post {named(report.names, post.post)}"
        for key, title in POST_COLUMNS:
            writer.writerow([where, title, getattr(post, key), ""])
    for staff in report.staff:
        where = f"员工 staff #{staff.track} · {named(report.names, staff.camera)}"
        writer.writerow([where, "鞠躬 bows", staff.bows, ""])
        writer.writerow([where, "鞠躬达标 bows to standard", staff.bows_to_standard, ""])
        writer.writerow([where, "迎宾 greetings", staff.greetings, ""])
        gestures = staff.welcome_gestures + staff.guiding_gestures
        writer.writerow([where, "手势 gestures", gestures, ""])
        writer.writerow([where, "站姿不规范 posture lapses", staff.posture_lapses, ""])
    for period in report.posture_timeline.periods:  # the table's periods: hours, days, ...
        where = f"站姿 posture {period.label(report.zone)}"
        writer.writerow([where, "次数 lapses", period.lapses, ""])
        writer.writerow([where, "时长（秒） off (s)", period.off_s, ""])
    root = (base_url or "").rstrip("/")
    for moment in report.worst:
        link = "" if moment.clip_id is None else f"{root}/clips?clip={moment.clip_id}"
        when = words.clock(report, moment.start, "%H:%M:%S")
        what = f"{when} {named(report.names, moment.camera)}: {moment.what}"
        writer.writerow(["需改进 to coach", what, "", link])
    return buffer.getvalue()
