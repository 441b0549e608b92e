"""`python -m succinct_paging.run`: the build spec's entry point, a thin alias plus real traces.

python -m succinct_paging.run --preset quick [--out DIR] [--seed N] [--overwrite] [--resume]
    = `python -m succinct_paging reproduce ...`; DIR/<preset>.json holds cost / OPT for every
    (algorithm, predictor, p, trace seed) under metrics.k<k>.ratio.<algorithm>.<predictor>.

python -m succinct_paging.run --checkins FILE --user U [--k 10] [--seed 0] --out DIR
    every algorithm with every predictor on one user's SNAP BrightKite / Gowalla check-in
    trace; the learned predictor is fit on the first half of the trace and scored on the
    second, which is the trace evaluated -> DIR/checkins.json.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import papershelf
from succinct_paging.data import load_checkins
from succinct_paging.evaluate import evaluate_trace
from succinct_paging.reproduce import PRESETS, PS, bench, experiment


def checkins(path: Path, user: str, k: int, seed: int, out: Path, overwrite: bool) -> Path:
    """Evaluate one user's check-in trace (second half; first half trains) -> out/checkins.json."""
    trace = load_checkins(path, user=user)
    if len(trace) < 4:
        raise ValueError(f"user {user!r} has {len(trace)} check-ins; at least 4 are needed")
    half = len(trace) // 2
    result = evaluate_trace(
        trace[half:],
        k,
        train_seq=trace[:half],
        ps=PS,
        noise_seed=seed,
        rand_seeds=[seed + r for r in range(5)],
    )
    payload = {"source": str(path), "user": user, "k": k, "n": len(trace) - half, **result}
    return papershelf.write_json_atomic(out / "checkins.json", payload, overwrite=overwrite)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--checkins" not in argv:
        return papershelf.main(
            paper="succinct_paging",
            presets=PRESETS,
            experiment=experiment,
            bench=bench,
            argv=["reproduce", *argv],
        )
    p = argparse.ArgumentParser(prog="python -m succinct_paging.run")
    p.add_argument("--checkins", type=Path, required=True, help="a loc-*_totalCheckins.txt file")
    p.add_argument("--user", required=True)
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--overwrite", action="store_true")
    args = p.parse_args(argv)
    try:
        path = checkins(args.checkins, args.user, args.k, args.seed, args.out, args.overwrite)
    except FileExistsError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"[succinct_paging] wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
