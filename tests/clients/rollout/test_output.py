from pathlib import Path

import pytest

from skillgym.clients.rollout.output import (
    TrajectoryFileError,
    TrajectoryWriter,
    open_for_resume,
    read_groups,
)
from skillgym.clients.rollout.trajectory import Group, Rollout, Status


def _group(index: int, dropped: bool = False) -> Group:
    rollout = Rollout(index=0, status=Status.COMPLETED, reward=0.5, policy="p")
    return Group(
        index=index,
        task="arithmetic/sum-list",
        version="1.0.0",
        family="arithmetic",
        seed=index,
        rollouts=[rollout],
        dropped="equal_rewards" if dropped else None,
    )


def test_written_groups_read_back_in_order(tmp_path: Path) -> None:
    path = tmp_path / "traj.jsonl"
    with TrajectoryWriter(path) as writer:
        for i in range(3):
            writer.write(_group(i))
    assert [g.index for g in read_groups(path)] == [0, 1, 2]


def test_dropped_groups_are_kept_on_disk_and_skipped_on_request(tmp_path: Path) -> None:
    path = tmp_path / "traj.jsonl"
    with TrajectoryWriter(path) as writer:
        writer.write(_group(0, dropped=True))
        writer.write(_group(1))
    assert [g.index for g in read_groups(path)] == [0, 1]
    assert [g.index for g in read_groups(path, include_dropped=False)] == [1]


def test_resume_cuts_off_a_torn_last_line(tmp_path: Path) -> None:
    path = tmp_path / "traj.jsonl"
    with TrajectoryWriter(path) as writer:
        writer.write(_group(0))
    whole = path.read_bytes()
    path.write_bytes(whole + _group(1).model_dump_json().encode()[:40])
    assert [g.index for g in open_for_resume(path)] == [0]
    assert path.read_bytes() == whole
    with TrajectoryWriter(path) as writer:
        writer.write(_group(1))
    assert [g.index for g in read_groups(path)] == [0, 1]


def test_a_broken_line_in_the_middle_is_an_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "traj.jsonl"
    path.write_text('{"not": "a group"}\n' + _group(0).model_dump_json() + "\n")
    with pytest.raises(TrajectoryFileError, match=r"traj.jsonl:1 is not a trajectory group"):
        read_groups(path)
