"""The test peers: programs and files the tests need that pip does not install.

CI installs every one of them (``scripts/install-test-peers.sh``: Chromium, Virtuoso, java,
Comunica and axe-core; playwright and oxigraph come with ``.[test]``) and lays out the
``shared/`` folder beside the checkout. So a missing peer is a skip on a developer's
machine, with the reason and how to get it, and a failure in CI (``CI=true``), where a skip
would hide that a whole family of tests did not run.

- `require_peer(name, available, hint)`: call it in a test, a fixture or at module level;
- `peer(name, available, hint)`: the same as a mark (``pytestmark = [peer(...)]`` or a
  decorator), checked by tests/conftest.py before the test's fixtures are set up.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest

from support.paths import SHARED, node_module
from support.servers import oxigraph_binary, virtuoso_binary

IN_CI = os.environ.get("CI") == "true"


def require_peer(name: str, available: object, hint: str) -> None:
    """Nothing when `available`; else skip (locally) or fail (in CI) saying what is missing."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{name} is missing, and CI installs it: {hint}", pytrace=False)
    pytest.skip(f"{name} not available: {hint}", allow_module_level=True)


def peer(name: str, available: object, hint: str) -> pytest.MarkDecorator:
    """`require_peer` as a mark: the test skips (locally) or fails (CI) before its fixtures."""
    return pytest.mark.peer(name=name, available=bool(available), hint=hint)


def has_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ImportError:
        return False


#: Debian's Chromium, never a downloaded one
CHROMIUM = Path(os.environ.get("CRYONTO_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
COMUNICA = node_module(".bin/comunica-sparql")
AXE = node_module("axe-core/axe.min.js")


BROWSER = peer("Chromium and playwright", CHROMIUM.exists() and has_module("playwright"),
               f"{CHROMIUM} (apt-get install chromium; or set CRYONTO_CHROMIUM) and the "
               "playwright package (pip install -e '.[test]')")
COMUNICA_PEER = peer("comunica-sparql", COMUNICA.exists(),
                     "run `npm ci` in the repository (package.json)")
JAVA = peer("java", shutil.which("java"), "HermiT needs it: apt-get install default-jre-headless")
OXIGRAPH = peer("the oxigraph CLI", oxigraph_binary(), "pip install -e '.[test]' brings it")
VIRTUOSO = peer("virtuoso-t", virtuoso_binary(),
                "apt-get install virtuoso-opensource (scripts/install-test-peers.sh)")
SHARED_FOLDER = peer("the shared/ folder", SHARED.is_dir(),
                     f"seeds and reference files, expected beside the checkout at {SHARED}")
