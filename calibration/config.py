"""The calibration settings of a site: how far off a floor mark may be."""

from __future__ import annotations

from pydantic import Field, model_validator

from etiquette.settings import Settings


class FitGate(Settings):
    """The fit gate: a floor fit whose worst mark is off by more than ``max_mark_error_cm``
    is refused (a typo, swapped x and y, a mark off the floor); one over
    ``warn_mark_error_cm`` is saved with a warning."""

    max_mark_error_cm: float = Field(
        10.0,
        gt=0,
        description="A floor fit whose worst mark is further than this from where the fit puts it (cm) is refused, naming the mark and the likely cause.",
    )
    warn_mark_error_cm: float = Field(
        5.0,
        gt=0,
        description="A fit whose worst mark is off by more than this (cm), but within max_mark_error_cm, is saved with a warning.",
    )

    @model_validator(mode="after")
    def _ordered(self) -> FitGate:
        if self.warn_mark_error_cm > self.max_mark_error_cm:
            raise ValueError(
                f"warn_mark_error_cm ({self.warn_mark_error_cm:g}) must not exceed "
                f"max_mark_error_cm ({self.max_mark_error_cm:g})"
            )
        return self
