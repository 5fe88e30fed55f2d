"""The HTTP endpoint: SPARQL 1.1 Protocol (read-only), linked data and HTML pages.

`cryonto.serve.app.create_app(store, …)` builds the Starlette app; `cryonto serve`
runs it with uvicorn. Nothing outside this package knows HTTP. The package itself
imports nothing, so its modules can import each other without a cycle through it.
"""
