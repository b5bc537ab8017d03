"""The README's reference tables list every setting: a field added to a model without a row
fails here."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel

from etiquette.rules.config import RulesConfig
from etiquette.service.config import SiteConfig
from etiquette.vision.config import PerceptionConfig

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
DOCUMENTED = set(re.findall(r"^\| ([a-z_][a-z0-9_.\[\]]*) \|", README, flags=re.MULTILINE))
OWN_TABLES = {"perception", "rules"}  # the site file nests them; they have tables of their own


def _model_of(annotation: object) -> type[BaseModel] | None:
    for candidate in (annotation, *getattr(annotation, "__args__", ())):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Every setting of ``model`` as the README spells it (lists of models as ``name[]``)."""
    found = []
    for name, field in model.model_fields.items():
        nested = _model_of(field.annotation)
        is_list = "list[" in str(field.annotation)
        key = f"{prefix}{name}"
        if nested is None:
            found.append(key)
        elif prefix or name not in OWN_TABLES:
            found += keys(nested, f"{key}[]." if is_list else f"{key}.")
    return found


def test_every_site_setting_has_a_row() -> None:
    missing = [key for key in keys(SiteConfig) if key not in DOCUMENTED]
    assert missing == [], f"add README rows for {missing}"


def test_every_rules_and_perception_setting_has_a_row() -> None:
    missing = [k for k in keys(RulesConfig) + keys(PerceptionConfig) if k not in DOCUMENTED]
    assert missing == [], f"add README rows for {missing}"
