"""The manager's report (issue 13): every arrival accounted for, a headline, targets and
trends, camera uptime, a PDF with a header, page numbers and working links, a CSV Excel reads
on Chinese Windows, all in the site's time zone."""

from __future__ import annotations

import csv
import io
import re
import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from etiquette.service.bench.report_week import bench_report, demo_site, write_week
from etiquette.service.media.fonts import missing_glyphs
from etiquette.service.reports.render import render
from etiquette.service.reports.shift import build_report, shift_report
from etiquette.service.store.events import EventStore
from tests import factories

SHANGHAI = ZoneInfo("Asia/Shanghai")
NINE = datetime(2026, 11, 30, 9, 0, tzinfo=SHANGHAI).timestamp()
END = NINE + 8 * 3600


def _grouped_greeting(t: float, latency: float, verdict: str, customers: int) -> object:
    greeting = factories.greeting(t, latency, verdict)
    values = greeting.values.model_copy(update={"customers": customers})
    return greeting.model_copy(update={"values": values})


def _missed(t: float, track: int, customers: int) -> object:
    missed = factories.missed(t, track=track)
    return missed.model_copy(
        update={"values": missed.values.model_copy(update={"customers": customers})}
    )


def test_every_arrival_is_in_exactly_one_bucket() -> None:
    t = NINE + 600
    events = [
        factories.arrival(t, track=100),  # greeted on time, with 101 who came with them
        factories.arrival(t + 2, track=101),
        _grouped_greeting(t, 0.8, "on_time", customers=2),
        factories.arrival(t + 300, track=102),  # greeted late
        factories.greeting(t + 300, 3.5, "late"),
        factories.arrival(t + 600, track=103),  # missed, with 104
        factories.arrival(t + 601, track=104),
        _missed(t + 600, 103, customers=2),
        factories.arrival(t + 900, track=105),  # no verdict, long ago: lost
        factories.arrival(END - 5, track=106),  # no verdict yet: pending
        factories.greeting(NINE - 30, 35.0, "late"),  # its arrival came before the period
    ]
    report = build_report(
        factories.stored(events),  # type: ignore[arg-type]
        site="b",
        start=NINE,
        end=END,
        post=None,
        bow_target_deg=15.0,
        bow_tolerance_deg=5.0,
        now=END,
        settle_s=60.0,
    )
    account = report.account
    assert account.arrivals == report.arrivals == 7
    assert dict(account.buckets()) == {
        "on_time": 1,
        "late": 1,
        "missed": 1,
        "grouped": 2,
        "pending": 1,
        "lost": 1,
    }
    assert sum(count for _, count in account.buckets()) == account.arrivals
    assert account.outside == 1 and account.on_time_rate == pytest.approx(1 / 3)
    html = render(report, "html").decode()
    for name in ("及时迎宾", "迎宾迟了", "未迎宾", "同行客户", "待定", "无结论"):
        assert name in html  # each bucket named, with its footnote
    assert "Arrived with the customer before" in html and "No verdict was recorded" in html


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory) -> tuple[EventStore, object, float, float]:
    folder = tmp_path_factory.mktemp("week")
    site = demo_site(folder)
    store = EventStore(site.database_url())
    first = datetime(2026, 11, 9).date()  # a Monday, weeks before the clock's now
    write_week(store, site, first, days=14, per_day=240)  # the week and the one before
    start = datetime(2026, 11, 16, tzinfo=SHANGHAI).timestamp()
    return store, site, start, start + 7 * 86400


def test_the_weekly_report_reconciles_and_compares(week: tuple) -> None:  # type: ignore[type-arg]
    store, site, start, end = week
    report = shift_report(store, site, start, end)
    account = report.account
    assert account.arrivals > 100
    assert sum(count for _, count in account.buckets()) == account.arrivals
    assert account.grouped > 0 and account.lost > 0 and account.pending == 0
    assert report.on_time_target == 0.9 and report.time_zone == "Asia/Shanghai"
    units = [row.unit for row in report.trends]
    assert units.count("day") == 7 and units.count("week") == 4 and units.count("month") == 3
    weekly = [row for row in report.trends if row.unit == "week"]
    assert weekly[-1].start == start and weekly[-1].previous_on_time_rate is not None
    assert weekly[-1].arrivals == account.arrivals
    html = render(report, "html").decode()
    assert re.search(r"本周 \d+ 位客户到店", html) and "目标 90%" in html
    assert "This week:" in html and "target 90%" in html
    assert "较上期" in html and " pp" in html
    # The counter camera was offline 10:00-12:00 on the third day; the lobby one never.
    [counter] = [c for c in report.cameras if c.camera == "counter"]
    assert counter.offline_s == 7200 and counter.unknown_s == 0
    assert "摄像头「柜台」离线 2 小时" in html and "11-18 10:00–11-18 12:00" in html
    assert "门口迎宾岗" in html and "door_post" not in html  # names, not ids
    assert not missing_glyphs(re.sub(r"<[^>]+>|base64,[^\"]+", "", html))  # no tofu


def test_a_quiet_shift_reads_differently_from_a_dead_camera(tmp_path: Path) -> None:
    site = demo_site(tmp_path)
    with EventStore(site.database_url()) as store:
        for camera in ("lobby", "counter"):
            store.camera_status.record(camera, NINE - 60, True)
        assert not store.camera_status.record("lobby", NINE - 30, True)  # no change: no row
        quiet = shift_report(store, site, NINE, NINE + 3600)
        store.camera_status.record("lobby", NINE + 3600, False, "no frames")
        dead = shift_report(store, site, NINE + 3600, NINE + 7200)
    quiet_html, dead_html = render(quiet, "html").decode(), render(dead, "html").decode()
    assert "没有客户到店" in quiet_html and "摄像头全程在线" in quiet_html
    assert "没有客户到店" in dead_html and "摄像头「大堂门口」离线 1 小时" in dead_html
    assert "Camera 大堂门口 offline 1 h" in dead_html


def test_csv_opens_in_excel_on_chinese_windows(week: tuple) -> None:  # type: ignore[type-arg]
    store, site, start, end = week
    report = shift_report(store, site, start, end)
    body = render(report, "csv", base_url="http://10.1.2.3:8080")
    assert body.startswith(b"\xef\xbb\xbf")  # the UTF-8 BOM
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["分区 section", "项目 item", "数值 value", "片段 clip"]
    buckets = [row for row in rows if row[0] == "到店客户 arrivals"]
    assert sum(int(row[2]) for row in buckets[:-1]) == int(buckets[-1][2])
    assert any(row[3].startswith("http://10.1.2.3:8080/clips?clip=") for row in rows) or all(
        m.clip_id is None for m in report.worst
    )
    assert not any("door_post" in cell for row in rows for cell in row)


def test_pdf_has_a_header_page_numbers_and_absolute_links(
    week: tuple,  # type: ignore[type-arg]
    tmp_path: Path,
) -> None:
    store, site, start, end = week
    report = shift_report(store, site, start, end)
    moment = report.worst[0].model_copy(update={"clip_id": 7})
    report = report.model_copy(update={"worst": [moment, *report.worst[1:]]})
    pdf = tmp_path / "week.pdf"
    pdf.write_bytes(render(report, "pdf", base_url="http://10.1.2.3:8080"))
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = text.split("\f")[:-1]
    assert len(pages) >= 2
    for number, page in enumerate(pages, 1):
        assert f"第 {number} 页 / 共 {len(pages)} 页" in page
        assert "演示支行" in page and "Asia/Shanghai" in page  # the header, on every page
    links = subprocess.run(
        ["pdfinfo", "-url", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    assert "http://10.1.2.3:8080/clips?clip=7" in links


def test_bench_report_writes_the_week_in_every_format(tmp_path: Path) -> None:
    result = bench_report(days=7, per_day=150, out=tmp_path)
    assert result["events"] == 7 * 150
    assert sum(result["buckets"].values()) == result["arrivals"] > 0
    assert set(result["render_s"]) == {"html", "pdf", "csv"}
    assert (tmp_path / "week.pdf").read_bytes().startswith(b"%PDF")
    assert (tmp_path / "week.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert "趋势 Trends" in (tmp_path / "week.html").read_text(encoding="utf-8")
    assert isinstance(result["total_s"], float)


def test_times_are_in_the_sites_time_zone(tmp_path: Path) -> None:
    site = demo_site(tmp_path, time_zone="America/New_York")
    with EventStore(site.database_url()) as store:
        nine_ny = datetime(2026, 11, 30, 9, 0, tzinfo=ZoneInfo("America/New_York")).timestamp()
        store.add_event("lobby", factories.arrival(nine_ny + 60, track=100))
        report = shift_report(store, site, nine_ny, nine_ny + timedelta(hours=8).seconds)
    assert report.shift_label() == "2026-11-30 09:00 – 2026-11-30 17:00 (America/New_York)"
    html = render(report, "html").decode()
    assert "<td>09:01</td>" in html and "America/New_York" in html
