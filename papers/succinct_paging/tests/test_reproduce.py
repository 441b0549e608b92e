import papershelf
from papershelf.testing import run_preset, without_keys
from succinct_paging.reproduce import PRESETS, experiment
from succinct_paging.run import main as run_main


def test_smoke_preset_end_to_end_and_deterministic(tmp_path):
    results = run_preset(
        paper="succinct_paging", presets=PRESETS, experiment=experiment, out_dir=tmp_path
    )
    assert results["config"]["sizes"] == [[8, 40]]
    metrics = results["metrics"]
    assert metrics["checks"]["perfect_bits"]["mark0_det_equals_opt"] == 1.0
    assert metrics["checks"]["perfect_bits"]["map_rand_equals_clean"] == 1.0
    assert len(metrics["k8"]["ratio"]["mark0_det"]["p0_1"]) == 1
    assert metrics["perf"]["mark0_det_over_lru_time"] > 0
    assert (tmp_path / "smoothness.png").stat().st_size > 0

    # the entry point is an alias of `reproduce`: same seed, same metrics
    assert run_main(["--preset", "smoke", "--out", str(tmp_path / "again")]) == 0
    again = papershelf.load_results(tmp_path / "again" / "smoke.json")
    assert without_keys(again["metrics"], ("perf",)) == without_keys(metrics, ("perf",))
