"""The documentation site's sources, generated into one folder for `mkdocs build --strict`.

    index.md          docs/index.md + the papers table
    <page>.md         every other page of docs/ (contributing.md, tinylm.md, ...)
    results.md        every paper's claims: paper | ours | bar | verdict
    papers/<slug>.md  the paper's README, its figures copied beside it

Links in a README to files of the repository (source, tests) become inline code: the site
carries only the pages and figures.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from papershelf.catalog import claims_table, discover, papers_table

_LINK = re.compile(r"(!?)\[([^\]]*)\]\(([^)\s]+)\)")


def _rewrite_links(markdown: str, paper_dir: Path, assets: Path, slug: str) -> str:
    def fix(m: re.Match) -> str:
        bang, text, target = m.groups()
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            return m.group(0)
        src = (paper_dir / target).resolve()
        if bang and src.is_file():
            shutil.copy2(src, assets / src.name)
            return f"![{text}]({slug}/{src.name})"
        return f"{text} (`{target}`)" if text and text != target else f"`{target}`"

    return _LINK.sub(fix, markdown)


def build_sources(root: str | Path, out: str | Path) -> Path:
    """Write the site's Markdown sources for the repository at `root` into `out` (replaced)."""
    root, out = Path(root), Path(out)
    if out.exists():
        shutil.rmtree(out)
    (out / "papers").mkdir(parents=True)
    docs = root / "docs"
    (out / "index.md").write_text(
        (docs / "index.md").read_text() + "\n## Papers\n\n" + _relink_table(papers_table(root))
    )
    for page in sorted(docs.glob("*.md")):
        if page.name != "index.md":
            shutil.copy2(page, out / page.name)
    results = ["# Results\n", "Every claim of every paper, checked on its committed results.\n"]
    for paper in discover(root):
        assets = out / "papers" / paper.slug
        assets.mkdir()
        readme = (paper.path / "README.md").read_text()
        page = _rewrite_links(readme, paper.path, assets, paper.slug)
        (out / "papers" / f"{paper.slug}.md").write_text(page)
        results += [f"\n## [{paper.title}](papers/{paper.slug}.md)\n\n", claims_table(paper)]
    (out / "results.md").write_text("".join(results))
    return out


def _relink_table(table: str) -> str:
    return re.sub(r"\(papers/([a-z0-9_]+)/\)", r"(papers/\1.md)", table)
