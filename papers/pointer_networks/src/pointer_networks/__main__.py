"""`python -m pointer_networks reproduce --preset quick --out DIR --seed 0` (and `bench`)."""

from papershelf import main
from pointer_networks.reproduce import PRESETS, bench, experiment

if __name__ == "__main__":
    raise SystemExit(
        main(paper="pointer_networks", presets=PRESETS, experiment=experiment, bench=bench)
    )
