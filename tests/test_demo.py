"""What `make demo` runs: a local server, oracle and random policies over the wire."""

import json

import openpyxl
import pytest

from skillgym.demo import DemoConfig, FamilyDemo, run_demo
from skillgym.envs.core.tasks import TaskCatalog
from skillgym.hub_server.scores.database import Database
from skillgym.hub_server.scores.store import ScoreStore
from skillgym.hub_server.scores.tokens import TokenStore
from skillgym.leaderboard_demo import Contender, LeaderboardDemo, run_leaderboard_demo

CATALOG = TaskCatalog.load()
FAMILIES = (
    FamilyDemo("arithmetic", seeds=2),
    FamilyDemo("spreadsheet", seeds=2, artifacts=("workbook.xlsx",)),
)
TASKS = {spec.ref for family in FAMILIES for spec in CATALOG.latest(family.name)}


@pytest.mark.parametrize("transport", ["http", "websocket"])
def test_the_demo_plays_every_task_and_writes_every_episode(tmp_path, transport):
    printed: list[str] = []
    out = tmp_path / "episodes.jsonl"
    config = DemoConfig(families=FAMILIES, transport=transport, out=out)
    results = run_demo(config, echo=printed.append)
    assert len(results) == len(TASKS) * 2 * 2
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert {
        (line["policy"], f"{line['episode']['task']}@{line['episode']['version']}")
        for line in lines
    } == {(policy, task) for policy in ("oracle", "random") for task in TASKS}
    assert all(line["episode"]["reward"] == 1.0 for line in lines if line["policy"] == "oracle")
    table = "\n".join(printed)
    rows = [line.split() for line in table.splitlines()]
    assert ["arithmetic/sum-list@1.0.0", "oracle", "2", "1.00", "100%"] in rows
    assert str(out) in table
    workbooks = sorted(config.files.glob("*.xlsx"))
    assert len(workbooks) == len(CATALOG.latest("spreadsheet")) * 2 * 2
    dcf = CATALOG.resolve("spreadsheet/dcf-valuation")
    oracle_book = config.files / f"dcf-valuation-{dcf.version}-seed0-oracle-workbook.xlsx"
    assert openpyxl.load_workbook(oracle_book)["Model"]["C16"].value.startswith("=")


def test_the_demo_plays_every_terminal_task_in_sandboxes(tmp_path):
    printed: list[str] = []
    config = DemoConfig(families=(FamilyDemo("terminal", seeds=1),), out=tmp_path / "e.jsonl")
    results = run_demo(config, echo=printed.append)
    tasks = CATALOG.latest("terminal")
    assert len(results) == len(tasks) * 2
    oracle = [r for policy, r in results if policy == "oracle"]
    assert all(r.reward == 1.0 and r.success for r in oracle), [
        (r.task, r.reward) for r in oracle if r.reward != 1.0
    ]
    assert "bubblewrap sandboxes" in "\n".join(printed)


def test_the_demo_books_every_flight_task_and_keeps_each_last_page(tmp_path):
    flight = FamilyDemo("flight", seeds=1, artifacts=("screenshot.png",))
    config = DemoConfig(families=(flight,), policies=("oracle",), out=tmp_path / "episodes.jsonl")
    printed: list[str] = []
    results = run_demo(config, echo=printed.append)
    assert len(results) == len(CATALOG.latest("flight"))
    assert all(result.reward == 1.0 for _, result in results)
    shots = sorted(config.files.glob("*-screenshot.png"))
    assert len(shots) == len(results) and all(s.read_bytes()[:4] == b"\x89PNG" for s in shots)
    assert "Each flight episode's last page" in "\n".join(printed)


def test_the_demo_rolls_out_groups_over_replicas_and_the_small_model(tmp_path):
    pytest.importorskip("ray")
    pytest.importorskip("llama_cpp", reason="the model extra: pip install 'skillgym[model]'")
    from skillgym.clients.rollout import read_groups
    from skillgym.demo import RolloutDemo, run_rollout_demo

    printed: list[str] = []
    out = tmp_path / "trajectories.jsonl"
    demo = RolloutDemo(families=("spreadsheet",), groups_per_family=1, model_episodes=2, out=out)
    run_rollout_demo(demo, echo=printed.append)
    [group] = read_groups(out)
    assert group.family == "spreadsheet" and [r.reward for r in group.rollouts] == [1.0, 1.0]
    [model_group] = read_groups(out.with_name("model-trajectories.jsonl"))
    assert all(t.completion_token_ids for r in model_group.rollouts for t in r.turns[:-1])
    assert "skillgym rollout --family" in "\n".join(printed)


def test_the_leaderboard_demo_fills_a_hubs_board_with_verified_and_reference_runs(
    tmp_path, monkeypatch
):
    ray = pytest.importorskip("ray")
    if not ray.is_initialized():
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    tasks = tmp_path / "tasks"
    (tasks / "suites").mkdir(parents=True)
    (tasks / "suites" / "mini.yaml").write_text(
        "tasks: [arithmetic/sum-list@1.0.0, arithmetic/order-of-operations@1.0.0]\nseeds: [0]\n"
    )
    monkeypatch.setenv("SKILLGYM_TASKS_DIR", str(tasks))
    database = f"sqlite:///{tmp_path / 'hub.db'}"
    demo = LeaderboardDemo(
        suite="mini",
        contenders=(Contender("oracle", reference=True), Contender("noop")),
        database_url=database,
    )
    printed: list[str] = []
    runs = run_leaderboard_demo(demo, echo=printed.append)
    board = ScoreStore(Database.open(database)).leaderboard("mini")
    assert [e.policy.name for e in board.references] == ["oracle"]
    assert board.references[0].score.mean == 1.0
    assert [(e.rank, e.policy.name, e.score.mean) for e in board.entries] == [(1, "noop", 0.0)]
    assert {e.run_id for e in board.entries + board.references} == set(runs)
    assert "make serve" in printed[-1] and "?suite=mini" in printed[-1]
    assert all(t.revoked_at for t in TokenStore(Database.open(database)).list())
