"""Where things are: the checkout, its examples, and the workplace's shared/ folder.

`SHARED` (seeds, reference files) is looked for only beside the checkout, ``../shared``,
which is how CI lays it out; a developer without it gets skips locally (see
`support.peers`), CI gets failures.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
FIXTURES = TESTS / "fixtures"
EXAMPLES = ROOT / "examples"
SHARED = ROOT.parent / "shared"


def _main_checkout() -> Path | None:
    """The main checkout when this one is a linked git worktree (its .git is a file)."""
    marker = ROOT / ".git"
    if not marker.is_file():
        return None
    text = marker.read_text(encoding="utf-8").strip()
    if not text.startswith("gitdir:"):
        return None
    gitdir = (ROOT / text.removeprefix("gitdir:").strip()).resolve()
    # <main>/.git/worktrees/<name>
    if gitdir.parent.name == "worktrees" and gitdir.parent.parent.name == ".git":
        return gitdir.parent.parent.parent
    return None


def node_module(relative: str) -> Path:
    """`node_modules/<relative>` of this checkout, else of the main checkout of a worktree
    (``npm ci`` runs once per clone); the checkout's own path when neither has it."""
    own = ROOT / "node_modules" / relative
    main = _main_checkout()
    if not own.exists() and main is not None and (main / "node_modules" / relative).exists():
        return main / "node_modules" / relative
    return own
