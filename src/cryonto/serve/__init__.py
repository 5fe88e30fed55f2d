"""The HTTP endpoint: SPARQL 1.1 Protocol (read-only), linked data and HTML pages.

`create_app(store, …)` builds the Starlette app; `cryonto serve` runs it with
uvicorn. Nothing outside this package knows HTTP.
"""

from __future__ import annotations

from cryonto.serve.app import create_app
from cryonto.serve.w3c import add_w3c_test_graphs

__all__ = ["add_w3c_test_graphs", "create_app"]
