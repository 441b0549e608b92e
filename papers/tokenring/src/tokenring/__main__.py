import papershelf
from tokenring.reproduce import PRESETS, bench, experiment

if __name__ == "__main__":
    raise SystemExit(
        papershelf.main(paper="tokenring", presets=PRESETS, experiment=experiment, bench=bench)
    )
