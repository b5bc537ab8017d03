"""`etiquette hq-token` and `etiquette hq`'s refusals, on the test PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from etiquette.service.cli.main import main
from tests.postgres import postgres_base_url, postgres_database


@pytest.fixture
def hq_file(tmp_path: Path) -> Iterator[Path]:
    for url in postgres_database(postgres_base_url()):
        path = tmp_path / "HQ.yaml"
        path.write_text(f"database_url: {url}\nbroker: {{port: 1, tls: false}}\n")
        yield path


def test_tokens_are_created_listed_and_revoked(
    hq_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(
            [
                "hq-token",
                "create",
                "--config",
                str(hq_file),
                "--role",
                "head_office",
                "--name",
                "boss",
            ]
        )
        == 0
    )
    assert len(capsys.readouterr().out.strip()) > 30
    assert (
        main(
            [
                "hq-token",
                "create",
                "--config",
                str(hq_file),
                "--role",
                "region",
                "--scope",
                "华东区",
                "--name",
                "east",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["hq-token", "list", "--config", str(hq_file)]) == 0
    assert capsys.readouterr().out.splitlines() == ["boss\thead_office\t", "east\tregion\t华东区"]
    assert main(["hq-token", "revoke", "--config", str(hq_file), "--name", "boss"]) == 0
    assert main(["hq-token", "revoke", "--config", str(hq_file), "--name", "boss"]) == 2
    assert "no token named 'boss'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ("database_url: sqlite:////tmp/x.db\n", "needs PostgreSQL"),
        ("database_url: postgresql+psycopg://nobody@127.0.0.1:1/none\n", "cannot be used"),
        ("silent_after_s: -1\n", "silent_after_s"),
        ("branches: [{id: b1}]\n", "branches.0.name"),
        ("{{{", "not valid YAML"),
    ],
)
def test_a_wrong_head_office_file_is_one_line_saying_what_to_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, said: str
) -> None:
    path = tmp_path / "HQ.yaml"
    path.write_text(content)
    code = main(
        ["hq-token", "create", "--config", str(path), "--role", "head_office", "--name", "x"]
    )
    error = capsys.readouterr().err
    assert code == 2 and said in error and len(error.strip().splitlines()) == 1
