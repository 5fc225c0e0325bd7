"""Every cross-language scenario file in ``tests/`` replayed through the Python API."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import SCENARIOS
from scenarios import ScenarioError, run_file

FILES = sorted(SCENARIOS.glob("*.json"))


def test_the_scenario_directory_is_there() -> None:
    assert (SCENARIOS / "vectors").is_dir(), SCENARIOS


@pytest.mark.parametrize("path", FILES or [None], ids=[p.stem for p in FILES] or ["none"])
def test_scenario(path: "Path | None") -> None:
    if path is None:
        # Nothing to replay yet: there really is no scenario file.
        assert not list(SCENARIOS.glob("*.json"))
        return
    run_file(path)


def test_the_runner_fails_on_what_it_does_not_know(tmp_path: Path) -> None:
    unknown_kind = tmp_path / "x.json"
    unknown_kind.write_text('{"name": "x", "description": "", "spec": ["MQTT-1"], "kind": "nope"}')
    with pytest.raises(ScenarioError, match="unknown kind"):
        run_file(unknown_kind)
    unknown_op = tmp_path / "y.json"
    unknown_op.write_text(
        '{"name": "y", "description": "", "spec": ["MQTT-1"], "kind": "client",'
        ' "config": {"client_id": "c"}, "steps": [{"op": "fly"}]}'
    )
    with pytest.raises(ScenarioError, match="unknown op"):
        run_file(unknown_op)
    unknown_field = tmp_path / "z.json"
    unknown_field.write_text(
        '{"name": "z", "description": "", "spec": ["MQTT-1"], "kind": "client",'
        ' "config": {"client_id": "c", "colour": 1}, "steps": []}'
    )
    with pytest.raises(ScenarioError, match="unknown"):
        run_file(unknown_field)
