"""docs/tinylm.md's example must keep matching the API (running it takes ~30 s: not here)."""

import ast
import re

import pytest

pytest.importorskip("torch")

import papershelf
import papershelf.tinylm


def test_the_guide_example_uses_the_public_api(repo_root):
    guide = (repo_root / "docs" / "tinylm.md").read_text()
    code = re.search(r"```python\n(.*?)```", guide, re.S).group(1)
    tree = ast.parse(code)
    imported = {
        (node.module, alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert ("papershelf.tinylm", "train_lm") in imported
    for module, name in imported:
        assert hasattr(
            {"papershelf": papershelf, "papershelf.tinylm": papershelf.tinylm}[module], name
        )
    assert len(code.strip().splitlines()) <= 32
