"""How many examples a hypothesis test tries: its full number, or a tenth in the fast loop.

tests/conftest.py registers the hypothesis profile ``fast`` and loads it when a run leaves
the slow tests out (``-m "not integration and not slow"``, which is `make check`), unless
``--hypothesis-profile`` names a profile. A test that asks for many examples writes
``@settings(max_examples=examples(2000))``: 2000 in the full suite, 200 in the fast loop.
"""

from __future__ import annotations

from hypothesis import settings

FAST_PROFILE = "fast"
FAST_SHARE = 10  # the fast loop tries a tenth of the examples
FAST_MINIMUM = 20


def examples(full: int) -> int:
    """`full` examples, or a tenth of them (at least 20) under the ``fast`` profile."""
    if settings.get_current_profile_name() == FAST_PROFILE:
        return min(full, max(FAST_MINIMUM, full // FAST_SHARE))
    return full
