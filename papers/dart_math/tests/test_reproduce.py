from dart_math.reproduce import PRESETS, experiment
from papershelf.testing import run_preset, without_keys

# wall-clock numbers differ between two runs of the same seed
TIMING = ("wall_s", "per_s", "timing", "speedup", "duration")


def test_smoke_preset_end_to_end_is_deterministic(tmp_path):
    kw = dict(paper="dart_math", presets=PRESETS, experiment=experiment)
    results = run_preset(**kw, out_dir=tmp_path)
    metrics = results["metrics"]
    for arm in ("vrt", "uniform", "prop2diff"):
        syn = metrics["synthesis"][arm]
        assert set(syn["coverage"]) == {"l1", "l2", "l3", "l4", "l5"}
        assert sum(syn["queries"].values()) == 50  # the report covers every pool query
        assert syn["size"] == sum(syn["kept"].values())
    assert metrics["perf"]["same_samples"] == 1.0
    assert (tmp_path / "dart_math.png").stat().st_size > 0
    again = run_preset(**kw, out_dir=tmp_path / "again")
    assert without_keys(again["metrics"], TIMING) == without_keys(metrics, TIMING)
