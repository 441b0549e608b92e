import papershelf
from succinct_paging.reproduce import PRESETS, bench, experiment

if __name__ == "__main__":
    raise SystemExit(
        papershelf.main(
            paper="succinct_paging", presets=PRESETS, experiment=experiment, bench=bench
        )
    )
