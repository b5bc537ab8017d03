"""The calibration API's requests and answers, and its errors as sentences a person can act
on, in Chinese and English, naming the mark or field (never pydantic's raw list)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from etiquette.calibration.camera_file import CameraFile, MarkedPoint, Zones
from etiquette.calibration.errors import CalibrationError, Note

MAX_MARKS = 200  # far more than a floor fit needs (8-20)
MAX_POINTS = 400  # pixels or floor points converted in one preview
Pair = Annotated[list[float], Field(min_length=2, max_length=2)]
Marks = Annotated[list[MarkedPoint], Field(min_length=4, max_length=MAX_MARKS)]


class CalibrationRequest(BaseModel):
    """What the page edited: only the parts sent are changed in the camera file."""

    model_config = ConfigDict(extra="forbid")

    points: Marks | None = Field(None, description="Floor marks to fit the floor to.")
    zones: Zones | None = Field(
        None, description="Zones to set; only the keys sent (door, posts, ...) are replaced."
    )


class PreviewRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    points: Marks = Field(description="Floor marks to fit.")
    zones: Zones | None = Field(None, description="Zones to draw, in floor metres.")
    to_floor: Annotated[list[Pair], Field(max_length=MAX_POINTS)] = Field(
        default_factory=list, description="Raw pixels to put on the floor (metres)."
    )
    to_pixels: Annotated[list[Pair], Field(max_length=MAX_POINTS)] = Field(
        default_factory=list, description="Floor points (metres) to find in the picture."
    )
    grid_m: float = Field(0.5, ge=0.1, le=10, description="Floor grid spacing, metres.")


class Message(BaseModel):
    """A message for people, in both languages, and the mark (1-based) it is about."""

    en: str
    zh: str
    mark: int | None = None

    @classmethod
    def of(cls, note: Note) -> Message:
        return cls(en=note.en, zh=note.zh, mark=note.mark)


class CalibrationResult(BaseModel):
    fit_error_cm: float | None
    worst_mark_cm: float | None
    height_m: float | None
    tilt_deg: float | None
    warnings: list[Message]
    backup: bool = Field(description="The replaced file was kept and can be restored.")
    image_size: list[int]


class ZoneOutline(BaseModel):
    kind: Literal["door", "arrival", "post", "counter", "queue", "area"]
    name: str
    pieces: list[list[Pair]] = Field(description="Pixel polylines (the parts in view).")


class PreviewResult(BaseModel):
    verdict: Literal["ok", "warn", "refused"]
    messages: list[Message]
    residuals_cm: list[float | None] = Field(description="Per mark; null: off the fitted floor.")
    fit_error_cm: float | None
    height_m: float | None
    tilt_deg: float | None
    grid: list[list[Pair]] = Field(description="Floor grid lines as pixel polylines.")
    zones: list[ZoneOutline]
    floor: list[Pair | None] = Field(description="to_floor's pixels on the floor (metres).")
    pixels: list[Pair | None] = Field(description="to_pixels's floor points in the picture.")


class CalibrationProblem(BaseModel):
    detail: str = Field(description="What is wrong and what to do, in English.")
    zh: str = Field(description="The same in Chinese.")
    mark: int | None = Field(None, description="The mark (1-based) it is about.")
    field: str | None = Field(None, description="The request field it is about.")


def problem(error: CalibrationError, status: int = 422) -> JSONResponse:
    note = error.note
    body = CalibrationProblem(detail=note.en, zh=note.zh, mark=note.mark)
    return JSONResponse(body.model_dump(), status_code=status)


ZONE_NAMES = {
    "door": ("the door line", "门线"),
    "arrival_distance_m": ("the arrival distance", "到店距离"),
    "queue": ("the queue area", "排队区"),
}
KINDS = {"posts": ("post", "岗位"), "counters": ("counter", "柜台")}
PARTS = {"a": ("end A", "端点 A"), "b": ("end B", "端点 B"), "inside": ("inside point", "店内一点")}


def _field(loc: tuple[Any, ...]) -> tuple[str, str, int | None]:
    """A request field's name for people (English, Chinese) and its mark, from its loc."""
    parts = [part for part in loc if part != "body"]
    if not parts:
        return "the request", "请求", None
    head, rest = parts[0], parts[1:]
    if head == "points" and rest and isinstance(rest[0], int):
        mark = rest[0] + 1
        if len(rest) > 1:
            return f"mark {mark}'s {rest[1]}", f"标记 {mark} 的 {rest[1]}", mark
        return f"mark {mark}", f"标记 {mark}", mark
    if head == "points":
        return "the marks", "标记", None
    if head == "zones" and rest:
        zone = rest[0]
        if zone in KINDS and len(rest) > 1:
            en, zh = KINDS[zone]
            return f"{en} {rest[1]}", f"{zh} {rest[1]}", None
        en, zh = ZONE_NAMES.get(str(zone), (str(zone), str(zone)))
        if len(rest) > 1 and rest[1] in PARTS:
            return f"{en}'s {PARTS[rest[1]][0]}", f"{zh}的{PARTS[rest[1]][1]}", None
        return en, zh, None
    return ".".join(str(p) for p in parts), ".".join(str(p) for p in parts), None


def _what(error: dict[str, Any]) -> tuple[str, str]:
    """What is wrong with a field (English, Chinese), from a pydantic error."""
    kind, context = error["type"], error.get("ctx") or {}
    message = str(error.get("msg", "")).removeprefix("Value error, ")
    known = {
        "missing": ("is missing; fill it in", "没有填写；请填写"),
        "float_parsing": ("is not a number; type a number in metres", "不是数字；请填写数字（米）"),
        "float_type": ("is not a number; type a number in metres", "不是数字；请填写数字（米）"),
        "finite_number": ("is not a finite number", "不是有效数字"),
        "extra_forbidden": ("is not a known field; remove it", "不是可用的字段；请删除"),
        "list_type": ("must be a list", "格式不对，应为列表"),
        "dict_type": ("must be a mapping of names", "格式不对，应为名称对应的区域"),
    }
    if kind in known:
        return known[kind]
    if kind == "too_short":
        least = context.get("min_length", "")
        return (f"needs at least {least}", f"至少需要 {least} 个")
    if kind == "too_long":
        most = context.get("max_length", "")
        return (f"has more than {most}", f"超过 {most} 个")
    if kind in {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}:
        bound = next(iter(context.values()), "")
        sign = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<"}.get(kind, "<=")
        return (f"must be {sign} {bound}", f"必须 {sign} {bound}")
    return message, _zone_message_zh(message)


def _zone_message_zh(message: str) -> str:
    if "closer than 5 cm" in message:
        return "门线两端相距不到 5 厘米；请把两端放在门的两侧"
    if "inside point lies on the door line" in message:
        return "店内一点落在门线上；请在店内一侧另点一点"
    if "at least 3 corners" in message:
        return "至少需要 3 个角点"
    return message


def validation_problem(error: RequestValidationError) -> JSONResponse:
    """The first thing wrong in a request, as a sentence naming the field."""
    first = jsonable_encoder(error.errors()[0]) if error.errors() else {"loc": (), "type": ""}
    field_en, field_zh, mark = _field(tuple(first.get("loc", ())))
    what_en, what_zh = _what(first)
    body = CalibrationProblem(
        detail=f"{field_en} {what_en}",
        zh=f"{field_zh} {what_zh}",
        mark=mark,
        field=".".join(str(p) for p in first.get("loc", ()) if p != "body") or None,
    )
    return JSONResponse(body.model_dump(), status_code=422)


def pose_figures(camera: CameraFile) -> tuple[float | None, float | None]:
    """The camera's height (m) and tilt (degrees) as the page shows them, when its floor fit
    gives a pose."""
    pose = camera.floor.pose if camera.floor is not None else None
    if pose is None:
        return None, None
    return round(pose.height_m, 2), round(pose.tilt_deg, 1)
