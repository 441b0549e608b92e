"""The reproduction runner: presets, the common CLI, progress, resumable stages.

Every paper's `reproduce.py` declares its presets and one experiment function, and its
`__main__.py` hands them to `main`:

    PRESETS = {"smoke": Config(...), "quick": Config(...), "full": Config(...)}

    def experiment(config: Config, ctx: RunContext) -> dict:   # returns the metrics
        ...

    main(paper="pointer_networks", presets=PRESETS, experiment=experiment)

which gives every paper the same command line:

    python -m <pkg> reproduce --preset {smoke,quick,full} --out DIR --seed N [--overwrite|--resume]
    python -m <pkg> bench --out DIR [--threads N]        (papers that pass `bench=`)

A config is a dataclass with an int field `threads`: the runner pins torch and BLAS to it before
the experiment starts and records it in the results. The default `--out` is the git-ignored
`runs/<slug>/<preset>-<UTC time>/`; the committed `results/` is only written when named, and an
existing results file is only replaced with `--overwrite`.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from papershelf.results import to_jsonable, write_json_atomic, write_results
from papershelf.seeding import seed_everything
from papershelf.threads import set_threads, thread_info

PRESET_NAMES = ("smoke", "quick", "full")


@dataclass
class RunContext:
    """What an experiment gets besides its config: where to write, the seed, progress, stages."""

    paper: str
    preset: str
    seed: int
    out_dir: Path
    resume: bool = False

    @property
    def stage_dir(self) -> Path:
        return self.out_dir / f".stages-{self.preset}"

    def progress(
        self, iterable: Iterable | None = None, *, total: int | None = None, desc: str = ""
    ):
        """A tqdm progress bar on stderr (off when PAPERSHELF_PROGRESS=0)."""
        from tqdm.auto import tqdm

        disable = os.environ.get("PAPERSHELF_PROGRESS", "1") == "0"
        return tqdm(
            iterable, total=total, desc=desc, disable=disable, mininterval=2.0, file=sys.stderr
        )

    def stage(self, name: str, fn: Callable[[], Mapping[str, Any]]) -> dict[str, Any]:
        """Run one stage of a long experiment, or, with `--resume`, reuse its saved metrics.

        A stage's metrics are saved (atomically) as soon as it ends, so a run interrupted after
        stage k restarts at stage k+1 when called again with the same `--out` and `--resume`.
        """
        path = self.stage_dir / f"{name}.json"
        if self.resume and path.exists():
            print(f"[{self.paper}] resuming: stage '{name}' loaded from {path}", file=sys.stderr)
            return json.loads(path.read_text())
        metrics = to_jsonable(dict(fn()))
        write_json_atomic(path, metrics, overwrite=True)
        return metrics

    def path(self, name: str) -> Path:
        """A file next to the results (figures, logs)."""
        return self.out_dir / name


def default_out_dir(paper: str, preset: str) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path("runs") / paper / f"{preset}-{stamp}"


def _parser(paper: str, presets: Mapping[str, Any], with_bench: bool) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=f"python -m {paper}", description=f"Papershelf: {paper}")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("reproduce", help="run a preset and write <out>/<preset>.json")
    r.add_argument("--preset", choices=list(presets), default="quick")
    r.add_argument(
        "--out", type=Path, default=None, help="default: runs/<slug>/<preset>-<UTC time>/"
    )
    r.add_argument("--seed", type=int, default=0)
    r.add_argument(
        "--overwrite", action="store_true", help="replace an existing <out>/<preset>.json"
    )
    r.add_argument("--resume", action="store_true", help="reuse finished stages saved in --out")
    if with_bench:
        b = sub.add_parser("bench", help="run the paper's benchmark and write <out>/bench.json")
        b.add_argument(
            "--out", type=Path, default=None, help="default: runs/<slug>/bench-<UTC time>/"
        )
        b.add_argument("--seed", type=int, default=0)
        b.add_argument("--threads", type=int, default=1)
        b.add_argument(
            "--overwrite", action="store_true", help="replace an existing <out>/bench.json"
        )
    return p


def run(
    *,
    paper: str,
    presets: Mapping[str, Any],
    experiment: Callable[[Any, RunContext], Mapping[str, Any]],
    preset: str,
    seed: int = 0,
    out_dir: str | Path | None = None,
    overwrite: bool = False,
    resume: bool = False,
) -> Path:
    """Run one preset end to end and write its results file; returns the file's path."""
    if set(PRESET_NAMES) - set(presets):
        raise ValueError(f"presets must define {PRESET_NAMES}, got {sorted(presets)}")
    if preset not in presets:
        raise ValueError(f"preset must be one of {sorted(presets)}, got {preset!r}")
    config = presets[preset]
    if not dataclasses.is_dataclass(config) or not hasattr(config, "threads"):
        raise TypeError(f"preset '{preset}' must be a dataclass with an int field 'threads'")
    out = Path(out_dir) if out_dir is not None else default_out_dir(paper, preset)
    target = out / f"{preset}.json"
    if target.exists() and not overwrite:  # fail before the work, not after it
        raise FileExistsError(f"{target} exists; pass --overwrite to replace it")
    out.mkdir(parents=True, exist_ok=True)
    set_threads(config.threads)
    seed_everything(seed)
    ctx = RunContext(paper=paper, preset=preset, seed=seed, out_dir=out, resume=resume)
    print(
        f"[{paper}] preset={preset} seed={seed} threads={config.threads} out={out}", file=sys.stderr
    )
    t0 = time.perf_counter()
    metrics = experiment(config, ctx)
    duration = time.perf_counter() - t0
    path = write_results(
        out,
        paper=paper,
        preset=preset,
        seed=seed,
        config=config,
        metrics=metrics,
        duration_s=duration,
        threads=thread_info(),
        overwrite=overwrite,
    )
    shutil.rmtree(ctx.stage_dir, ignore_errors=True)
    print(f"[{paper}] wrote {path} in {duration:.1f} s", file=sys.stderr)
    return path


def run_bench(
    *,
    paper: str,
    bench: Callable[[RunContext], Mapping[str, Any]],
    seed: int = 0,
    threads: int = 1,
    out_dir: str | Path | None = None,
    overwrite: bool = False,
) -> Path:
    """Run a paper's benchmark (speed/memory ratios vs. its baseline) and write `bench.json`."""
    out = Path(out_dir) if out_dir is not None else default_out_dir(paper, "bench")
    if (out / "bench.json").exists() and not overwrite:
        raise FileExistsError(f"{out / 'bench.json'} exists; pass --overwrite to replace it")
    set_threads(threads)
    seed_everything(seed)
    ctx = RunContext(paper=paper, preset="bench", seed=seed, out_dir=out)
    t0 = time.perf_counter()
    metrics = bench(ctx)
    path = write_results(
        out,
        paper=paper,
        preset="bench",
        seed=seed,
        config={"threads": threads},
        metrics=metrics,
        duration_s=time.perf_counter() - t0,
        threads=thread_info(),
        overwrite=overwrite,
    )
    print(f"[{paper}] wrote {path}", file=sys.stderr)
    return path


def main(
    *,
    paper: str,
    presets: Mapping[str, Any],
    experiment: Callable[[Any, RunContext], Mapping[str, Any]],
    bench: Callable[[RunContext], Mapping[str, Any]] | None = None,
    argv: list[str] | None = None,
) -> int:
    """The common CLI (`reproduce`, and `bench` when given); returns the process exit code."""
    args = _parser(paper, presets, with_bench=bench is not None).parse_args(argv)
    try:
        if args.command == "bench":
            run_bench(
                paper=paper,
                bench=bench,
                seed=args.seed,
                threads=args.threads,
                out_dir=args.out,
                overwrite=args.overwrite,
            )
            return 0
        run(
            paper=paper,
            presets=presets,
            experiment=experiment,
            preset=args.preset,
            seed=args.seed,
            out_dir=args.out,
            overwrite=args.overwrite,
            resume=args.resume,
        )
    except FileExistsError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0
