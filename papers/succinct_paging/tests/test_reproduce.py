import papershelf
from succinct_paging.reproduce import PRESETS, experiment
from succinct_paging.run import main as run_main


def without_timings(metrics):
    return {key: value for key, value in metrics.items() if key != "perf"}


def test_smoke_preset_end_to_end_and_deterministic(tmp_path):
    path = papershelf.run(
        paper="succinct_paging",
        presets=PRESETS,
        experiment=experiment,
        preset="smoke",
        out_dir=tmp_path,
    )
    results = papershelf.load_results(path)
    for key in ("paper", "preset", "seed", "config", "metrics", "duration_s", "environment"):
        assert key in results
    assert results["paper"] == "succinct_paging" and results["preset"] == "smoke"
    assert results["seed"] == 0 and results["config"]["sizes"] == [[8, 40]]
    metrics = results["metrics"]
    assert metrics["checks"]["perfect_bits"]["mark0_det_equals_opt"] == 1.0
    assert metrics["checks"]["perfect_bits"]["map_rand_equals_clean"] == 1.0
    assert len(metrics["k8"]["ratio"]["mark0_det"]["p0_1"]) == 1
    assert metrics["perf"]["mark0_det_over_lru_time"] > 0
    assert (tmp_path / "smoothness.png").stat().st_size > 0

    # the entry point is an alias of `reproduce`: same seed, same metrics
    assert run_main(["--preset", "smoke", "--out", str(tmp_path / "again")]) == 0
    again = papershelf.load_results(tmp_path / "again" / "smoke.json")
    assert without_timings(again["metrics"]) == without_timings(metrics)
