import os

os.environ["PAPERSHELF_PROGRESS"] = "0"

import jax
import pytest

# The equivalence tests compare against finite differences and closed forms to 1e-6..1e-10.
jax.config.update("jax_enable_x64", True)


@pytest.fixture(scope="session", autouse=True)
def xla_cache(tmp_path_factory):
    """Repeated runs inside one session (the determinism tests) reuse compiled XLA programs."""
    jax.config.update("jax_compilation_cache_dir", str(tmp_path_factory.mktemp("xla_cache")))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
