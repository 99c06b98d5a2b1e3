"""``GET /v1/tasks`` and ``GET /v1/tasks/{id}/versions``."""

from typing import Annotated

from fastapi import APIRouter, Path

from skillgym.envs.core.protocol import TaskPublic, TasksPublic
from skillgym.envs.core.registry import get_family
from skillgym.envs.core.tasks import TaskSpec
from skillgym.hub_server.deps import CatalogDep
from skillgym.hub_server.openapi import error_responses

router = APIRouter(prefix="/v1/tasks", tags=["tasks"])


def task_public(spec: TaskSpec) -> TaskPublic:
    """A task version as the API lists it."""
    return TaskPublic(
        id=spec.id,
        version=spec.version,
        family=spec.family,
        title=spec.title,
        difficulty=spec.difficulty,
        tags=spec.tags,
        max_steps=spec.limits.max_steps,
        content_hash=spec.content_hash,
    )


@router.get("", responses=error_responses(404))
async def list_tasks(catalog: CatalogDep, family: str | None = None) -> TasksPublic:
    """The latest version of every task, optionally of one family (404 for an unknown family)."""
    if family is not None:
        get_family(family)
    return TasksPublic(tasks=[task_public(spec) for spec in catalog.latest(family)])


@router.get("/{task_id:path}/versions", responses=error_responses(404))
async def list_versions(
    task_id: Annotated[str, Path(examples=["arithmetic/sum-list"])], catalog: CatalogDep
) -> TasksPublic:
    """Every version of one task, oldest first (404 for an unknown task)."""
    return TasksPublic(tasks=[task_public(spec) for spec in catalog.versions(task_id)])
