"""The report's section on the rest of the deck: every process has a row with its occasions,
how many met the standard, its figures and its faults, in Chinese and English, in every
format; an empty shift shows no such section."""

from __future__ import annotations

import csv
import io

from etiquette.rules.events import Event, Phase
from etiquette.service.reports.processes import process_rows
from etiquette.service.reports.render import render
from etiquette.service.reports.shift import build_report
from tests.factories import event, stored

T0 = 1_796_000_000.0  # 2026-11-30, in the shift below


def _judged(
    kind: str, t: float, values: dict[str, object], verdict: str | None, track: int = 1
) -> Event:
    role = "customer" if kind in ("farewell", "queue_wait") else "staff"
    return event(
        type=kind,
        phase=Phase.END,
        track=track,
        role=role,
        start=t,
        end=t + 5,
        values=values,
        verdict=verdict,
    )


def _visit_day() -> list[Event]:
    opening_posts = [
        {"post": "door_post", "track": 1, "present": True, "standing": True, "posture_ok": True},
        {"post": "counter_1", "track": None, "present": False},
    ]
    return [
        _judged(
            "opening_prompt",
            T0 - 300,
            {"text": "x", "empty_posts": ["counter_1"], "before_s": 300},
            None,
        ),
        _judged(
            "opening_lineup",
            T0,
            {"opening": T0, "posts": opening_posts, "salutes": 2},
            "off_standard",
        ),
        _judged(
            "guiding",
            T0 + 100,
            {
                "customer": 7,
                "front_left_share": 0.9,
                "gesture": True,
                "destination": "ticket_machine",
                "walked_m": 4.0,
                "duration_s": 6.0,
            },
            "to_standard",
        ),
        _judged(
            "guiding",
            T0 + 200,
            {
                "customer": 8,
                "front_left_share": 0.3,
                "gesture": False,
                "destination": None,
                "walked_m": 3.0,
                "duration_s": 5.0,
                "faults": ["not_front_left", "no_gesture", "destination_not_reached"],
            },
            "off_standard",
        ),
        _judged(
            "queue_prompt",
            T0 + 300,
            {"text": "柜台排队4人，请二次分流", "length": 4, "held_s": 60},
            None,
            -1,
        ),
        _judged("queue_response", T0 + 300, {"latency_s": 12.0, "length": 4}, None, 2),
        _judged(
            "queue_wait",
            T0 + 310,
            {"wait_s": 80.0, "left_to": "self_service", "after_prompt": True},
            None,
            9,
        ),
        _judged(
            "queue_wait",
            T0 + 320,
            {"wait_s": 40.0, "left_to": "counter", "after_prompt": False},
            None,
            10,
        ),
        _judged(
            "teller_service",
            T0 + 400,
            {
                "counter": "counter_1",
                "customer": 10,
                "stood_up": True,
                "stand_latency_s": 1.0,
                "handovers": 2,
                "both_hands": 1,
                "watched_leaving": False,
                "faults": ["one_handed", "did_not_watch_leaving"],
            },
            "off_standard",
        ),
        _judged(
            "farewell",
            T0 + 500,
            {
                "customer": 7,
                "escorted": True,
                "by_track": 1,
                "together_m": 3.5,
                "staff_to_door_m": 0.6,
            },
            "to_standard",
            7,
        ),
        _judged("farewell", T0 + 600, {"customer": 8, "escorted": False}, "off_standard", 8),
    ]


def test_each_process_gets_its_row_figures_and_faults() -> None:
    rows = {row.process: row for row in process_rows(stored(_visit_day()))}
    assert list(rows) == ["opening", "guiding", "queue", "teller", "farewell"]
    assert (rows["opening"].occasions, rows["opening"].to_standard) == (1, 0)
    assert rows["opening"].faults == {"post_empty": 1}
    assert {f.name: f.value for f in rows["opening"].figures}["岗位到位率 posts manned"] == "50%"
    assert (rows["guiding"].occasions, rows["guiding"].to_standard) == (2, 1)
    figures = {f.name: f.value for f in rows["guiding"].figures}
    assert figures["左前方引导时间占比 time at the customer's front left"] == "60%"
    assert rows["guiding"].faults["not_front_left"] == 1
    queue = {f.name: f.value for f in rows["queue"].figures}
    assert (rows["queue"].occasions, rows["queue"].to_standard) == (1, 1)
    assert (
        queue["等候中位数 median wait"] == "60.0 秒"
        and queue["二次分流客户 customers diverted"] == "1"
    )
    teller = {f.name: f.value for f in rows["teller"].figures}
    assert teller["双手递接 both-hand handovers"] == "50%"
    assert rows["farewell"].faults == {"not_escorted": 1} and rows["farewell"].to_standard == 1


def test_the_section_in_html_and_csv_and_not_for_an_empty_shift() -> None:
    report = build_report(
        stored(_visit_day()),
        site="b",
        start=T0 - 3600,
        end=T0 + 3600,
        post=None,
        bow_target_deg=15.0,
        bow_tolerance_deg=5.0,
    )
    html = render(report, "html").decode()
    assert "其他服务流程 Other service processes" in html
    assert "迎宾引导 guiding" in html and "未在客户左前方引导 ×1" in html
    rows = list(csv.reader(io.StringIO(render(report, "csv").decode("utf-8-sig"))))
    assert ["礼貌送客 polite farewell", "达标 to standard", "1", ""] in rows
    empty = build_report(
        [], site="b", start=T0, end=T0 + 60, post=None, bow_target_deg=15.0, bow_tolerance_deg=5.0
    )
    assert "其他服务流程" not in render(empty, "html").decode()
