import papershelf
from dart_math.reproduce import PRESETS, bench, experiment

if __name__ == "__main__":
    raise SystemExit(
        papershelf.main(paper="dart_math", presets=PRESETS, experiment=experiment, bench=bench)
    )
