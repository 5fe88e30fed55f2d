"""The SPARQL 1.1 Graph Store HTTP Protocol client: PUT or POST a graph's triples (urllib).

Also where the Graph Store Protocol and update URLs of the stores we know are derived
from their query endpoint.
"""

from __future__ import annotations

import urllib.parse
import urllib.request

from cryonto.remote.http import check_timeout, check_url, failure


class GraphStoreClient:
    """SPARQL 1.1 Graph Store HTTP Protocol: PUT/POST a graph's triples (urllib)."""

    def __init__(self, url: str, timeout: float = 60, *, user: str | None = None,
                 password: str | None = None) -> None:
        self.url = check_url(url, "graph store URL")
        self.timeout = check_timeout(timeout)
        handlers: list[urllib.request.BaseHandler] = []
        if user is not None:
            manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            manager.add_password(None, self.url, user, password or "")
            handlers.append(urllib.request.HTTPDigestAuthHandler(manager))
        self._opener = urllib.request.build_opener(*handlers)

    def graph_url(self, graph: str) -> str:
        if "{graph}" in self.url:
            return self.url.replace("{graph}", urllib.parse.quote(graph, safe=""))
        # Virtuoso's /sparql-graph-crud[-auth] names the parameter graph-uri
        key = "graph-uri" if "sparql-graph-crud" in self.url else "graph"
        separator = "&" if "?" in self.url else "?"
        return f"{self.url}{separator}{urllib.parse.urlencode({key: graph})}"

    def send(self, graph: str, ntriples: bytes, *, replace: bool = False) -> int:
        """PUT (replace) or POST (add) N-Triples to `graph`; the HTTP status."""
        url = self.graph_url(graph)
        request = urllib.request.Request(url, data=ntriples, method="PUT" if replace else "POST")
        # N-Triples is Turtle; text/turtle is what every store's GSP accepts
        request.add_header("Content-Type", "text/turtle; charset=utf-8")
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                response.read()
                return int(response.status)
        except OSError as error:  # urllib's HTTPError and URLError, timeouts, refusals
            raise failure(error, self.url, self.timeout, where=f"graph <{graph}>") from None


def derive_gsp_url(endpoint: str, *, auth: bool = False) -> str | None:
    """The Graph Store Protocol URL next to a query endpoint, for the stores we know."""
    parts = urllib.parse.urlsplit(endpoint)
    path = parts.path.rstrip("/")
    if path.endswith("/query"):  # Oxigraph: /query -> /store; Fuseki: /ds/query -> /ds/data
        base = path[: -len("/query")]
        new = base + "/data" if base else "/store"
    elif path.endswith("/sparql"):  # Virtuoso
        new = path[: -len("/sparql")] + ("/sparql-graph-crud-auth" if auth
                                         else "/sparql-graph-crud")
    else:
        return None
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, new, "", ""))


def derive_update_url(endpoint: str) -> str:
    """The SPARQL Update URL next to a query endpoint (Oxigraph/Fuseki: /query -> /update)."""
    parts = urllib.parse.urlsplit(endpoint)
    path = parts.path.rstrip("/")
    if path.endswith("/query"):
        path = path[: -len("/query")] + "/update"
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))
