"""Helpers the tests share; not tests themselves (pytest collects nothing here).

`tests/conftest.py` puts `tests/` on `sys.path` (pytest's rootdir-relative import), so a test
module imports them as ``from support.serve import ThreadServer``. No test module imports
another test module: what two modules need lives here.

- `paths`: the checkout, `examples/`, the `shared/` folder beside the checkout, node_modules;
- `peers`: the external peers (Chromium, Playwright, Comunica, axe-core, Virtuoso, oxigraph,
  java, the shared folder): skipped locally when missing, a failure in CI (``CI=true``);
- `serve`: uvicorn in a thread and ``cryonto serve`` in a subprocess, and answer comparison;
- `servers`: real oxigraph and Virtuoso servers for the integration tests;
- `shapes`: the small coded study the SHACL tests break one quad at a time;
- `refi_builders`: REFI-QDA projects written the way each QDA tool writes them;
- `report`: the browser checks of the report and site tests.
"""
