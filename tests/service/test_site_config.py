"""The site file: defaults, relative paths, and refusals that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from etiquette.service.config import DATABASE_URL_ENV, SiteError, load_site

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "site.yaml"


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "site.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


def test_the_example_loads_with_paths_next_to_it() -> None:
    site = load_site(EXAMPLE)
    assert site.cameras[0].name == "lobby"
    samples = EXAMPLE.parent / ".." / "service" / "offline" / "samples"
    assert site.cameras[0].camera_file == samples / "intel_one_by_one.camera.yaml"
    assert Path(site.cameras[0].source) == samples / "intel_one_by_one.mp4"
    assert site.cameras[0].camera_file.is_file() and Path(site.cameras[0].source).is_file()
    assert site.storage.data_dir == Path.home() / "etiquette-data" / "demo-branch"
    assert site.rules.greeting.window_s == 3
    assert site.database_url().startswith("sqlite:///")


def test_database_url_from_the_environment_is_hidden(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(
        tmp_path,
        {
            "cameras": [{"name": "a", "source": "0"}],
            "storage": {"database_url": "postgresql+psycopg://u:secret@h/db"},
        },
    )
    site = load_site(path)
    assert "secret" not in str(site.redacted())
    monkeypatch.setenv(DATABASE_URL_ENV, "postgresql+psycopg://other@h/db")
    assert site.database_url() == "postgresql+psycopg://other@h/db"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"cameras": []}, "'cameras': List should have at least 1 item"),
        ({"camera": [{"name": "a", "source": "0"}]}, "missing key 'cameras'"),
        ({"cameras": [{"name": "a", "source": "0", "fps": 5}]}, "unknown key 'cameras.0.fps'"),
        ({"cameras": [{"name": "A B", "source": "0"}]}, "'cameras.0.name': String should match"),
        (
            {"cameras": [{"name": "a", "source": "0"}, {"name": "a", "source": "1"}]},
            "camera names must be unique; repeated: a",
        ),
        (
            {"cameras": [{"name": "a", "source": "0"}], "rules": {"bow": {"target": 15}}},
            "unknown key 'rules.bow.target'",
        ),
        ({"cameras": [{"name": "a", "source": "0"}], "server": {"port": 0}}, "'server.port'"),
    ],
)
def test_refusals(tmp_path: Path, data: object, message: str) -> None:
    with pytest.raises(SiteError, match=message):
        load_site(_write(tmp_path, data))


def test_missing_or_broken_file(tmp_path: Path) -> None:
    with pytest.raises(SiteError, match="no such site file"):
        load_site(tmp_path / "nope.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("cameras: [")
    with pytest.raises(SiteError, match="not valid YAML"):
        load_site(broken)
