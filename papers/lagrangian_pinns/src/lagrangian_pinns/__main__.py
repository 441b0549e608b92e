import papershelf
from lagrangian_pinns.reproduce import PRESETS, experiment

if __name__ == "__main__":
    raise SystemExit(
        papershelf.main(paper="lagrangian_pinns", presets=PRESETS, experiment=experiment)
    )
