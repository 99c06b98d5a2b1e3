"""The demo's last act: baselines and the small model evaluated on ``core-v1`` through a hub.

Each policy plays the suite as a verified run on hidden seeds, in the hub's own
sessions; the hub records every verdict in its database, the same one ``make serve``
(``skillgym serve``) reads, so the leaderboard page stays up after the demo.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from skillgym.hub_server.runner import BackgroundServer
from skillgym.hub_server.settings import ServerSettings


@dataclass(frozen=True)
class Contender:
    """One policy the demo evaluates, and its patience."""

    policy: str
    max_turns: int | None = None
    reference: bool = False
    """The oracle needs the seeds: a reference run (listed apart, unranked)."""


@dataclass(frozen=True)
class LeaderboardDemo:
    """What the demo evaluates on which suite, and into which database."""

    suite: str = "core-v1"
    episodes_per_task: int = 1
    contenders: tuple[Contender, ...] = (
        Contender("oracle", reference=True),
        Contender("heuristic"),
        Contender("random", max_turns=12),
        Contender("model:smollm2", max_turns=2),
    )
    database_url: str | None = None
    """Default: the hub's own default (``SKILLGYM_DATABASE_URL``, else ~/.local/share/skillgym)."""


def run_leaderboard_demo(
    demo: LeaderboardDemo = LeaderboardDemo(), echo: Callable[[str], None] = print
) -> list[str]:
    """Evaluate each contender through a local hub; print the board and where to read it.

    Returns:
        The ids of the runs it made.
    """
    from skillgym.clients.hub_client import HubClient
    from skillgym.clients.rollout.evaluation import EvalConfig, evaluate
    from skillgym.clients.rollout.runner import ensure_ray
    from skillgym.clients.rollout.specs import load_policy
    from skillgym.hub_report import print_leaderboard
    from skillgym.hub_server.scores.database import Database
    from skillgym.hub_server.scores.tokens import TokenStore

    settings = ServerSettings(port=0)
    if demo.database_url is not None:
        settings = settings.model_copy(update={"database_url": demo.database_url})
    assert settings.database_url is not None
    database = Database.open(settings.database_url)
    tokens = TokenStore(database)
    # Tokens for this demo only, revoked at its end: a database that outlives the demo
    # keeps no live credential it did not ask for.
    admin, admin_token = tokens.create("demo (reference runs)", ["admin"])
    submitter, submit_token = tokens.create("demo", ["submit"])
    ensure_ray(include_dashboard=False)
    runs = []
    try:
        with BackgroundServer(settings) as server:
            echo(
                f"\nLeaderboard: {len(demo.contenders)} policies evaluated on {demo.suite} through "
                f"a hub at {server.base_url} ({demo.episodes_per_task} hidden seed(s) per task; "
                f"scores kept in {settings.database_url}):"
            )
            for contender in demo.contenders:
                policy = load_policy(contender.policy)
                result = evaluate(
                    policy,
                    hub=server.base_url,
                    token=admin_token if contender.reference else submit_token,
                    config=EvalConfig(
                        suite=demo.suite,
                        episodes_per_task=demo.episodes_per_task,
                        reference=contender.reference,
                        max_turns=contender.max_turns,
                        max_in_flight=8,
                    ),
                )
                runs.append(result.run.id)
                score = result.run.score
                mean = (
                    f"{score.mean:.3f} ({score.ci_low:.3f}-{score.ci_high:.3f})" if score else "-"
                )
                kind = "reference run" if contender.reference else "verified run"
                echo(
                    f"  {policy.name:<16} {kind} {result.run.id}: mean {mean}, "
                    f"{result.played} episodes played"
                    + (f", {len(result.failed)} unplayed" if result.failed else "")
                )
            with HubClient(server.base_url) as client:
                print_leaderboard(client.leaderboard(demo.suite), server.base_url)
    finally:
        tokens.revoke(admin.id)
        tokens.revoke(submitter.id)
        database.close()
    echo(
        "The leaderboard lives in the hub's database: `make serve`, then open "
        f"http://127.0.0.1:8000/?suite={demo.suite} (each run's page shows its episodes, "
        "their checks, files and revealed seeds). Evaluate your own policy with\n"
        f"  .venv/bin/skillgym tokens create --scope submit\n"
        f"  .venv/bin/skillgym eval --suite {demo.suite} --policy <policy> --token <token>"
    )
    return runs
