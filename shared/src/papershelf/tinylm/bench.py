"""The performance numbers of docs/tinylm.md: `python -m papershelf.tinylm.bench [--quick]`.

1. Training throughput of the reference config (d = 96, 3 layers, 4 heads, d_ff = 384; 0.35M
   parameters): fwd + bwd + AdamW on batches of 64 x 96 tokens, on 1 and on 2 threads.
2. KV-cached generation vs recomputing the whole prefix at every step: 128 new tokens, batch 64,
   through the same sampling loop (only the step function differs).
3. Sampling throughput: samples/s of 75 new tokens at batch 256 (1 thread).

Every pair is timed with `papershelf.compare` (interleaved, repeated; medians and spreads).
Generation ignores `<eos>` here so that every sample has exactly the stated length.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor

from papershelf.seeding import seed_everything
from papershelf.threads import set_threads
from papershelf.timing import compare
from papershelf.tinylm.model import TinyGPT, TinyGPTConfig
from papershelf.tinylm.sampling import StepFn, encode_prompts, inference, sample_loop
from papershelf.tinylm.tokenizers import CharTokenizer
from papershelf.tinylm.train import train_lm

ALPHABET = "abcdefghijklmnop"  # 16 symbols + 4 specials = a 20-id vocabulary


def _spread(stats: dict[str, float], work: float) -> dict[str, float]:
    """Throughput (work / s) at the median, the fastest and the slowest repeat."""
    return {
        "median": work / stats["median_s"],
        "min": work / stats["max_s"],
        "max": work / stats["min_s"],
        "median_s": stats["median_s"],
        "iqr_s": stats["iqr_s"],
        "repeats": stats["repeats"],
    }


def bench_training(repeats: int, steps: int) -> dict[str, Any]:
    """Tokens/s of `train_lm` on the reference config, threads = 1 vs 2."""
    tok = CharTokenizer(ALPHABET)
    seed_everything(0)
    model = TinyGPT(TinyGPTConfig(vocab_size=tok.vocab_size))
    letters = [ALPHABET[i % 16] for i in torch.randint(0, 16, (640 * 95,)).tolist()]
    # <bos> + 95 symbols + <eos> = 97 tokens: the model reads 96 of them.
    examples = [("", "".join(letters[i * 95 : (i + 1) * 95])) for i in range(640)]

    def run(threads: int) -> None:
        train_lm(
            model,
            tok,
            examples,
            steps=steps,
            batch_size=64,
            lr=1e-3,
            warmup=0,
            weight_decay=0.1,
            seed=0,
            loss_mask="all",
            threads=threads,
        )

    stats = compare({"threads=1": lambda: run(1), "threads=2": lambda: run(2)}, repeats=repeats)
    tokens = steps * 64 * 96
    return {
        "params": model.num_params(),
        "batch": "64 x 96",
        "steps_per_repeat": steps,
        **{name: _spread(s, tokens) for name, s in stats.items()},
    }


def _recompute_step(model: TinyGPT) -> StepFn:
    """The baseline: no cache; the 'cache' slot carries the ids so far and every step runs the
    whole prefix again."""

    def step(ids: Tensor, mask: Tensor, seen: Tensor | None) -> tuple[Tensor, Tensor]:
        full = ids if seen is None else torch.cat((seen, ids), dim=1)
        return model(full, attn_mask=mask)[0][:, -1], full

    return step


def _cached_step(model: TinyGPT) -> StepFn:
    """What `generate` does: feed the new token, carry the KV cache."""

    def step(ids: Tensor, mask: Tensor, kv: Any) -> tuple[Tensor, Any]:
        logits, kv = model(ids, attn_mask=mask, past_kv=kv, use_cache=True)
        return logits[:, -1], kv

    return step


def _sampler(
    model: TinyGPT, tok: CharTokenizer, prompts: list[str], new: int, step: StepFn
) -> Callable[[], None]:
    """One call samples `new` tokens for every prompt, in one batch, through `step`."""
    ids = encode_prompts(tok, prompts, model.cfg.max_len, room=new)

    def run() -> None:
        with inference(model):
            sample_loop(
                step,
                ids,
                n=1,
                max_new_tokens=new,
                temperature=1.0,
                top_p=1.0,
                top_k=0,
                stop=(),
                seed=0,
                batch_size=len(prompts),
                eos_ids=frozenset(),
                pad_id=tok.pad_id,
                decode=tok.decode,
                device=torch.device("cpu"),
            )

    return run


def bench_generation(repeats: int) -> dict[str, Any]:
    """KV cache vs recompute (128 new tokens, batch 64), and samples/s (75 tokens, batch 256),
    on 1 thread, with the reference config widened to 256 positions."""
    set_threads(1)
    tok = CharTokenizer(ALPHABET)
    seed_everything(0)
    model = TinyGPT(TinyGPTConfig(vocab_size=tok.vocab_size, max_len=256))
    prompts = ["".join(ALPHABET[(i * 7 + k) % 16] for k in range(8 + i % 8)) for i in range(256)]
    cache_vs_recompute = compare(
        {
            "kv_cache": _sampler(model, tok, prompts[:64], 128, _cached_step(model)),
            "recompute": _sampler(model, tok, prompts[:64], 128, _recompute_step(model)),
        },
        repeats=repeats,
        baseline="recompute",
    )
    sampling = compare(
        {"batch256": _sampler(model, tok, prompts, 75, _cached_step(model))}, repeats=repeats
    )["batch256"]
    return {
        "kv_cache_tokens_per_s": _spread(cache_vs_recompute["kv_cache"], 64 * 128),
        "recompute_tokens_per_s": _spread(cache_vs_recompute["recompute"], 64 * 128),
        "kv_cache_speedup": cache_vs_recompute["kv_cache"]["speedup_vs_recompute"],
        "samples_per_s": _spread(sampling, 256),
    }


def run(quick: bool = False) -> dict[str, Any]:
    """All numbers of the guide, with the machine's load average before and after."""
    repeats = 3 if quick else 5
    load_before = os.getloadavg()
    result = {
        "training": bench_training(repeats, steps=2 if quick else 5),
        "generation": bench_generation(repeats),
        "cpus": os.cpu_count(),
        "torch": torch.__version__,
        "loadavg_before": load_before,
        "loadavg_after": os.getloadavg(),
    }
    return result


def main(argv: list[str] | None = None) -> None:
    """CLI: print the numbers as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and steps")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.quick), indent=1))


if __name__ == "__main__":
    main()
