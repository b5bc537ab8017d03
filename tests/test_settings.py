"""Every settings section has one base: unknown keys refused, every field titled and
described (the site file, the camera file and every section inside them)."""

from __future__ import annotations

import inspect
import re

import pytest
from pydantic import BaseModel, Field, ValidationError

from etiquette.calibration.camera_file import CameraFile
from etiquette.service.config import SiteConfig
from etiquette.settings import Settings


def _sections(model: type[BaseModel], seen: set[type[BaseModel]]) -> set[type[BaseModel]]:
    if model in seen:
        return seen
    seen.add(model)
    for field in model.model_fields.values():
        annotation = field.annotation
        for kind in (*getattr(annotation, "__args__", ()), annotation):
            if inspect.isclass(kind) and issubclass(kind, BaseModel):
                _sections(kind, seen)
            for inner in getattr(kind, "__args__", ()):  # dict[str, Section], list[...]
                if inspect.isclass(inner) and issubclass(inner, BaseModel):
                    _sections(inner, seen)
    return seen


SECTIONS = sorted(
    _sections(SiteConfig, set()) | _sections(CameraFile, set()), key=lambda m: m.__name__
)


@pytest.mark.parametrize("section", SECTIONS, ids=lambda m: m.__name__)
def test_every_section_is_settings_with_every_field_titled_and_described(
    section: type[BaseModel],
) -> None:
    assert issubclass(section, Settings)
    properties = section.model_json_schema()["properties"]
    for name, field in section.model_fields.items():
        assert field.description, f"{section.__name__}.{name}"
        # A nested section is titled by its own schema (a $ref carries no title of its own).
        assert properties[name].get("title") or "$ref" in properties[name], name


def test_the_sections_cover_the_site_and_camera_files() -> None:
    names = {m.__name__ for m in SECTIONS}
    assert {"SiteConfig", "RulesConfig", "PerceptionConfig", "MqttConfig", "ClipConfig"} <= names
    assert {"CameraFile", "Zones", "Intrinsics", "MarkedPoint"} <= names


def test_an_undocumented_setting_is_refused_where_it_is_defined() -> None:
    with pytest.raises(TypeError, match=re.escape("add Field(description=...) to threshold")):

        class Careless(Settings):
            threshold: float = 0.5
            documented: float = Field(1.0, description="Fine.")

    class Careful(Settings):
        arrival_distance_m: float = Field(1.0, description="Near the door.")

    assert Careful.model_json_schema()["properties"]["arrival_distance_m"]["title"] == (
        "Arrival distance m"
    )
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        Careful.model_validate({"arrival_distance_m": 1.0, "arival_distance_m": 2.0})
