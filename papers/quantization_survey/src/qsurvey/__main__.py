import papershelf
from qsurvey.bench import bench
from qsurvey.reproduce import PRESETS, experiment

if __name__ == "__main__":
    raise SystemExit(
        papershelf.main(
            paper="quantization_survey", presets=PRESETS, experiment=experiment, bench=bench
        )
    )
