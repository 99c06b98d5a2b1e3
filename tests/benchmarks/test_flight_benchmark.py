"""The flight benchmark runs end to end beside MiniWoB++ (small counts; figures are never asserted)."""


def test_quick_flight_benchmark_measures_every_figure_and_the_peer(run_benchmark):
    result, report = run_benchmark("flight.py", "--quick")
    for key in (
        "reset_p50_ms",
        "step_p50_ms",
        "page_load_step_p50_ms",
        "verification_p50_ms",
        "mb_per_extra_episode",
        "episodes_per_min_4",
        "step_vs_miniwob",
        "reset_vs_miniwob",
    ):
        assert report[key] > 0, key
    assert report["http_concurrent"]["succeeded"] + report["http_concurrent"]["errors"] == 4
    assert float(report["miniwob"]["step_p50_ms"]) > 0
    assert "MiniWoB book-flight" in result.stdout and "ours/theirs" in result.stdout
