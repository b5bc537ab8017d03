"""What the report says in words: the headline a manager reads first, percentages, durations
and times in the site's time zone, in Chinese with English beside it (the PDF and CSV have no
language switch)."""

from __future__ import annotations

from datetime import datetime

from etiquette.service.reports.models import ShiftReport
from etiquette.service.reports.trends import TrendRow
from etiquette.service.reports.uptime import CameraUptime

DAY_S = 86400.0


def percent(share: float | None) -> str:
    return "–" if share is None else f"{100 * share:.0f}%"


def change(now: float | None, before: float | None) -> str:
    """The change from the period before, in percentage points (pp), with its direction."""
    if now is None or before is None:
        return "–"
    points = round(100 * (now - before))
    return "持平 same" if points == 0 else f"{'↑' if points > 0 else '↓'} {abs(points)} pp"


def duration(seconds: float, language: str = "") -> str:
    """2 小时 30 分 (2 h 30 min), in Chinese, English (``language`` zh, en) or both side by
    side; under a minute, seconds."""
    zh, en = _duration(seconds, "zh"), _duration(seconds, "en")
    return zh if language == "zh" else en if language == "en" else f"{zh} · {en}"


def _duration(seconds: float, language: str) -> str:
    units = ("秒", "分钟", "小时", "分") if language == "zh" else ("s", "min", "h", "min")
    minutes = round(seconds / 60)
    if minutes < 1:
        return f"{seconds:.0f} {units[0]}"
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"{minutes} {units[1]}"
    return f"{hours} {units[2]}" + (f" {minutes} {units[3]}" if minutes else "")


def clock(report: ShiftReport, timestamp: float | None, fmt: str = "%H:%M") -> str:
    if timestamp is None:
        return "—"
    moment = datetime.fromtimestamp(timestamp, report.zone)
    if report.end - report.start > DAY_S:
        fmt = "%m-%d " + fmt
    return moment.strftime(fmt)


def period_word(report: ShiftReport) -> tuple[str, str]:
    """What the period is called in the headline: the shift, the day, the week, ..."""
    span = report.end - report.start
    if span <= DAY_S - 3600:
        return "本班次", "This shift"
    if span <= DAY_S + 3600:
        return "当日", "This day"
    if span <= 7 * DAY_S + 3600:
        return "本周", "This week"
    if span <= 31 * DAY_S + 3600:
        return "本月", "This month"
    return "本期", "This period"


def camera_note(cameras: list[CameraUptime]) -> tuple[str, str]:
    """What the cameras did: a dead camera must not pass for a quiet shift."""
    down = [c for c in cameras if c.offline_s >= 60]
    if down:
        zh = "；".join(f"摄像头「{c.name}」离线 {duration(c.offline_s, 'zh')}" for c in down)
        en = "; ".join(f"Camera {c.name} offline {duration(c.offline_s, 'en')}" for c in down)
        return zh + "，期间的数字不完整。", en + ": the figures miss that time."
    if cameras and all(c.known_s and not c.unknown_s for c in cameras):
        return "摄像头全程在线。", "The cameras were online throughout."
    return "部分时段没有摄像头状态记录。", "The cameras' state is not known for all of the period."


def headline(report: ShiftReport) -> tuple[str, str]:
    """One or two sentences the manager reads first, Chinese and English."""
    zh_when, en_when = period_word(report)
    account = report.account
    target = percent(report.on_time_target)
    if account.arrivals == 0:
        zh = f"{zh_when}没有客户到店。"
        en = f"{en_when}: no customers arrived."
    else:
        rate = percent(account.on_time_rate)
        zh = (
            f"{zh_when} {account.arrivals} 位客户到店，{account.judged} 次迎宾有结论，其中 "
            f"{account.on_time} 次及时（{rate}，目标 {target}）"
        )
        en = (
            f"{en_when}: {account.arrivals} customers arrived; of {account.judged} greetings "
            f"judged, {account.on_time} on time ({rate}, target {target})"
        )
        if account.missed:
            zh += f"，{account.missed} 次未迎宾"
            en += f", {account.missed} missed"
        zh += "。"
        en += "."
    if report.bow_depths:
        zh += f"鞠躬达标 {percent(report.bows_rate)}（目标 {percent(report.bows_target)}）。"
        en += (
            f" Bows to standard {percent(report.bows_rate)} (target {percent(report.bows_target)})."
        )
    cameras_zh, cameras_en = camera_note(report.cameras)
    return zh + cameras_zh, en + " " + cameras_en


def trend_label(row: TrendRow) -> str:
    unit = {"day": "日 day", "week": "周 week", "month": "月 month"}[row.unit]
    return f"{unit} {row.label}" + (" (未完 so far)" if row.partial else "")
