"""Procedural streams for the three CINs, the digits transfer task, and loaders of real formats.

- `moving_shapes`: 64x64 grey video of a square / disc / triangle whose motion is the class
  (horizontal, vertical, rotation, scaling, static); the class switches every 20-40 frames.
- `skeleton_stream`: 3D joints on the 25-joint NTU RGB+D body, 6 actions (wave left / right,
  squat, jump, walk in place, arm circles) with random body size, orientation, tempo and noise.
- `token_stream`: class-dependent AR(1) 64-d features (a stand-in for THUMOS / TVSeries features).
- `digits_transfer`: scikit-learn digits, source = classes 0-4, target = classes 5-9 (SPA).
- `read_skeleton` / `write_skeleton`: the NTU `.skeleton` text format; `load_features`: `.npy`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

SHAPE_CLASSES = ("horizontal", "vertical", "rotation", "scaling", "static")
ACTIONS = ("wave_left", "wave_right", "squat", "jump", "walk_in_place", "arm_circles")


def _segments(rng: np.random.Generator, length: int, classes: int) -> np.ndarray:
    """Per-frame labels (length,): a new random class every 20-40 frames (never the same twice)."""
    labels = np.empty(length, dtype=np.int64)
    t, c = 0, int(rng.integers(classes))
    while t < length:
        n = int(rng.integers(20, 41))
        labels[t : t + n] = c
        t += n
        c = (c + int(rng.integers(1, classes))) % classes
    return labels


def moving_shapes(
    rng: np.random.Generator, length: int, size: int = 64, labels: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """A video (length, size, size) float32 in [0, 1] (+ noise) and per-frame labels (length,).

    Each segment draws a shape (rotation never uses the rotation-invariant disc), a centre, a
    size and a speed; the segment's class decides which of position / angle / scale moves.
    """
    if labels is None:
        labels = _segments(rng, length, len(SHAPE_CLASSES))
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size - 0.5
    video = np.zeros((length, size, size), dtype=np.float32)
    t = 0
    while t < length:
        c = labels[t]
        end = t + int(np.argmax(labels[t:] != c)) if (labels[t:] != c).any() else length
        shape = int(rng.integers(3)) if c != 2 else int(rng.choice([0, 2]))
        cx, cy = rng.uniform(-0.15, 0.15, 2)
        r0, a0 = rng.uniform(0.1, 0.16), rng.uniform(0, 2 * np.pi)
        speed, phase = rng.uniform(0.15, 0.3), rng.uniform(0, 2 * np.pi)
        for i, f in enumerate(range(t, end)):
            w = speed * i + phase
            x0, y0, r, a = cx, cy, r0, a0
            if c == 0:
                x0 = cx + 0.2 * np.sin(w)
            elif c == 1:
                y0 = cy + 0.2 * np.sin(w)
            elif c == 2:
                a = a0 + 1.5 * w
            elif c == 3:
                r = r0 * (1.0 + 0.45 * np.sin(w))
            u = np.cos(a) * (xx - x0) + np.sin(a) * (yy - y0)
            v = -np.sin(a) * (xx - x0) + np.cos(a) * (yy - y0)
            if shape == 0:  # square
                mask = np.maximum(np.abs(u), np.abs(v)) <= r
            elif shape == 1:  # disc
                mask = u * u + v * v <= r * r
            else:  # equilateral triangle: three half-planes
                mask = np.ones_like(u, dtype=bool)
                for k in range(3):
                    ang = 2 * np.pi * k / 3
                    mask &= np.cos(ang) * u + np.sin(ang) * v <= r / 2
            video[f] = mask
        t = end
    video += rng.normal(0, 0.1, video.shape).astype(np.float32)
    return video, labels


def shape_clips(
    rng: np.random.Generator, count: int, clip: int, size: int = 64
) -> tuple[np.ndarray, np.ndarray]:
    """`count` single-class training clips (count, 1, clip, size, size) and labels (count,)."""
    labels = rng.integers(len(SHAPE_CLASSES), size=count)
    clips = np.stack([moving_shapes(rng, clip, size, np.full(clip, c))[0] for c in labels])
    return clips[:, None], labels


# Rest pose of the 25 NTU joints (x right, y up, z depth), metres, 1-indexed order.
_REST = np.array([
    [0.0, 0.0, 0], [0.0, 0.25, 0], [0.0, 0.55, 0], [0.0, 0.68, 0],  # spine base/mid, neck, head
    [-0.18, 0.5, 0], [-0.42, 0.5, 0], [-0.62, 0.5, 0], [-0.68, 0.5, 0],  # left arm
    [0.18, 0.5, 0], [0.42, 0.5, 0], [0.62, 0.5, 0], [0.68, 0.5, 0],  # right arm
    [-0.1, -0.05, 0], [-0.1, -0.45, 0], [-0.1, -0.85, 0], [-0.1, -0.9, 0.1],  # left leg
    [0.1, -0.05, 0], [0.1, -0.45, 0], [0.1, -0.85, 0], [0.1, -0.9, 0.1],  # right leg
    [0.0, 0.48, 0], [-0.74, 0.5, 0], [-0.66, 0.53, 0], [0.74, 0.5, 0], [0.66, 0.53, 0],
], dtype=np.float32)  # fmt: skip
_LEFT_FOREARM, _RIGHT_FOREARM = [6, 7, 21, 22], [10, 11, 23, 24]  # 0-indexed elbow->tips
_LEFT_ARM, _RIGHT_ARM = [5, 6, 7, 21, 22], [9, 10, 11, 23, 24]
_LEFT_SHIN, _RIGHT_SHIN = [13, 14, 15], [17, 18, 19]


def _pose(action: int, w: float) -> np.ndarray:
    """Joints (25, 3) of `action` at phase w (radians)."""
    p = _REST.copy()
    s = np.sin(w)
    if action in (0, 1):  # wave: forearm raised and swinging sideways about the elbow
        arm, elbow = (_LEFT_ARM, 5) if action == 0 else (_RIGHT_ARM, 9)
        sign = -1.0 if action == 0 else 1.0
        base = p[elbow].copy()
        for j in arm[1:]:
            r = np.linalg.norm(p[j] - base)
            ang = np.pi / 2 + 0.6 * s
            p[j] = base + r * np.array([sign * np.cos(ang) * 0.6, np.sin(ang), 0], np.float32)
    elif action == 2:  # squat: everything above the knees goes down, knees forward
        d = 0.25 * (1 - np.cos(w))
        p[[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 16, 20, 21, 22, 23, 24], 1] -= d
        p[[13, 17], 2] += d
    elif action == 3:  # jump: the whole body up and down
        p[:, 1] += 0.2 * max(0.0, float(s))
    elif action == 4:  # walk in place: knees alternate
        for shin, sign in ((_LEFT_SHIN, 1.0), (_RIGHT_SHIN, -1.0)):
            lift = 0.2 * max(0.0, sign * float(s))
            p[shin, 1] += lift
            p[shin[0], 2] += lift
    elif action == 5:  # arm circles: both arms rotate about the shoulders in the frontal plane
        for arm, sh, sign in ((_LEFT_ARM, 4, -1.0), (_RIGHT_ARM, 8, 1.0)):
            for j in arm:
                r = np.linalg.norm(p[j] - p[sh])
                p[j] = p[sh] + r * np.array([sign * np.cos(w), np.sin(w), 0], np.float32)
    return p


def skeleton_stream(
    rng: np.random.Generator, length: int, noise: float = 0.01
) -> tuple[np.ndarray, np.ndarray]:
    """Joints (3, length, 25) float32 (the (C, T, V) layout) and per-frame labels (length,)."""
    labels = _segments(rng, length, len(ACTIONS))
    out = np.empty((length, 25, 3), dtype=np.float32)
    t = 0
    while t < length:
        c = labels[t]
        end = t + int(np.argmax(labels[t:] != c)) if (labels[t:] != c).any() else length
        scale, yaw = rng.uniform(0.85, 1.15), rng.uniform(-0.6, 0.6)
        rot = np.array(
            [[np.cos(yaw), 0, np.sin(yaw)], [0, 1, 0], [-np.sin(yaw), 0, np.cos(yaw)]], np.float32
        )
        speed, phase, shift = (
            rng.uniform(0.2, 0.4),
            rng.uniform(0, 2 * np.pi),
            rng.normal(0, 0.1, 3),
        )
        for i, f in enumerate(range(t, end)):
            out[f] = scale * _pose(int(c), speed * i + phase) @ rot.T + shift
        t = end
    out += rng.normal(0, noise, out.shape).astype(np.float32)
    return out.transpose(2, 0, 1).copy(), labels


@dataclass(frozen=True)
class TokenProcess:
    """Class-dependent AR(1): x_t = a_c x_{t-1} + (1 - a_c) μ_c + σ ε_t, ε ~ N(0, I)."""

    means: np.ndarray  # (classes, D)
    coefs: np.ndarray  # (classes,)
    sigma: float = 0.5


def token_process(rng: np.random.Generator, classes: int = 5, dim: int = 64) -> TokenProcess:
    """Random class means (unit-norm scaled by 1.5) and AR coefficients in [0.5, 0.9]."""
    means = rng.standard_normal((classes, dim))
    means *= 1.5 / np.linalg.norm(means, axis=1, keepdims=True)
    return TokenProcess(means.astype(np.float32), rng.uniform(0.5, 0.9, classes).astype(np.float32))


def token_stream(
    rng: np.random.Generator, process: TokenProcess, length: int
) -> tuple[np.ndarray, np.ndarray]:
    """Features (length, D) float32 and per-step labels (length,)."""
    labels = _segments(rng, length, len(process.coefs))
    x = np.zeros((length, process.means.shape[1]), dtype=np.float32)
    prev = np.zeros(process.means.shape[1], dtype=np.float32)
    for t, c in enumerate(labels):
        a = process.coefs[c]
        prev = (
            a * prev
            + (1 - a) * process.means[c]
            + process.sigma * rng.standard_normal(prev.shape).astype(np.float32)
        )
        x[t] = prev
    return x, labels


def digits_transfer(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """scikit-learn digits (8x8, scaled to [0, 1]) split into source 0-4 / target 5-9 halves.

    Returns x/y for source_train, source_test, target_train, target_test; x is (N, 1, 8, 8)
    float32, target labels are shifted to 0-4.
    """
    from sklearn.datasets import load_digits

    d = load_digits()
    x = (d.images / 16.0).astype(np.float32)[:, None]
    y = d.target.astype(np.int64)
    out = {}
    for name, sel, shift in (("source", y < 5, 0), ("target", y >= 5, 5)):
        idx = rng.permutation(np.flatnonzero(sel))
        half = len(idx) // 2
        for split, part in (("train", idx[:half]), ("test", idx[half:])):
            out[f"{name}_{split}_x"], out[f"{name}_{split}_y"] = x[part], y[part] - shift
    return out


# ---------------------------------------------------------------- real formats (local paths)


def read_skeleton(path: str | Path, max_bodies: int = 2) -> np.ndarray:
    """Read an NTU RGB+D `.skeleton` file: joints (T, max_bodies, 25, 3) float32.

    Format: frame count; per frame a body count; per body one info line (10 values), a joint
    count (25) and one line per joint of 12 values (x y z depthX depthY colorX colorY
    orientationW X Y Z trackingState). Missing bodies are zeros; extra bodies are dropped.
    """
    path = Path(path)
    lines = path.read_text().split("\n")
    pos = 0

    def take() -> tuple[int, list[str]]:
        nonlocal pos
        while pos < len(lines) and not lines[pos].strip():
            pos += 1
        if pos >= len(lines):
            raise ValueError(f"{path}: unexpected end of file after line {pos}")
        pos += 1
        return pos, lines[pos - 1].split()

    def integer(what: str) -> int:
        n, fields = take()
        if len(fields) != 1 or not fields[0].lstrip("-").isdigit():
            raise ValueError(f"{path}, line {n}: expected {what} (one integer), got {fields}")
        return int(fields[0])

    frames = integer("the frame count")
    out = np.zeros((frames, max_bodies, 25, 3), dtype=np.float32)
    for f in range(frames):
        for b in range(integer(f"the body count of frame {f}")):
            n, info = take()
            if len(info) != 10:
                raise ValueError(f"{path}, line {n}: body info needs 10 values, got {len(info)}")
            joints = integer("the joint count")
            if joints != 25:
                raise ValueError(f"{path}, line {pos}: joint count must be 25, got {joints}")
            for j in range(joints):
                n, vals = take()
                if len(vals) != 12:
                    raise ValueError(f"{path}, line {n}: a joint needs 12 values, got {len(vals)}")
                if b < max_bodies:
                    out[f, b, j] = [float(v) for v in vals[:3]]
    return out


def write_skeleton(path: str | Path, joints: np.ndarray) -> None:
    """Write joints (T, M, 25, 3) as a `.skeleton` file (all-zero bodies are omitted)."""
    lines = [str(joints.shape[0])]
    for frame in joints:
        bodies = [b for b in frame if np.any(b)]
        lines.append(str(len(bodies)))
        for i, body in enumerate(bodies):
            lines.append(f"{72057594037931100 + i} 0 0 0 0 0 0 0.1 0.1 2")
            lines.append("25")
            for x, y, z in body:
                lines.append(f"{float(x)!r} {float(y)!r} {float(z)!r} 0 0 0 0 0 0 0 0 2")
    Path(path).write_text("\n".join(lines) + "\n")


def load_features(path: str | Path) -> np.ndarray:
    """Precomputed per-frame features (`.npy`, T x D, THUMOS / TVSeries style) as float32."""
    x = np.load(Path(path), allow_pickle=False)
    if x.ndim != 2:
        raise ValueError(f"{path}: features must be (T, D), got shape {x.shape}")
    return x.astype(np.float32)
