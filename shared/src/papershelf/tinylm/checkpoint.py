"""Checkpoints: a directory holding config.json (the model config), model.pt (the state dict)
and tokenizer.json. Each file is written under a temporary name and then renamed into place,
so none is ever half-written."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import torch

from papershelf.tinylm.model import FFNFactory, TinyGPT, TinyGPTConfig
from papershelf.tinylm.tokenizers import Tokenizer

FORMAT = "papershelf.tinylm/1"
FILES = ("config.json", "model.pt", "tokenizer.json")


def save(
    model: TinyGPT, tok: Tokenizer, directory: str | os.PathLike, *, overwrite: bool = False
) -> Path:
    """Write `model` and `tok` to `directory` (created; an existing checkpoint there is replaced
    only with `overwrite`). A custom FFN's weights are saved, its code is not: give the same
    `ffn_factory` to `load`."""
    directory = Path(directory)
    if tok.vocab_size != model.cfg.vocab_size:
        raise ValueError(
            f"the tokenizer has {tok.vocab_size} ids but the model {model.cfg.vocab_size}"
        )
    if directory.exists() and any((directory / f).exists() for f in FILES) and not overwrite:
        raise FileExistsError(f"{directory} holds a checkpoint; pass overwrite=True to replace it")
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=directory) as tmp:
        tmp = Path(tmp)
        spec = {"format": FORMAT, "config": model.cfg.to_dict()}
        (tmp / "config.json").write_text(json.dumps(spec, indent=1))
        torch.save({k: v.cpu() for k, v in model.state_dict().items()}, tmp / "model.pt")
        tok.save(tmp / "tokenizer.json")
        for name in FILES:
            os.replace(tmp / name, directory / name)
    return directory


def load(
    directory: str | os.PathLike,
    *,
    ffn_factory: FFNFactory | None = None,
    map_location: str | torch.device = "cpu",
) -> tuple[TinyGPT, Tokenizer]:
    """Read a checkpoint written by `save`: (model in eval mode, tokenizer)."""
    directory = Path(directory)
    missing = [f for f in FILES if not (directory / f).is_file()]
    if missing:
        raise FileNotFoundError(f"{directory} is not a tinylm checkpoint: missing {missing}")
    spec = json.loads((directory / "config.json").read_text())
    if spec.get("format") != FORMAT:
        raise ValueError(f"{directory}/config.json: format {spec.get('format')!r}, not {FORMAT}")
    model = TinyGPT(TinyGPTConfig(**spec["config"]), ffn_factory=ffn_factory)
    state = torch.load(directory / "model.pt", map_location=map_location, weights_only=True)
    model.load_state_dict(state)
    return model.to(map_location).eval(), Tokenizer.load(directory / "tokenizer.json")
