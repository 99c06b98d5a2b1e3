"""The hub benchmark runs end to end on each backend (tiny sizes; figures are never asserted)."""

import pytest

from tests.postgres_cluster import find_pg_bin

RUNS, EPISODES = 20, 50
NO_POSTGRES = pytest.mark.skipif(
    find_pg_bin() is None,
    reason="PostgreSQL is not installed (no /usr/lib/postgresql/*/bin nor initdb on PATH); "
    "`make setup` installs Debian's postgresql",
)


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=NO_POSTGRES)])
def test_quick_hub_benchmark_measures_every_figure_and_ranks_every_policy(run_benchmark, backend):
    result, report = run_benchmark(
        "hub.py",
        "--quick",
        f"--runs={RUNS}",
        f"--episodes-per-run={EPISODES}",
        "--batch=20",
        "--single=20",
        "--queries=3",
        f"--backend={backend}",
        timeout=120,
    )
    assert list(report["backends"]) == [backend]
    figures = report["backends"][backend]
    ingest = figures["ingest"]
    assert (ingest["runs"], ingest["episodes"], ingest["calls"]) == (
        RUNS,
        RUNS * EPISODES,
        RUNS * 3,
    )
    assert figures["single"]["episodes"] == 20
    assert figures["finish"]["runs"] == RUNS
    assert figures["verified"]["runs"] == report["plan"]["verified_runs"] > 0
    for rate in (
        ingest["episodes_per_s"],
        ingest["batched_over_single"],
        figures["single"]["episodes_per_s"],
        figures["finish"]["runs_per_s"],
        figures["verified"]["episodes_per_s"],
    ):
        assert rate > 0

    queries = figures["queries"]
    for name in ("leaderboard", "naive_leaderboard", "task_scores", "run"):
        assert queries[name]["calls"] == 3
        assert 0 < queries[name]["p50_ms"] <= queries[name]["p95_ms"]
    assert queries["naive_over_leaderboard_p50"] > 0
    # Half the runs are on core-v1, one policy each; every verified run is ranked.
    expected = {"entries": report["plan"]["verified_runs"], "unverified": RUNS // 2}
    assert figures["expected"] == expected
    board = queries["leaderboard"]
    assert {"entries": board["entries"], "unverified": board["unverified"]} == expected
    naive = queries["naive_leaderboard"]
    assert {"entries": naive["entries"], "unverified": naive["unverified"]} == expected
    assert naive["same_runs_and_means"]
    assert queries["task_scores"]["versions"] == ["1.1.0", "1.0.1"]
    assert queries["task_scores"]["runs"] == RUNS + report["plan"]["verified_runs"]
    assert queries["run"]["episodes"] == EPISODES
    assert figures["database_mb"] > 0
    assert "leaderboard('core-v1') p50" in result.stdout
