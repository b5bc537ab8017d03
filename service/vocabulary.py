"""What people read for every id the product stores: event types, verdicts, posture faults,
clip reasons, roles, zones and camera states, in Chinese and English. One catalogue, used by
the pages (served as /web/vocabulary.js), reports, CSV, clip captions and prompts, so the same
thing is always called the same."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Literal

Language = Literal["zh", "en"]
LANGUAGES: tuple[Language, ...] = ("zh", "en")

CATALOGUE: dict[str, dict[str, tuple[str, str]]] = {
    "event": {
        "bow": ("鞠躬", "bow"),
        "welcome_gesture": ("迎宾手势", "welcome gesture"),
        "guiding_gesture": ("指引手势", "guiding gesture"),
        "posture": ("站姿", "standing posture"),
        "customer_arrived": ("客户到店", "customer arrived"),
        "greeting_prompt": ("迎宾提示", "greeting prompt"),
        "greeting": ("迎宾", "greeting"),
        "greeting_missed": ("未迎宾", "greeting missed"),
        "door_crossing": ("进出门", "door crossing"),
        "farewell": ("礼貌送客", "polite farewell"),
        "guiding": ("迎宾引导", "guiding"),
        "queue_prompt": ("分流提示", "diversion prompt"),
        "queue_response": ("排队响应", "queue response"),
        "queue_wait": ("排队等候", "queue wait"),
        "opening_lineup": ("开门迎宾站位", "opening line-up"),
        "opening_prompt": ("开门到岗提示", "opening prompt"),
        "salute": ("举手礼", "raised-hand salute"),
        "counter_visit": ("客户临柜", "customer at the counter"),
        "stood_up": ("起身", "stood up"),
        "handover": ("递接物品", "handover"),
        "attention": ("目视客户", "looking at the customer"),
        "teller_service": ("临柜五部曲", "teller's five steps"),
    },
    "verdict": {
        "to_standard": ("标准", "to standard"),
        "too_shallow": ("幅度不够", "too shallow"),
        "too_deep": ("过深", "too deep"),
        "rushed": ("过快", "rushed"),
        "cancelled": ("未完成（不是鞠躬）", "not a bow"),
        "unfinished": ("录像结束时未完成", "unfinished at the end"),
        "on_time": ("及时", "on time"),
        "late": ("迟了", "late"),
        "off_standard": ("不规范", "off standard"),
    },
    "posture_fault": {
        "arms_crossed": ("双臂交叉", "arms crossed"),
        "feet_apart": ("双脚分开过大", "feet too far apart"),
        "hands_behind_back": ("手背在身后", "hands behind the back"),
        "hands_not_in_place": ("手未放在规定位置", "hands not in place"),
        "head_down": ("低头", "head down"),
        "leaning": ("倚靠或歪斜", "leaning"),
        "shoulders_not_level": ("肩膀不平", "shoulders not level"),
    },
    "clip_reason": {
        "missed_greeting": ("未迎宾", "missed greeting"),
        "late_greeting": ("迎宾迟了", "late greeting"),
        "bow_off_standard": ("鞠躬不标准", "bow off standard"),
        "good_bow": ("标准鞠躬（示范）", "good bow (example)"),
        "posture_lapse": ("站姿不规范", "posture lapse"),
        "guiding_off_standard": ("引导不规范", "guiding off standard"),
        "good_guiding": ("标准引导（示范）", "good guiding (example)"),
        "not_escorted": ("未送客", "customer not escorted out"),
        "teller_off_standard": ("临柜服务不规范", "teller steps off standard"),
        "long_queue": ("排队过长", "long queue"),
    },
    "role": {
        "staff": ("员工", "staff"),
        "customer": ("客户", "customer"),
        "admin": ("管理员", "administrator"),
        "viewer": ("网点负责人", "branch manager"),
        "earpiece": ("大堂员工耳机", "lobby earpiece"),
    },
    "zone": {
        "door": ("门线", "door line"),
        "arrival": ("到店区", "arrival zone"),
        "post": ("岗位", "staff post"),
        "counter": ("柜台", "counter"),
        "queue": ("排队区", "queue area"),
        "ticket_machine": ("取号机", "ticket machine"),
        "self_service": ("自助服务区", "self-service area"),
        "waiting": ("等候区", "waiting area"),
    },
    "process": {
        "door_greeting": ("迎宾", "door greeting"),
        "opening": ("开门迎宾", "opening welcome"),
        "guiding": ("迎宾引导", "guiding"),
        "queue": ("客户分流", "customer diversion"),
        "teller": ("临柜五部曲", "teller's five steps"),
        "farewell": ("礼貌送客", "polite farewell"),
    },
    "process_fault": {
        "not_escorted": ("未送客至门口", "not escorted to the door"),
        "not_front_left": ("未在客户左前方引导", "not at the customer's front left"),
        "no_gesture": ("未做指引手势", "no guiding gesture"),
        "destination_not_reached": ("未引导到位", "not led to the area"),
        "post_empty": ("岗位无人", "post empty"),
        "sitting": ("坐着", "sitting"),
        "posture_off": ("站姿不规范", "posture off standard"),
        "stayed_seated": ("未起身相迎", "did not stand up"),
        "one_handed": ("单手递接", "one-handed handover"),
        "did_not_watch_leaving": ("未目送客户", "did not watch the customer leave"),
    },
    "stance": {
        "standing": ("站立", "standing"),
        "sitting": ("坐着", "sitting"),
        "unknown": ("未知", "unknown"),
    },
    "queue_exit": {
        "counter": ("去柜台", "to the counter"),
        "self_service": ("去自助服务区", "to self-service"),
        "elsewhere": ("离开", "elsewhere"),
        "unknown": ("未知", "unknown"),
    },
    "view": {
        "full_body": ("全身", "full body"),
        "upper_body": ("上半身", "upper body"),
    },
    "hand": {
        "left": ("左手", "left hand"),
        "right": ("右手", "right hand"),
    },
    "camera_state": {
        "starting": ("正在启动", "starting"),
        "online": ("在线", "online"),
        "offline": ("离线", "offline"),
        "reloading settings": ("正在用新的设置重新启动", "restarting with new settings"),
        "the stream ended": ("录像已播完", "the video has ended"),
    },
}

UNIT: dict[str, tuple[str, str]] = {
    "deg": ("°", "°"),
    "s": (" 秒", " s"),
    "m": (" 米", " m"),
    "cm": (" 厘米", " cm"),
    "%": ("%", "%"),
}
DIGITS = {"deg": 0, "s": 1, "m": 2, "cm": 1, "%": 0}


def label(category: str, key: str | None, language: Language = "zh") -> str:
    """``key`` as people read it; an id the catalogue lacks is shown as it is (never blank)."""
    if key is None:
        return ""
    pair = CATALOGUE.get(category, {}).get(key)
    if pair is None:
        return key
    return pair[LANGUAGES.index(language)]


def both(category: str, key: str | None) -> str:
    """Chinese first, English beside it: for places with no language switch (CSV, PDF)."""
    zh, en = label(category, key, "zh"), label(category, key, "en")
    return zh if zh == en else f"{zh} {en}"


def quantity(value: float | None, unit: str, language: Language = "zh") -> str:
    """A number with its unit and a precision a person can use ("16°", "2.3 秒", "1.25 米")."""
    if value is None:
        return "–"
    digits = DIGITS.get(unit, 1)
    text = f"{value:.{digits}f}"
    return text + UNIT.get(unit, (f" {unit}", f" {unit}"))[LANGUAGES.index(language)]


def named(names: Mapping[str, str], key: str | None) -> str:
    """A post's, zone's or camera's display name from the site file (else its id)."""
    if key is None:
        return ""
    return names.get(key, key)


def as_javascript() -> str:
    """The catalogue for the pages (common.js's word() and quantity() read it)."""
    words = {
        category: {k: list(v) for k, v in pairs.items()} for category, pairs in CATALOGUE.items()
    }
    units = {k: list(v) for k, v in UNIT.items()}
    return (
        "// Generated from etiquette/service/vocabulary.py: the product's one catalogue.\n"
        f"const VOCABULARY = {json.dumps(words, ensure_ascii=False)};\n"
        f"const UNITS = {json.dumps(units, ensure_ascii=False)};\n"
        f"const UNIT_DIGITS = {json.dumps(DIGITS)};\n"
    )
