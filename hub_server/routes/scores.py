"""The leaderboard and a task's scores, as JSON (the pages show the same)."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Path, Query

from skillgym.envs.core.protocol import LeaderboardPublic, TaskScoresPublic
from skillgym.hub_server.deps import CatalogDep, HubDep
from skillgym.hub_server.openapi import error_responses

router = APIRouter(tags=["scores"])


@router.get("/v1/leaderboard", responses=error_responses(404, 422))
async def get_leaderboard(
    hub: HubDep,
    suite: Annotated[str | None, Query(max_length=200, examples=["core-v1"])] = None,
) -> LeaderboardPublic:
    """A suite's verified runs ranked by mean score, with 95% bootstrap intervals.

    The newest run of each policy; unverified uploads listed apart. Default suite: the
    one with the latest finished run.
    """
    return await asyncio.to_thread(hub.scores.leaderboard, suite)


@router.get("/v1/tasks/{task_id:path}/scores", responses=error_responses(404))
async def get_task_scores(
    task_id: Annotated[str, Path(examples=["flight/family-trip"])],
    hub: HubDep,
    catalog: CatalogDep,
) -> TaskScoresPublic:
    """How finished runs scored on each version of a task; versions never mix."""
    catalog.versions(task_id)  # 404 for an unknown task
    return await asyncio.to_thread(hub.scores.task_scores, task_id)
