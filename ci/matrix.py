"""Print the CI reproduction matrix: one entry per paper, from papers/*/pyproject.toml.

    python ci/matrix.py   ->   {"include": [{"slug": "pointer_networks", "framework": "torch"}]}

Standard library only, so the workflow can call it before anything is installed.
"""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def matrix(root: Path = ROOT) -> dict[str, list[dict[str, str]]]:
    include = []
    for pyproject in sorted(root.glob("papers/*/pyproject.toml")):
        meta = tomllib.loads(pyproject.read_text()).get("tool", {}).get("papershelf")
        if meta is None or "framework" not in meta:
            raise SystemExit(f"{pyproject}: [tool.papershelf] with a 'framework' is required")
        include.append({"slug": pyproject.parent.name, "framework": meta["framework"]})
    return {"include": include}


if __name__ == "__main__":
    json.dump(matrix(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT), sys.stdout)
    print()
