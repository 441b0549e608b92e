"""papershelf: the thin utilities every Papershelf paper shares.

- `seed_everything`, `jax_key`           (seeding)
- `set_threads`, `thread_info`           (threads)
- `main`, `run`, `RunContext`            (the reproduction runner and its CLI)
- `write_results`, `load_results`        (the results file; `atomic_write` for any file)
- `load_claims`, `evaluate`, `render_table`, `ClaimsError`   (claims)
- `compare`                              (interleaved side-by-side timing)
- `papershelf.testing`                   (`run_preset`, `without_keys` for smoke tests; on use)
- `papershelf.plotting`                  (Agg backend, house style, PNG writer; imported on use)
- `papershelf.tinylm`                    (the small LM; extra `papershelf[lm]`; imported on use)
"""

from papershelf.claims import Claim, ClaimsError, Verdict, evaluate, load_claims, render_table
from papershelf.results import atomic_write, load_results, lookup, write_json_atomic, write_results
from papershelf.runner import RunContext, main, run, run_bench
from papershelf.seeding import jax_key, seed_everything
from papershelf.threads import set_threads, thread_info
from papershelf.timing import compare

__all__ = [
    "Claim",
    "ClaimsError",
    "RunContext",
    "Verdict",
    "atomic_write",
    "compare",
    "evaluate",
    "jax_key",
    "load_claims",
    "load_results",
    "lookup",
    "main",
    "render_table",
    "run",
    "run_bench",
    "seed_everything",
    "set_threads",
    "thread_info",
    "write_json_atomic",
    "write_results",
]
