"""The results file: `<out>/<preset>.json`, written atomically.

Schema (every key is always present):

    paper        str    the paper's slug
    preset       str    smoke | quick | full
    seed         int
    config       dict   the preset's configuration, JSON-serialisable
    metrics      dict   nested dict whose leaves are numbers (or lists of numbers)
    duration_s   float  wall time of the experiment
    environment  dict   python, package versions, platform, cpu, threads
    git_commit   str | None   `HEAD` of the checkout, with "-dirty" when it has local changes
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import json
import math
import os
import platform
import subprocess
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

REQUIRED_KEYS = ("paper", "preset", "seed", "config", "metrics", "duration_s", "environment")
_PACKAGES = ("numpy", "scipy", "torch", "jax", "jaxlib", "flax", "optax", "papershelf")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def environment(threads: Mapping[str, int] | None = None) -> dict[str, Any]:
    """Python, versions of the installed core packages, platform, CPU model and thread counts."""
    versions = {}
    for name in _PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return {
        "python": platform.python_version(),
        "packages": versions,
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "threads": dict(threads or {}),
    }


def git_commit(cwd: str | Path | None = None) -> str | None:
    """The checkout's HEAD commit (suffixed "-dirty" with uncommitted changes), or None."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=cwd,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("-dirty" if dirty else "")


def to_jsonable(obj: Any) -> Any:
    """Dataclasses, tuples, NumPy scalars and arrays -> plain JSON types. NaN/inf are refused."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return to_jsonable(dataclasses.asdict(obj))
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    if hasattr(obj, "tolist"):  # numpy / torch scalars and arrays
        return to_jsonable(obj.tolist())
    if isinstance(obj, float) and not math.isfinite(obj):
        raise ValueError(f"results must be finite numbers, got {obj}")
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    raise TypeError(f"cannot write {type(obj).__name__} to a results file: {obj!r}")


def default_file_mode(mode: int = 0o666) -> int:
    """`mode` as `open()` would apply it under the process umask (mkstemp alone gives 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    return mode & ~umask


def atomic_write(
    path: str | Path, write: Callable[[Path], None], *, overwrite: bool = False
) -> Path:
    """Write a file through `write(tmp)` into a temp file beside `path`, then rename it over.

    A reader never sees a half-written file, a failed `write` leaves the old file and no temp
    file behind, and an existing file is only replaced with `overwrite=True` (otherwise
    `FileExistsError` names it). The file gets the usual umask-based mode, not mkstemp's 0600.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(
            f"{path} exists; pass overwrite=True (CLI: --overwrite) to replace it"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=path.suffix)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, default_file_mode())
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path


def write_json_atomic(path: str | Path, payload: Any, *, overwrite: bool = False) -> Path:
    """Write `payload` as JSON to `path` atomically (see `atomic_write`)."""
    text = json.dumps(to_jsonable(payload), indent=2, sort_keys=False) + "\n"

    def write(tmp: Path) -> None:
        with open(tmp, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())

    return atomic_write(path, write, overwrite=overwrite)


def write_results(
    out_dir: str | Path,
    *,
    paper: str,
    preset: str,
    seed: int,
    config: Any,
    metrics: Mapping[str, Any],
    duration_s: float,
    threads: Mapping[str, int] | None = None,
    overwrite: bool = False,
) -> Path:
    """Write `<out_dir>/<preset>.json` atomically with the schema in this module's docstring."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    payload = {
        "paper": paper,
        "preset": preset,
        "seed": int(seed),
        "config": to_jsonable(config),
        "metrics": to_jsonable(metrics),
        "duration_s": round(float(duration_s), 3),
        "environment": environment(threads),
        "git_commit": git_commit(out_dir),
    }
    return write_json_atomic(out_dir / f"{preset}.json", payload, overwrite=overwrite)


def load_results(path: str | Path) -> dict[str, Any]:
    """Read a results file and check the schema; `ValueError` names the file and missing key."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}: not valid JSON ({e})") from e
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON object at the top level")
    missing = [k for k in REQUIRED_KEYS if k not in data]
    if missing:
        raise ValueError(f"{path}: missing required key(s) {missing}")
    if not isinstance(data["metrics"], dict):
        raise ValueError(f"{path}: 'metrics' must be an object")
    return data


def lookup(metrics: Mapping[str, Any], key: str) -> Any:
    """Follow a dotted key ("hull.ptr.accuracy.n10") into nested metrics; KeyError if absent."""
    node: Any = metrics
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            raise KeyError(key)
        node = node[part]
    return node
