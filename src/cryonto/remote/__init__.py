"""Remote SPARQL stores: the query client, the Graph Store Protocol client and `push`.

* `client`: `RemoteEndpoint`, queries (and updates) by the SPARQL 1.1 Protocol;
* `gsp`: `GraphStoreClient`, uploads by the SPARQL 1.1 Graph Store HTTP Protocol;
* `push`: `cryonto push`, batches, and the count check afterwards;
* `http`: what they share: URL and timeout checks, every failure as one `RemoteError` line.
"""

from __future__ import annotations

from cryonto.remote.client import RemoteEndpoint, answers_nothing
from cryonto.remote.gsp import GraphStoreClient, derive_gsp_url, derive_update_url
from cryonto.remote.http import check_timeout, check_url
from cryonto.remote.upload import (
    DEFAULT_DATA_GRAPH,
    GraphUpload,
    PushReport,
    batches,
    collect,
    push,
)

__all__ = [
    "DEFAULT_DATA_GRAPH",
    "GraphStoreClient",
    "GraphUpload",
    "PushReport",
    "RemoteEndpoint",
    "answers_nothing",
    "batches",
    "check_timeout",
    "check_url",
    "collect",
    "derive_gsp_url",
    "derive_update_url",
    "push",
]
