"""The replicas benchmark runs end to end on a family's image (tiny sizes; figures are never asserted)."""

import pytest


@pytest.mark.usefixtures("docker_engine")
def test_quick_replicas_benchmark_measures_every_figure(run_benchmark):
    from skillgym.hub_server.replicas.images import build_images

    build_images(["arithmetic"], progress=False)  # cached: seconds
    result, report = run_benchmark("replicas.py", "--quick", "--families=arithmetic", timeout=300)
    figures = report["arithmetic"]
    assert figures["start_p50_s"] > 0 and figures["process_start_p50_s"] > 0
    assert figures["memory_mb"] > 0
    assert figures["step_p50_ms_by_sessions"]["1"] > 0
    assert figures["episode_in_process_s"] > 0 and figures["overhead"] > 0
    assert "arithmetic" in result.stdout and "in container" in result.stdout
