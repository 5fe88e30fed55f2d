"""Render a `ReportData` as one self-contained HTML file, or as Markdown.

The HTML has its style sheet, its one small script (open every data table
before printing) and its figures (SVG) inline, links to nothing it needs, and
so opens from ``file://`` with no network request: coded clinical data stays
on the machine. The template lives with the endpoint's templates
(``serve/templates/report.html``), so one set of templates renders everything.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources as importlib_resources
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import Environment, PackageLoader
from markupsafe import Markup

from cryonto._version import __version__ as cryonto_version
from cryonto.atomic import write_bytes, write_text
from cryonto.errors import CryontoError
from cryonto.rdf import GraphStore
from cryonto.report.data import ReportData, gather

if TYPE_CHECKING:  # matplotlib is imported only when a report is built
    from cryonto.report.figures import Figure

AGREEMENT_COLUMNS = ("units", "agreement", "krippendorff_alpha", "cohen_kappa", "gwet_ac1",
                     "brennan_prediger")


@dataclass
class ReportResult:
    """What `build_report` wrote, for the command line's summary."""

    out: Path
    size: int
    figures: list[Figure]
    figure_files: list[Path]
    seconds: float


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("cryonto.serve", "templates"), autoescape=True,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["pct"] = lambda x: f"{100 * x:.1f} %"
    env.filters["num"] = lambda x: "–" if x is None else (f"{x:.3f}" if isinstance(x, float)
                                                          else str(x))
    return env


def _css() -> str:
    return (importlib_resources.files("cryonto.serve") / "static" / "report.css").read_text(
        encoding="utf-8")


def render_html(data: ReportData, figures: list[Figure]) -> str:
    """The report as one HTML document."""
    by_slug = {f.slug: f for f in figures}
    svgs = {f.slug: Markup(f.svg) for f in figures}  # our own SVG: matplotlib's, ids rewritten
    return _environment().get_template("report.html").render(
        d=data, figures=by_slug, svgs=svgs, css=Markup(_css()), lang=data.lang,
        numbers={f.slug: i for i, f in enumerate(figures, 1)},
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        version=cryonto_version, agreement_columns=AGREEMENT_COLUMNS,
        concepts={c.iri: c for c in data.concepts()})


def render_markdown(data: ReportData, figures: list[Figure],
                    figure_links: dict[str, str] | None = None) -> str:
    """The report as Markdown: the same sections, tables, and each figure as an image
    (a file from ``--figures`` when given, else an inline SVG data URI)."""
    lines = [f"# Coded data report{' (redacted)' if data.redacted else ''}", ""]
    lines += ["## The study at a glance", "",
              "| study | documents | segments | coders | orientations | dates | mapped segments |",
              "|---|---|---|---|---|---|---|"]
    for s in data.studies:
        lines.append(f"| {_md(s.title)} | {s.documents} | {s.segments} | {len(s.coders)} | "
                     f"{', '.join(s.orientations) or '–'} | {s.first or '–'} – {s.last or '–'} "
                     f"| {s.mapped_segments} ({100 * s.coverage:.1f} %) |")
    for i, figure in enumerate(figures, 1):
        source = (figure_links or {}).get(figure.slug) or (
            "data:image/svg+xml;base64," + base64.b64encode(figure.svg.encode()).decode())
        lines += ["", f"## Figure {i}. {figure.title}", "", f"![{_md(figure.alt)}]({source})",
                  "", "| " + " | ".join(figure.headers) + " |",
                  "|" + "---|" * len(figure.headers)]
        lines += ["| " + " | ".join(_md(str(v)) for v in row) + " |" for row in figure.rows]
    lines += ["", "## Intercoder agreement", ""]
    if data.agreement:
        overall = data.agreement["overall"]
        lines += ["| " + " | ".join(AGREEMENT_COLUMNS) + " |", "|" + "---|" * 6,
                  "| " + " | ".join(_fmt(overall.get(k)) for k in AGREEMENT_COLUMNS) + " |"]
    else:
        lines.append(data.agreement_note or "")
    lines += ["", "## Unmapped codes", ""]
    lines += [f"- {_md(str(r['label'] or r['code']))}: {r['segments']} segments"
              for r in data.unmapped] or ["None: every code reaches a category."]
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _fmt(value: object) -> str:
    return "–" if value is None else (f"{value:.3f}" if isinstance(value, float) else str(value))


def build_report(paths: list[Path] | GraphStore, out: Path, fmt: str = "html",
                 figures_dir: Path | None = None, redact: bool = False,
                 lang: str = "en") -> ReportResult:
    """Gather, draw and write a report; ``figures_dir`` also gets each figure as SVG and PNG."""
    if fmt not in ("html", "md"):
        raise CryontoError(f"unknown report format {fmt!r}; expected html or md")
    resolved = out.resolve()
    if not isinstance(paths, GraphStore) and any(resolved == p.resolve() for p in paths):
        raise CryontoError("-o would overwrite an input file", str(out))
    started = time.perf_counter()
    data = gather(paths, lang=lang, redact=redact)
    from cryonto.report.figures import all_figures

    figures = all_figures(data, png=figures_dir is not None)
    written: list[Path] = []
    links: dict[str, str] = {}
    if figures_dir is not None:
        figures_dir.mkdir(parents=True, exist_ok=True)
        for figure in figures:
            svg_path = figures_dir / f"{figure.slug}.svg"
            png_path = figures_dir / f"{figure.slug}.png"
            write_text(svg_path, figure.file_svg)
            write_bytes(png_path, figure.png)
            written += [svg_path, png_path]
            try:
                links[figure.slug] = str(svg_path.resolve().relative_to(
                    resolved.parent)).replace("\\", "/")
            except ValueError:
                links[figure.slug] = svg_path.resolve().as_uri()
    text = render_html(data, figures) if fmt == "html" else render_markdown(data, figures, links)
    write_text(out, text)
    return ReportResult(out, len(text.encode("utf-8")), figures, written,
                        time.perf_counter() - started)


__all__ = ["ReportResult", "build_report", "render_html", "render_markdown"]
