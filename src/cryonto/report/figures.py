"""The report's figures, drawn with matplotlib and kept as inline SVG (and PNG for papers).

Why matplotlib: it is on PyPI as wheels for every platform, needs no browser,
no JavaScript and no network at view time, writes SVG that can be inlined
into one HTML file, and the same figure object saves a 300 dpi PNG for a
journal. Text stays text in the SVG (``svg.fonttype = none``): smaller,
searchable, and read by screen readers. Colours: ``cividis`` (a sequential map
designed for colour-vision deficiency) for counts and the Okabe-Ito palette for
categories of things (orientations, link types).

Each figure carries ids the tests count: ``cat-node-<notation>`` on every node
of the category figure and ``cat-link-<n>-<type>`` on every associative link.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display, no GUI toolkit: a report is a file
import matplotlib.pyplot as plt
from matplotlib import colormaps
from matplotlib.colors import PowerNorm
from matplotlib.figure import Figure as MplFigure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch
from matplotlib.ticker import MaxNLocator

from cryonto.category import CategorySystem, Concept
from cryonto.report.data import CategoryLinkEdge, ReportData, category_links

#: Okabe & Ito (2008): distinguishable with every common colour-vision deficiency
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
             "#000000")
LINK_STYLES = {  # link type -> (colour, dash); dashes tell types apart without colour too
    "associatedWith": (OKABE_ITO[7], (0, ())),
    "cooccursWith": (OKABE_ITO[5], (0, (4, 1.5))),
    "correspondsTo": (OKABE_ITO[4], (0, (1, 1))),
    "counterpartOf": (OKABE_ITO[2], (0, (5, 1, 1, 1))),
    "intersectsWith": (OKABE_ITO[6], (0, (3, 1, 1, 1, 1, 1))),
    "contrastsWith": (OKABE_ITO[0], (0, (6, 2))),
    "related": (OKABE_ITO[1], (0, (2, 2))),
}
CMAP = "cividis"
PUBLICATION_DPI = 300
_RC: dict[str, Any] = {"svg.fonttype": "none", "svg.hashsalt": "cryonto",
                       "font.family": "DejaVu Sans", "font.size": 8}


@dataclass
class Figure:
    """One figure: what the report inlines, and what ``--figures`` writes."""

    slug: str
    title: str
    alt: str  # the text alternative
    headers: tuple[str, ...]
    rows: list[tuple]
    svg: str = ""  # for inlining: no prolog, no fixed size, ids prefixed
    file_svg: str = field(default="", repr=False)  # as matplotlib wrote it, at print size
    png: bytes = field(default=b"", repr=False)


# -- helpers ---------------------------------------------------------------------------------


def _style() -> Any:
    """The figures' matplotlib settings, for one figure (global state stays untouched)."""
    return plt.rc_context(_RC)  # type: ignore[arg-type]  # the stubs want literal keys


def _finish(fig: MplFigure, figure: Figure, png: bool) -> Figure:
    """SVG text for inlining (ids prefixed, title and desc for assistive technology) and PNG."""
    buffer = io.StringIO()
    with _style():
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
        if png:
            raw = io.BytesIO()
            fig.savefig(raw, format="png", dpi=PUBLICATION_DPI, bbox_inches="tight",
                        metadata={"Software": None})
            figure.png = raw.getvalue()
    plt.close(fig)
    figure.file_svg = buffer.getvalue()
    figure.svg = _accessible_svg(figure.file_svg, figure)
    return figure


def _accessible_svg(text: str, figure: Figure) -> str:
    """matplotlib's SVG made fit to inline: no prolog, unique ids, a title and a description."""
    from html import escape

    text = text[text.index("<svg"):]
    prefix = f"{figure.slug}-"
    text = re.sub(r'\bid="(?!cat-)([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', text)
    text = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}{m.group(1)})", text)
    text = re.sub(r'xlink:href="#([^"]+)"', lambda m: f'xlink:href="#{prefix}{m.group(1)}"',
                  text)
    text = re.sub(r'<svg ([^>]*?)width="[^"]*" height="[^"]*"',
                  r'<svg \1class="figure-svg"', text, count=1)
    head = (f'<title id="{prefix}title">{escape(figure.title)}</title>'
            f'<desc id="{prefix}desc">{escape(figure.alt)}</desc>')
    text = re.sub(r"<svg ([^>]*)>", lambda m: (
        f'<svg {m.group(1)} role="img" aria-labelledby="{prefix}title {prefix}desc">{head}'),
        text, count=1)
    return text


def _short(text: str, limit: int = 46) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _name(data: ReportData, concept: Concept) -> str:
    return f"{concept.notation} {_short(data.label(concept))}"


# -- frequencies ------------------------------------------------------------------------------


def frequency_figure(data: ReportData, by: str = "total", png: bool = False) -> Figure:
    """Segments per category down the hierarchy: in all, per study or per orientation."""
    concepts = data.concepts()
    groups: dict[str, dict[str, int]] = {"study": data.by_study,
                                         "orientation": data.by_orientation}.get(by, {})
    total = [data.frequencies.get(c.iri, {}).get("segments", 0) for c in concepts]
    names = list(groups)
    headers: tuple[str, ...] = ("notation", "category")
    if groups:
        headers += tuple(f"segments {name}" for name in names)
        rows = [(c.notation, data.label(c), *(groups[g].get(c.iri, 0) for g in names))
                for c in concepts]
    else:
        headers += ("segments (with sub-categories)", "coded directly", "documents")
        rows = [(c.notation, data.label(c), total[i],
                 data.frequencies.get(c.iri, {}).get("direct", 0),
                 data.frequencies.get(c.iri, {}).get("documents", 0))
                for i, c in enumerate(concepts)]
    ranked = sorted(((n, c) for n, c in zip(total, concepts, strict=True)
                     if c.notation and "." in c.notation), key=lambda t: -t[0])[:3]
    alt = (f"Horizontal bar chart of the {len(concepts)} categories in hierarchy order, "
           f"bar length = coded segments including sub-categories"
           + (f", one bar per {by} ({', '.join(names)})" if groups else "")
           + ". Most coded sub-categories in all: "
           + "; ".join(f"{c.notation} {data.label(c)} ({n})" for n, c in ranked if n) + ".")
    title = "Coded segments per category" + (f", per {by}" if groups else "")
    slug = "frequencies" + (f"-{by}" if groups else "")
    figure = Figure(slug, title, alt, headers, rows)
    with _style():
        fig, ax = plt.subplots(figsize=(7.2, 0.22 * len(concepts) + 1.2))
        y = list(range(len(concepts)))
        if groups:
            height = 0.8 / len(names)
            for k, name in enumerate(names):
                values = [groups[name].get(c.iri, 0) for c in concepts]
                ax.barh([v - 0.4 + height * (k + 0.5) for v in y], values, height=height,
                        color=OKABE_ITO[k % len(OKABE_ITO)], label=_short(name, 30))
            ax.legend(title=by.capitalize(), loc="lower right", frameon=False)
        else:
            ax.barh(y, total, height=0.7, color=colormaps[CMAP](0.25))
            for v, n in zip(y, total, strict=True):
                ax.text(n, v, f" {n}", va="center", fontsize=7)
        ax.set_yticks(y, ["   " * (len(c.notation or "") // 2) + _name(data, c)
                          for c in concepts], fontsize=7)
        ax.invert_yaxis()
        ax.set_xlabel("coded segments (category with its sub-categories)")
        ax.spines[["top", "right"]].set_visible(False)
        ax.set_title(figure.title, loc="left", fontsize=10)
        return _finish(fig, figure, png)


# -- co-occurrence ----------------------------------------------------------------------------


def cooccurrence_figure(data: ReportData, kind: str, png: bool = False) -> Figure:
    """A heatmap of how often two coded categories share a segment (or a document)."""
    pairs = data.cooccurrence.get(kind, [])
    unit = "segment" if kind == "segments" else "document"
    involved = {iri for a, b, _ in pairs for iri in (a, b)}
    concepts = [c for c in data.concepts() if c.iri in involved]
    index = {c.iri: i for i, c in enumerate(concepts)}
    n = len(concepts)
    matrix = [[0] * n for _ in range(n)]
    for a, b, both in pairs:
        matrix[index[a]][index[b]] = matrix[index[b]][index[a]] = both
    labels = [c.notation or "" for c in concepts]
    top = sorted(pairs, key=lambda p: -p[2])[:3]
    name = {c.iri: c.notation for c in concepts}
    alt = (f"Heatmap of {n} coded categories against each other; a cell's shade is the number "
           f"of {unit}s coded with both. " + (
               "Most frequent pairs: " + "; ".join(f"{name[a]} and {name[b]} ({k})"
                                                    for a, b, k in top) + "."
               if top else f"No two categories share a {unit}."))
    headers = ("category A", "category B", f"{unit}s with both")
    rows = [(name[a], name[b], k) for a, b, k in sorted(pairs, key=lambda p: -p[2])]
    figure = Figure(f"cooccurrence-{kind}", f"Categories coded together in the same {unit}",
                    alt, headers, rows)
    with _style():
        size = max(3.0, 0.22 * n + 1.6)
        fig, ax = plt.subplots(figsize=(size + 1.0, size))
        if n:
            image = ax.imshow(matrix, cmap=CMAP, vmin=0)
            ax.set_xticks(range(n), labels, rotation=90, fontsize=6)
            ax.set_yticks(range(n), labels, fontsize=6)
            cbar = fig.colorbar(image, ax=ax, shrink=0.8)
            cbar.set_label(f"{unit}s with both categories")
            cbar.locator = MaxNLocator(integer=True)  # counts: no 0.2 of a segment
            cbar.update_ticks()
            if n <= 16:
                peak = max(max(r) for r in matrix) or 1
                for i in range(n):
                    for j in range(n):
                        if matrix[i][j]:
                            ax.text(j, i, str(matrix[i][j]), ha="center", va="center",
                                    fontsize=6,
                                    color="white" if matrix[i][j] < peak * 0.6 else "black")
        else:
            ax.axis("off")
            ax.text(0.5, 0.5, f"no two categories share a {unit}", ha="center",
                    transform=ax.transAxes)
        ax.set_title(figure.title, loc="left", fontsize=10)
        return _finish(fig, figure, png)


# -- the category system ----------------------------------------------------------------------

_STEP = 0.45  # horizontal indent per level
_GAP = 6.5  # distance between the two columns' innermost nodes


def layout(system: CategorySystem) -> dict[str, tuple[float, float]]:
    """A deterministic hand layout by hierarchy: assumptions on the left, interventions on the
    right, each tree growing outwards so its labels sit outside and the links run between."""
    tops = system.top_concepts()
    positions: dict[str, tuple[float, float]] = {}
    columns = [list(node.walk()) for node in system.tree()]
    height = max((len(c) for c in columns), default=1) - 1
    for side, nodes in enumerate(columns[:2] if len(tops) >= 2 else columns):
        step = height / max(len(nodes) - 1, 1)
        for row, node in enumerate(nodes):
            indent = (node.level - 1) * _STEP
            x = -indent if side == 0 else _GAP + indent
            positions[node.concept.iri] = (x, -row * step)
    return positions


def category_figure(data: ReportData, png: bool = False,
                    urls: dict[str, str] | None = None) -> Figure:
    """The category system like the paper's Figure 1: both trees, every associative link
    between categories drawn, and each node's colour and size its frequency in this study."""
    system = data.system
    positions = layout(system)
    edges: list[CategoryLinkEdge] = data.links or category_links(system)
    counts = {c.iri: data.frequencies.get(c.iri, {}).get("segments", 0) for c in system}
    peak = max(counts.values(), default=0) or 1
    norm = PowerNorm(0.5, vmin=0, vmax=peak)  # square root: leaves stay readable beside A
    cmap = colormaps[CMAP]
    concepts = data.concepts()
    label = {c.iri: c.notation for c in concepts}
    study = any(counts.values())  # the site draws the system without a study
    alt = (f"Tree of the {len(concepts)} categories (assumptions left, interventions right) "
           f"with {len(edges)} associative links drawn between them as curves, dashed by link "
           f"type." + (f" Node shade and size show coded segments in this study (darkest = "
                       f"{peak}); uncoded categories are white." if study else ""))
    headers = ("category A", "link", "category B", "segments A", "segments B")
    rows = [(label[e.source], e.type, label[e.target], counts[e.source], counts[e.target])
            for e in edges]
    figure = Figure("category-system", "The category system with its associative links",
                    alt, headers, rows)
    with _style():
        fig, ax = plt.subplots(figsize=(11, 9))
        for concept in concepts:  # the tree: elbows from parent to child
            x, y = positions[concept.iri]
            for child in system.children(concept):
                cx, cy = positions[child.iri]
                ax.plot([x, x, cx], [y, cy, cy], color="#999999", linewidth=0.8, zorder=1,
                        gid=f"cat-tree-{child.notation}")
        used: set[str] = set()
        for i, edge in enumerate(edges):
            (x1, y1), (x2, y2) = positions[edge.source], positions[edge.target]
            same_side = (x1 < _GAP / 2) == (x2 < _GAP / 2)
            inward = 1 if x1 < _GAP / 2 else -1
            # arc3 bends towards (dy, -dx): signs chosen so arcs bulge into the middle
            rad = -(0.35 + min(abs(y1 - y2), 12) * 0.02) * (inward if y1 > y2 else -inward) \
                if same_side else 0.08
            colour, dash = LINK_STYLES.get(edge.type, LINK_STYLES["related"])
            used.add(edge.type)
            arrow = FancyArrowPatch((x1, y1), (x2, y2), connectionstyle=f"arc3,rad={rad}",
                                    arrowstyle="-", color=colour, linestyle=dash,
                                    linewidth=1.1, alpha=0.85, zorder=2,
                                    shrinkA=4, shrinkB=4)
            arrow.set_gid(f"cat-link-{i}-{edge.type}")
            ax.add_patch(arrow)
        for concept in concepts:
            x, y = positions[concept.iri]
            n = counts[concept.iri]
            fill: Any = (cmap(norm(n)) if n else "white") if study else OKABE_ITO[1]
            size = 30 + 170 * (n / peak) if study else 70
            dot = ax.scatter([x], [y], s=size, color=[fill],
                             edgecolors="#333333", linewidths=0.7, zorder=3)
            dot.set_gid(f"cat-node-{concept.notation}")
            if urls and concept.iri in urls:
                dot.set_urls([urls[concept.iri]])
            left = x < _GAP / 2
            text = f"{concept.notation} {_short(data.label(concept), 40)}" + (
                f" ({n})" if n else "")
            ax.annotate(text, (x, y), xytext=(-9 if left else 9, 0),
                        textcoords="offset points", ha="right" if left else "left",
                        va="center", fontsize=7.5,
                        fontweight="bold" if concept.top or len(concept.notation or "") <= 2
                        else "normal", zorder=4)
        handles = [Line2D([0], [0], color=LINK_STYLES[t][0], linestyle=LINK_STYLES[t][1],
                          linewidth=1.4, label=t) for t in LINK_STYLES if t in used]
        fig.subplots_adjust(bottom=0.13)
        fig.legend(handles=handles, title="Link type", loc="lower left",
                   bbox_to_anchor=(0.05, 0.0), ncol=min(4, len(handles)) or 1, frameon=False)
        if study:
            mappable = plt.cm.ScalarMappable(norm=norm, cmap=cmap)
            cax = fig.add_axes((0.68, 0.05, 0.25, 0.015))
            cbar = fig.colorbar(mappable, cax=cax, orientation="horizontal")
            cbar.set_label("coded segments (with sub-categories)")
        ax.set_xlim(-3.9, _GAP + 3.9)
        ax.axis("off")
        ax.set_title(figure.title, loc="left", fontsize=11)
        return _finish(fig, figure, png)


def all_figures(data: ReportData, png: bool = False) -> list[Figure]:
    """Every figure of a report, in the order the report shows them."""
    figures = [frequency_figure(data, "total", png)]
    if len(data.by_study) > 1:
        figures.append(frequency_figure(data, "study", png))
    if data.by_orientation:
        figures.append(frequency_figure(data, "orientation", png))
    return [*figures, cooccurrence_figure(data, "segments", png),
            cooccurrence_figure(data, "documents", png), category_figure(data, png)]


def figure_ids(svg: str) -> Sequence[str]:
    """The ids in a figure's SVG (the tests and the site count nodes and links with them)."""
    return re.findall(r'\bid="([^"]+)"', svg)


__all__ = ["Figure", "all_figures", "category_figure", "cooccurrence_figure", "figure_ids",
           "frequency_figure", "layout"]
