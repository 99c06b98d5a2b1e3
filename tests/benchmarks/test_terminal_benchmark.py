"""The terminal benchmark runs end to end (small counts; figures are never asserted)."""


def test_quick_terminal_benchmark_measures_every_figure_in_both_sandboxes(
    run_benchmark, docker_engine
):
    result, report = run_benchmark("terminal.py", "--quick")
    rows = report["rows"]
    assert [row["sandbox"] for row in rows] == ["bwrap", "docker"]
    for row in rows:
        for key in (
            "ready_p50_ms",
            "round_trip_p50_ms",
            "verification_p50_ms",
            "episodes_per_min_4",
        ):
            assert row[key] > 0, (row["sandbox"], key)
    assert "ready shell p50" in result.stdout
    harbor = report["harbor"]
    assert harbor["task"] == "terminal/stock-report"
    for key in ("cold_build_s", "cached_build_s", "start_p50_ms", "builtin_start_p50_ms"):
        assert harbor[key] > 0, key
    assert "imported terminal/stock-report" in result.stdout
