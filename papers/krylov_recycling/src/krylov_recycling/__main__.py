import papershelf
from krylov_recycling.reproduce import PRESETS, bench, experiment

if __name__ == "__main__":
    raise SystemExit(
        papershelf.main(
            paper="krylov_recycling", presets=PRESETS, experiment=experiment, bench=bench
        )
    )
