import papershelf
from tensor_attention.reproduce import PRESETS, bench, experiment

if __name__ == "__main__":
    raise SystemExit(
        papershelf.main(
            paper="tensor_attention", presets=PRESETS, experiment=experiment, bench=bench
        )
    )
