"""The one base of every settings section (the site file and its sections, the camera file):
unknown keys are refused, and every field has a title and a description, checked when the
section is defined, so that the schema, the README's tables and the error messages can say
what each key means."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic.fields import ComputedFieldInfo, FieldInfo


def _title(name: str, _: FieldInfo | ComputedFieldInfo) -> str:
    """A field's title where it gives none: its key in words (arrival_distance_m ->
    Arrival distance m)."""
    return name.replace("_", " ").capitalize()


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", field_title_generator=_title)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        undocumented = [name for name, field in cls.model_fields.items() if not field.description]
        if undocumented:
            raise TypeError(
                f"{cls.__qualname__}: every setting needs a description; "
                f"add Field(description=...) to {', '.join(undocumented)}"
            )
