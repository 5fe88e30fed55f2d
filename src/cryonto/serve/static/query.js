// The query page: run the textarea's query against /sparql and show the answer.
// Values are inserted with textContent only (never innerHTML), so results cannot inject markup.
"use strict";

(function () {
  const form = document.getElementById("query-form");
  if (!form) return;
  const textarea = document.getElementById("query");
  const results = document.getElementById("results");
  const status = document.getElementById("status");
  const button = document.getElementById("run");
  const named = document.getElementById("named");
  const base = form.dataset.base || "";

  if (named) {
    named.addEventListener("change", () => {
      const option = named.options[named.selectedIndex];
      if (option && option.dataset.query) textarea.value = option.dataset.query;
    });
  }

  // Where a link to an IRI goes: this server for cryonto IRIs, the IRI itself if http(s),
  // null (plain text) otherwise, so a data file cannot plant javascript: links (pages.py: href).
  function linkTarget(iri) {
    if (base && iri.startsWith(base)) {
      const local = "/" + iri.slice(base.length);
      if (!local.startsWith("//") && !local.startsWith("/\\")) return local;
    }
    return /^https?:\/\//i.test(iri) ? iri : null;
  }

  function cell(term) {
    const td = document.createElement("td");
    if (!term) return td;
    if (term.type === "uri") {
      const target = linkTarget(term.value);
      const a = document.createElement(target ? "a" : "span");
      a.textContent = term.value;
      if (target) a.href = target;
      td.appendChild(a);
    } else if (term.type === "bnode") {
      td.textContent = "_:" + term.value;
    } else if (term.type === "triple") {
      td.textContent = "<< " + [term.value.subject, term.value.predicate, term.value.object]
        .map((t) => t.value).join(" ") + " >>";
    } else {
      td.textContent = term.value;
      if (term["xml:lang"]) td.lang = term["xml:lang"];
      td.title = term["xml:lang"] ? "@" + term["xml:lang"] : (term.datatype || "");
    }
    return td;
  }

  function table(data) {
    const t = document.createElement("table");
    t.className = "results";
    const head = t.createTHead().insertRow();
    for (const name of data.head.vars) {
      const th = document.createElement("th");
      th.textContent = name;
      head.appendChild(th);
    }
    const body = t.createTBody();
    for (const binding of data.results.bindings) {
      const row = body.insertRow();
      for (const name of data.head.vars) row.appendChild(cell(binding[name]));
    }
    return t;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    status.textContent = "Running…";
    results.replaceChildren();
    const started = performance.now();
    try {
      const response = await fetch("/sparql", {
        method: "POST",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          "Accept": "application/sparql-results+json, text/turtle;q=0.9",
        },
        body: new URLSearchParams({ query: textarea.value }),
      });
      const ms = Math.round(performance.now() - started);
      const type = response.headers.get("Content-Type") || "";
      if (!response.ok) {
        const p = document.createElement("p");
        p.className = "error";
        p.textContent = response.status + ": " + (await response.text());
        results.appendChild(p);
        status.textContent = "Failed after " + ms + " ms";
        return;
      }
      const truncated = response.headers.get("X-Cryonto-Truncated");
      if (type.startsWith("application/sparql-results+json")) {
        const data = await response.json();
        if ("boolean" in data) {
          const p = document.createElement("p");
          p.className = "boolean";
          p.textContent = "ASK: " + data.boolean;
          results.appendChild(p);
          status.textContent = "Answered in " + ms + " ms";
        } else {
          results.appendChild(table(data));
          const n = data.results.bindings.length;
          status.textContent = n + (n === 1 ? " row" : " rows") + " in " + ms + " ms" +
            (truncated ? " (truncated at the server's limit)" : "");
        }
      } else {
        const pre = document.createElement("pre");
        pre.textContent = await response.text();
        results.appendChild(pre);
        status.textContent = "Graph in " + ms + " ms" + (truncated ? " (truncated)" : "");
      }
    } catch (error) {
      status.textContent = "Request failed: " + error;
    } finally {
      button.disabled = false;
    }
  });
})();
