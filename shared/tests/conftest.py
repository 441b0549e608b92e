import os
from pathlib import Path

import pytest

os.environ["PAPERSHELF_PROGRESS"] = "0"

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def repo_root() -> Path:
    """The Papershelf checkout these tests live in."""
    return REPO
