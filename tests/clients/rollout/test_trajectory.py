import json
from pathlib import Path

import jsonschema

from skillgym.clients.rollout.trajectory import (
    SCHEMA_VERSION,
    Group,
    Rollout,
    Status,
    Turn,
    json_schema,
    schema_text,
)

ROOT = Path(__file__).resolve().parents[3]


def _group(**rollout_fields: object) -> Group:
    rollout = Rollout(
        index=0, status=Status.COMPLETED, reward=1.0, policy="oracle", **rollout_fields
    )
    return Group(
        index=0,
        task="arithmetic/sum-list",
        version="1.0.0",
        family="arithmetic",
        seed=3,
        rollouts=[rollout],
        started=1,
    )


def test_published_schema_is_the_models_schema() -> None:
    published = ROOT / "docs" / "trajectory.schema.json"
    assert published.read_text() == schema_text(), (
        "docs/trajectory.schema.json is stale: regenerate it with "
        "python -c 'from skillgym.clients.rollout.trajectory import schema_text; "
        'print(schema_text(), end="")\' > docs/trajectory.schema.json'
    )


def test_a_group_line_validates_against_the_published_schema() -> None:
    turn = Turn(
        observation={"instruction": "Add."},
        action="{}",
        completion_token_ids=[1, 2],
        logprobs=[-0.1, -0.2],
        loss_mask=[1, 1],
    )
    line = json.loads(_group(turns=[turn]).model_dump_json())
    jsonschema.validate(line, json_schema())
    assert line["schema_version"] == SCHEMA_VERSION


def test_only_completed_rollouts_count_for_training() -> None:
    failed = Rollout(index=0, status=Status.ENV_ERROR, policy="oracle", error="replica died")
    assert failed.reward is None
    assert not failed.counts_for_training
    assert _group().rollouts[0].counts_for_training


def test_group_names_its_task_version() -> None:
    assert _group().task_id == "arithmetic/sum-list@1.0.0"
    assert _group().rewards == [1.0]
