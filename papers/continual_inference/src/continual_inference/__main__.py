import papershelf
from continual_inference.reproduce import PRESETS, bench, experiment

if __name__ == "__main__":
    raise SystemExit(
        papershelf.main(
            paper="continual_inference", presets=PRESETS, experiment=experiment, bench=bench
        )
    )
