import papershelf
from modular_bayes_inference.reproduce import PRESETS, bench, experiment

if __name__ == "__main__":
    raise SystemExit(
        papershelf.main(
            paper="modular_bayes_inference", presets=PRESETS, experiment=experiment, bench=bench
        )
    )
