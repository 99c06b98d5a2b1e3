"""Runs: start one, play or upload its episodes, finish it, read it, withdraw it.

A verified run's episodes are not posted here: they are played in the hub's sessions
(reset option ``run``) and recorded by the hub. Uploads make an unverified run.
"""

from __future__ import annotations

import asyncio
from pathlib import Path as PathType
from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import FileResponse

from skillgym.envs.core.errors import ForbiddenError, RunStateError, TaskNotFoundError
from skillgym.envs.core.protocol import EpisodesAdded, EpisodesUpload, RunCreate, RunPublic
from skillgym.envs.core.registry import FAMILIES, env_class
from skillgym.envs.core.suites import Suite, load_suite
from skillgym.envs.core.tasks import TaskCatalog
from skillgym.hub_server.deps import CatalogDep, HubDep, PrincipalDep, TaskRootsDep
from skillgym.hub_server.openapi import error_responses

router = APIRouter(prefix="/v1/runs", tags=["runs"])
RunId = Annotated[str, Path(pattern=r"^[0-9a-f]{1,32}$", examples=["5f1c2a9e0b7d4c3e"])]


def suite_for(name: str, catalog: TaskCatalog, roots: list[PathType]) -> Suite:
    """The suite called ``name`` in the hub's task roots, every task of it playable here.

    Raises:
        TaskNotFoundError: No such suite, or it pins a task version this hub lacks.
    """
    if not name.replace("-", "").replace(".", "").isalnum():
        raise TaskNotFoundError(f"Expects a suite name like core-v1, actual value: {name!r}")
    suite = load_suite(name, roots=roots)
    for ref in suite.tasks:
        catalog.resolve(ref)
    return suite


def _check_uploads(suite: Suite, body: RunCreate | EpisodesUpload) -> None:
    outside = sorted({e.task for e in body.episodes} - set(suite.tasks))
    if outside:
        raise RunStateError(
            f"Suite {suite.name} has no task {', '.join(outside[:5])}; its tasks: "
            f"{', '.join(suite.tasks)}"
        )


@router.post("", status_code=201, responses=error_responses(404, 409, 413, 422))
async def create_run(
    body: RunCreate,
    hub: HubDep,
    catalog: CatalogDep,
    roots: TaskRootsDep,
    principal: PrincipalDep,
) -> RunPublic:
    """Start a run of a policy on a suite.

    Verified (the default): the hub draws hidden seeds and shows their commitment; play
    each slot with the reset option ``{"run": {"id": ..., "slot": n}}``. Unverified:
    ``episodes`` played elsewhere, kept apart from the ranking.
    """
    assert principal is not None  # the middleware refused calls without a token
    suite = suite_for(body.suite, catalog, roots)
    if body.verified and body.episodes:
        raise RunStateError(
            "A verified run's episodes are played in the hub's sessions, not uploaded; "
            "send verified: false to upload episodes played elsewhere."
        )
    _check_uploads(suite, body)
    if body.reference and not principal.can("admin"):
        raise ForbiddenError(
            "A reference run shows its seeds to the player: it needs an admin token."
        )

    def create() -> RunPublic:
        run = hub.scores.create_run(
            suite,
            body.policy,
            principal,
            verified=body.verified,
            reference=body.reference,
            episodes_per_task=body.episodes_per_task,
        )
        if body.episodes:
            hub.scores.add_episodes(run.id, body.episodes, principal)
            return hub.scores.finish(run.id, principal)
        return run

    return await asyncio.to_thread(create)


@router.get("/{run_id}", responses=error_responses(404, 422))
async def get_run(run_id: RunId, hub: HubDep) -> RunPublic:
    """A run: its slots, recorded episodes, score, and its seeds once it has ended."""
    return await asyncio.to_thread(hub.scores.run, run_id)


@router.post("/{run_id}/episodes", responses=error_responses(404, 409, 413, 422))
async def upload_episodes(
    run_id: RunId,
    body: EpisodesUpload,
    hub: HubDep,
    catalog: CatalogDep,
    roots: TaskRootsDep,
    principal: PrincipalDep,
) -> EpisodesAdded:
    """Append a batch of episodes played elsewhere to an unverified run."""
    run = await asyncio.to_thread(hub.scores.run, run_id)
    _check_uploads(suite_for(run.suite, catalog, roots), body)
    total = await asyncio.to_thread(hub.scores.add_episodes, run_id, body.episodes, principal)
    return EpisodesAdded(run_id=run_id, episodes=total)


@router.post("/{run_id}/finish", responses=error_responses(404, 422))
async def finish_run(run_id: RunId, hub: HubDep, principal: PrincipalDep) -> RunPublic:
    """End a run: score it and reveal its seeds. A verified run's unplayed slots score 0."""
    return await asyncio.to_thread(hub.scores.finish, run_id, principal)


@router.post("/{run_id}/withdraw", responses=error_responses(404, 422))
async def withdraw_run(run_id: RunId, hub: HubDep) -> RunPublic:
    """Take a run off the leaderboard (admin); the run and its episodes stay readable."""
    await asyncio.to_thread(hub.scores.withdraw, run_id)
    return await asyncio.to_thread(hub.scores.run, run_id)


@router.get(
    "/{run_id}/episodes/{slot}/artifacts/{name}",
    response_class=FileResponse,
    responses={200: {"content": {"*/*": {}}}, **error_responses(404, 422)},
)
async def get_episode_artifact(run_id: RunId, slot: int, name: str, hub: HubDep) -> FileResponse:
    """A file the hub kept from a verified episode.

    ``transcript.json`` (every step, as the hub saw it), and the family's own
    (``screenshot.png``, ``workbook.xlsx``).
    """
    path = hub.artifacts.path(run_id, slot, name)
    return FileResponse(path, media_type=_media_type(name), filename=f"{run_id}-{slot}-{name}")


def _media_type(name: str) -> str:
    if name.endswith(".json"):
        return "application/json"
    for family in FAMILIES:
        media = env_class(family).artifact_types.get(name)
        if media:
            return media
    return "application/octet-stream"
