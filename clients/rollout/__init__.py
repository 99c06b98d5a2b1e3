"""Rollouts: a policy fanned out over many environment replicas on Ray.

``skillgym rollout`` is the command; :func:`rollout` / :func:`rollout_async` are the
library. Needs ``skillgym[rollout]`` (Ray); the built-in scripted policies also need
the families installed (``skillgym[local]`` and their extras).

Example::

    from skillgym.clients.rollout import RolloutConfig, ScriptedPolicy, TaskRef, rollout

    groups, summary = rollout(
        ScriptedPolicy("oracle"),
        [TaskRef("arithmetic", "arithmetic/sum-list", "1.0.0")],
        {"arithmetic": ["http://127.0.0.1:8000"]},
        RolloutConfig(episodes=8, group_size=4),
        out="traj.jsonl",
    )
"""

from __future__ import annotations

from skillgym.clients.rollout.output import TrajectoryWriter, read_groups
from skillgym.clients.rollout.policy import (
    Agent,
    CallablePolicy,
    Decision,
    EpisodeContext,
    Policy,
    as_policy,
)
from skillgym.clients.rollout.replicas import LocalReplicas, ReplicaSet, StaticReplicas
from skillgym.clients.rollout.runner import (
    RolloutConfig,
    RolloutSummary,
    WorkerPool,
    rollout,
    rollout_async,
)
from skillgym.clients.rollout.sampler import TaskRef, TaskSampler
from skillgym.clients.rollout.scripted import ScriptedPolicy
from skillgym.clients.rollout.specs import load_policy, select_tasks
from skillgym.clients.rollout.trajectory import (
    SCHEMA_VERSION,
    Group,
    Rollout,
    Status,
    ToolCall,
    Turn,
    json_schema,
)

__all__ = [
    "SCHEMA_VERSION",
    "Agent",
    "CallablePolicy",
    "Decision",
    "EpisodeContext",
    "Group",
    "LocalReplicas",
    "Policy",
    "ReplicaSet",
    "Rollout",
    "RolloutConfig",
    "RolloutSummary",
    "ScriptedPolicy",
    "StaticReplicas",
    "Status",
    "TaskRef",
    "TaskSampler",
    "ToolCall",
    "TrajectoryWriter",
    "Turn",
    "WorkerPool",
    "as_policy",
    "json_schema",
    "load_policy",
    "read_groups",
    "rollout",
    "rollout_async",
    "select_tasks",
]
