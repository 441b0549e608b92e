import dataclasses
import json

import pytest

from papershelf import RunContext, compare, load_results, main, run
from papershelf.plotting import figure, save_png


@dataclasses.dataclass(frozen=True)
class Cfg:
    steps: int
    threads: int = 1


PRESETS = {"smoke": Cfg(2), "quick": Cfg(3), "full": Cfg(4)}
CALLS: list[str] = []


def experiment(config: Cfg, ctx: RunContext) -> dict:
    import numpy as np

    rng = np.random.default_rng(ctx.seed)
    out = {}
    for name in ("a", "b"):
        out[name] = ctx.stage(name, lambda name=name: _work(name, rng, config))
    return out


def _work(name, rng, config):
    CALLS.append(name)
    return {"value": float(rng.random()), "steps": config.steps}


def test_run_writes_results_and_is_deterministic(tmp_path):
    p1 = run(
        paper="demo", presets=PRESETS, experiment=experiment, preset="smoke", out_dir=tmp_path / "1"
    )
    p2 = run(
        paper="demo", presets=PRESETS, experiment=experiment, preset="smoke", out_dir=tmp_path / "2"
    )
    r1, r2 = load_results(p1), load_results(p2)
    assert r1["metrics"] == r2["metrics"]
    assert r1["config"] == {"steps": 2, "threads": 1}
    assert r1["environment"]["threads"]
    assert not (tmp_path / "1" / ".stages-smoke").exists()  # stages are cleaned after success


def test_cli_refuses_to_overwrite_then_overwrites(tmp_path, capsys):
    argv = ["reproduce", "--preset", "smoke", "--out", str(tmp_path), "--seed", "1"]
    assert main(paper="demo", presets=PRESETS, experiment=experiment, argv=argv) == 0
    assert main(paper="demo", presets=PRESETS, experiment=experiment, argv=argv) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert (
        main(paper="demo", presets=PRESETS, experiment=experiment, argv=[*argv, "--overwrite"]) == 0
    )
    assert json.loads((tmp_path / "smoke.json").read_text())["seed"] == 1


def test_resume_skips_finished_stages(tmp_path):
    ctx = RunContext(paper="demo", preset="full", seed=0, out_dir=tmp_path, resume=True)
    CALLS.clear()
    first = ctx.stage("a", lambda: _work("a", __import__("random"), Cfg(1)))
    again = ctx.stage("a", lambda: _work("a", __import__("random"), Cfg(1)))
    assert CALLS == ["a"] and first == again


def test_default_out_is_under_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = run(paper="demo", presets=PRESETS, experiment=experiment, preset="quick")
    assert path.parts[:2] == ("runs", "demo") and path.parent.name.startswith("quick-")


def test_bad_presets_and_configs_are_rejected(tmp_path):
    with pytest.raises(ValueError, match="presets must define"):
        run(paper="d", presets={"smoke": Cfg(1)}, experiment=experiment, preset="smoke")
    with pytest.raises(ValueError, match="preset must be one of"):
        run(paper="d", presets=PRESETS, experiment=experiment, preset="huge")
    with pytest.raises(TypeError, match="dataclass with an int field 'threads'"):
        run(
            paper="d",
            presets={"smoke": {}, "quick": {}, "full": {}},
            experiment=experiment,
            preset="smoke",
            out_dir=tmp_path,
        )


def test_compare_interleaves_and_reports_ratios():
    order = []
    stats = compare(
        {
            "slow": lambda: order.append("slow") or sum(range(20000)),
            "fast": lambda: order.append("fast"),
        },
        repeats=5,
        warmup=1,
        baseline="slow",
    )
    assert len(order) == 12
    assert order[:2] == ["slow", "fast"] and order[2:4] == ["fast", "slow"]  # rotating first
    assert stats["slow"]["speedup_vs_slow"] == 1.0
    assert stats["fast"]["speedup_vs_slow"] > 1.0
    assert stats["fast"]["repeats"] == 5 and stats["fast"]["min_s"] <= stats["fast"]["median_s"]
    with pytest.raises(ValueError, match="baseline"):
        compare({"a": lambda: None}, baseline="b")


def test_save_png_writes_a_png(tmp_path):
    fig, ax = figure()
    ax.plot([0, 1], [1, 0])
    path = save_png(fig, tmp_path / "f.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match=r"\.png"):
        save_png(figure()[0], tmp_path / "f.jpg")
