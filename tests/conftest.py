"""Fixtures and rules every test shares.

- Helpers live in `tests/support/` (a package, not tests); pytest puts `tests/` on
  `sys.path` for this file, so tests import ``from support.… import …``.
- `SHARED`: the workplace's shared/ folder (seeds, reference files), only ever beside the
  checkout (``../shared``), as CI lays it out; the `shared` fixture hands it to a test and
  skips locally / fails in CI when it is absent.
- The ``peer(name, available, hint)`` mark (`support.peers.peer`): a test that needs an
  external program is skipped locally and fails in CI (``CI=true``) when it is missing.
- Markers: ``integration`` (starts a real server, browser or external tool: oxigraph,
  Virtuoso, Comunica, Chromium, uvicorn, a ``cryonto serve`` subprocess) and ``slow``; the
  fast loop (``make check``) runs ``-m "not integration and not slow"``, and with it the
  hypothesis profile ``fast``: tests that ask for many examples try a tenth of them
  (`support.budget.examples`); ``--hypothesis-profile default`` keeps them all.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings
from support.budget import FAST_MINIMUM, FAST_PROFILE
from support.paths import ROOT, SHARED
from support.peers import IN_CI, require_peer

__all__ = ["ROOT", "SHARED"]


settings.register_profile(FAST_PROFILE, max_examples=FAST_MINIMUM)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "peer(name, available, hint): needs an external peer; skipped locally and "
                   "failed in CI (CI=true) when it is missing (tests/support/peers.py)")
    # the fast loop leaves the slow tests out: let hypothesis be quick there too (before the
    # test modules are imported, so that `examples(n)` in their decorators sees the profile)
    chosen = config.getoption("hypothesis_profile", default=None)
    if chosen is None and "not slow" in (config.getoption("markexpr", default="") or ""):
        settings.load_profile(FAST_PROFILE)


def pytest_report_header(config: pytest.Config) -> str:
    ci = "CI=true: a missing peer fails" if IN_CI else "not CI: a missing peer skips"
    return f"cryonto: hypothesis profile {settings.get_current_profile_name()!r}; {ci}"


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    for mark in item.iter_markers("peer"):
        require_peer(mark.kwargs["name"], mark.kwargs["available"], mark.kwargs["hint"])


@pytest.fixture(scope="session")
def shared() -> Path:
    """The shared/ folder beside the checkout (skipped locally, a failure in CI, if absent)."""
    require_peer("the shared/ folder", SHARED.is_dir(),
                 f"seeds and reference files, expected beside the checkout at {SHARED}")
    return SHARED
