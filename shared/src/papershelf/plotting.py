"""Plotting defaults: the Agg backend, one house style, and an atomic PNG writer."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from papershelf.results import atomic_write

STYLE = {
    "figure.dpi": 110,
    "savefig.dpi": 110,
    "font.size": 9,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "lines.linewidth": 1.6,
}


def figure(ncols: int = 1, nrows: int = 1, *, width: float = 4.0, height: float = 3.0):
    """A (fig, axes) pair in the house style; each panel is `width` x `height` inches."""
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(
            nrows, ncols, figsize=(width * ncols, height * nrows), squeeze=False
        )
    return fig, axes[0, 0] if nrows == ncols == 1 else axes


def save_png(fig, path: str | Path) -> Path:
    """Save `fig` as a PNG at `path` (temp file + rename) and close it."""
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ValueError(f"path must end in .png, got {path}")

    def write(tmp: Path) -> None:
        with plt.rc_context(STYLE):
            fig.tight_layout()
            fig.savefig(tmp, format="png")

    try:
        atomic_write(path, write, overwrite=True)
    finally:
        plt.close(fig)
    return path
