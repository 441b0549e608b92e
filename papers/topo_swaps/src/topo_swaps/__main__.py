import papershelf
from topo_swaps.reproduce import PRESETS, bench, experiment

if __name__ == "__main__":
    raise SystemExit(
        papershelf.main(paper="topo_swaps", presets=PRESETS, experiment=experiment, bench=bench)
    )
