"""The hub's public pages: the leaderboard, a run, a task; HTML rendered on the server.

They show what the JSON routes return (``/v1/leaderboard``, ``/v1/runs/{id}``,
``/v1/tasks/{id}/scores``), read without a token and without JavaScript. Handlers are
plain functions: FastAPI runs them in its thread pool, where the store's synchronous
database calls belong.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import jinja2
import markupsafe
from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from pydantic import ValidationError

from skillgym.envs.core.errors import RunNotFoundError, TaskNotFoundError
from skillgym.envs.core.protocol import EpisodePublic, LeaderboardEntry, RunPublic
from skillgym.envs.core.tasks import TaskCatalog, TaskSpec
from skillgym.envs.core.verification import Check
from skillgym.hub_server.charts import family_chart
from skillgym.hub_server.scores.hub import Hub

router = APIRouter(include_in_schema=False)

_PACKAGE = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = _PACKAGE / "templates"
STATIC_DIR = _PACKAGE / "static"
STATIC_FILES = {path.name: path for path in STATIC_DIR.iterdir() if path.is_file()}
# The URL of a static file names its content, so browsers may keep it for a year.
_STATIC_VERSIONS = {
    name: hashlib.sha256(path.read_bytes()).hexdigest()[:12] for name, path in STATIC_FILES.items()
}
STATIC_CACHE = "public, max-age=31536000, immutable"
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
_RUN_ID = re.compile(r"^[0-9a-f]{1,32}$")
NO_SCORES = (
    "This server keeps no scores (it was started with database_url none): runs and the "
    "leaderboard live on a hub."
)


def static_url(name: str) -> str:
    """The URL of a file of ``hub_server/static/``, versioned by its content."""
    return f"/static/{name}?v={_STATIC_VERSIONS[name]}"


def _when(iso: str | None) -> str:
    """``2026-05-01T12:30:00+00:00`` as ``2026-05-01 12:30 UTC`` (the hub keeps UTC)."""
    if not iso:
        return "\N{EN DASH}"
    return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M UTC")


ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
ENV.globals["static_url"] = static_url
ENV.filters["when"] = _when


@dataclass(frozen=True)
class TaskResult:
    """A run's episodes of one task version, summed up for its page."""

    task: str
    version: str
    episodes: int
    mean: float
    successes: int


@dataclass(frozen=True)
class EpisodeView:
    """An episode as its run page shows it: the record and its parsed checks."""

    episode: EpisodePublic
    checks: list[Check]
    score: float | None
    """The verifier's own score, when the verification says one."""


def task_results(episodes: list[EpisodePublic]) -> list[TaskResult]:
    """Mean reward and successes per task version, in order of first appearance."""
    grouped: dict[tuple[str, str], list[EpisodePublic]] = defaultdict(list)
    for episode in episodes:
        grouped[(episode.task, episode.version)].append(episode)
    return [
        TaskResult(
            task=task,
            version=version,
            episodes=len(group),
            mean=sum(e.reward for e in group) / len(group),
            successes=sum(e.success for e in group),
        )
        for (task, version), group in grouped.items()
    ]


def episode_view(episode: EpisodePublic) -> EpisodeView:
    """The episode with the checks of its ``verification`` (those that parse as checks)."""
    raw = episode.verification.get("checks")
    checks = []
    for item in raw if isinstance(raw, list) else []:
        try:
            checks.append(Check.model_validate(item))
        except ValidationError:
            continue  # an upload's free-form verification: shown only as far as it parses
    score = episode.verification.get("score")
    return EpisodeView(episode, checks, float(score) if isinstance(score, int | float) else None)


def seed_text(run: RunPublic) -> str | None:
    """``"<salt>:<seed>,<seed>,..."``: what the commitment hashes, once the seeds are out."""
    if run.seed_salt is None or run.seeds is None:
        return None
    return f"{run.seed_salt}:{','.join(str(seed) for seed in run.seeds)}"


def family_table(entries: list[LeaderboardEntry]) -> list[str]:
    """The families any of ``entries`` scored in, sorted: the columns of their table."""
    return sorted({family for entry in entries for family in entry.score.family_scores})


def _render(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = ENV.get_template(template).render(**context)
    return HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)


def not_found(message: str, *, links: list[tuple[str, str]] | None = None) -> HTMLResponse:
    """The 404 page: what was not found, and a way back."""
    return _render("not_found.html", status=404, message=message, links=links or [])


def _hub(request: Request) -> Hub | None:
    hub: Hub | None = request.app.state.hub
    return hub


def _catalog(request: Request) -> TaskCatalog:
    catalog: TaskCatalog = request.app.state.sessions.catalog
    return catalog


def _serving(request: Request, families: dict[str, list[TaskSpec]]) -> dict[str, str]:
    """For each family: the image that serves it, and where this hub runs its sessions."""
    from skillgym.hub_server.routes.envs import family_image

    replicas = request.app.state.replicas
    said = {}
    for family in families:
        image = family_image(family)
        where = "sessions run in the hub's process"
        if replicas is not None and replicas.serves(family):
            kind = replicas.pool.provider.kind
            where = f"sessions run on {replicas.count(family)} {kind} replica(s)"
        said[family] = f"Image {image}; {where}." if image else f"No image; {where}."
    return said


def _tasks_by_family(catalog: TaskCatalog) -> dict[str, list[TaskSpec]]:
    families: dict[str, list[TaskSpec]] = defaultdict(list)
    for spec in catalog.latest():
        families[spec.family].append(spec)
    return dict(sorted(families.items()))


@router.get("/", response_class=HTMLResponse)
def leaderboard_page(
    request: Request, suite: Annotated[str | None, Query(max_length=200)] = None
) -> HTMLResponse:
    """The leaderboard of ``suite`` (default: the suite of the latest finished run)."""
    hub = _hub(request)
    families = _tasks_by_family(_catalog(request))
    serving = _serving(request, families)
    if hub is None:
        return _render(
            "leaderboard.html", board=None, families=families, serving=serving, message=NO_SCORES
        )
    board = hub.scores.leaderboard(suite)
    if suite is not None and suite not in board.suites:
        return not_found(
            f"No finished run on suite {suite!r}.",
            links=[(f"/?suite={name}", f"Suite {name}") for name in board.suites],
        )
    return _render(
        "leaderboard.html",
        board=board,
        families=families,
        serving=serving,
        message=None,
        columns=family_table(board.entries + board.unverified),
        # family_chart escapes every text it draws.
        chart=markupsafe.Markup(family_chart(board.entries)),
    )


@router.get("/runs/{run_id}", response_class=HTMLResponse)
def run_page(request: Request, run_id: str) -> HTMLResponse:
    """A run: its score, seeds, per-task results and every episode with its checks."""
    hub = _hub(request)
    if hub is None:
        return not_found(NO_SCORES)
    if not _RUN_ID.match(run_id):
        return not_found(f"No run {run_id!r} on this hub: run ids are hexadecimal.")
    try:
        run = hub.scores.run(run_id)
    except RunNotFoundError as exc:
        return not_found(exc.message)
    return _render(
        "run.html",
        run=run,
        results=task_results(run.episodes),
        episodes=[episode_view(e) for e in run.episodes],
        played=sum(slot.played for slot in run.slots),
        seed_text=seed_text(run),
    )


@router.get("/tasks/{task_id:path}", response_class=HTMLResponse)
def task_page(request: Request, task_id: str) -> HTMLResponse:
    """A task: its versions and their content hashes, and the runs scored on each version."""
    try:
        specs = _catalog(request).versions(task_id)
    except TaskNotFoundError as exc:
        return not_found(exc.message)
    hub = _hub(request)
    scores = hub.scores.task_scores(task_id) if hub is not None else None
    by_version = {v.version: v.runs for v in scores.versions} if scores is not None else {}
    known = {spec.version for spec in specs}
    return _render(
        "task.html",
        latest=specs[-1],
        specs=list(reversed(specs)),
        scores=by_version,
        # Runs scored on a version this hub's catalogue no longer holds keep their place.
        retired=[v.version for v in scores.versions if v.version not in known] if scores else [],
        message=NO_SCORES if hub is None else None,
    )


@router.get("/static/{name}", response_model=None)
def static_file(name: str) -> Response:
    """A file of ``hub_server/static/`` by its exact name; nothing outside that folder."""
    path = STATIC_FILES.get(name)
    if path is None:
        return not_found(f"No static file {name!r}.")
    return FileResponse(path, headers={"Cache-Control": STATIC_CACHE})
