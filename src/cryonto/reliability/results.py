"""The result of `agreement(...)`: typed, and as JSON, CSV or a text table.

JSON follows the contract of issue 10: ``level``, ``coders``, ``overall`` and
``categories`` with ``units`` and one key per coefficient; a coefficient that is
undefined is ``null`` and its reason is under ``undefined``; with a bootstrap,
``intervals`` holds each 95 % interval as ``[low, high]``.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field

from cryonto.reliability.bootstrap import Figures
from cryonto.reliability.coefficients import NAMES
from cryonto.reliability.levels import Disagreement

#: how the text table names each coefficient
LABELS = {"agreement": "agree", "cohen_kappa": "Cohen κ", "brennan_prediger": "BP κn",
          "krippendorff_alpha": "α", "fleiss_kappa": "Fleiss κ", "gwet_ac1": "AC1",
          "unitized_alpha": "uα"}


@dataclass
class CategoryFigures:
    category: str  # IRI
    notation: str
    label: str
    figures: Figures


@dataclass
class AgreementResult:
    level: str
    coders: list[str]  # labels
    coder_iris: list[str]
    studies: list[str]
    overlap: float
    rollup: bool
    replicates: int
    seed: int
    overall: Figures
    categories: list[CategoryFigures]
    disagreements: list[Disagreement] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    documents: dict[str, str] = field(default_factory=dict)  # iri -> title
    notations: dict[str, str] = field(default_factory=dict)  # category iri -> notation

    @property
    def coefficients(self) -> list[str]:
        return [n for n in NAMES if n in self.overall.values]

    def _figures(self, figures: Figures) -> dict[str, object]:
        out: dict[str, object] = {"units": figures.units}
        out.update({n: figures.values[n] for n in self.coefficients})
        out["undefined"] = dict(figures.reasons)
        if self.replicates:
            out["intervals"] = {n: list(interval) if (interval := figures.intervals.get(n))
                                else None for n in self.coefficients}
        return out

    def as_dict(self) -> dict[str, object]:
        return {
            "level": self.level, "coders": list(self.coders), "studies": list(self.studies),
            "overlap": self.overlap if self.level == "segment" else None,
            "rollup": self.rollup,
            "bootstrap": ({"replicates": self.replicates, "seed": self.seed, "confidence": 0.95}
                          if self.replicates else None),
            "overall": self._figures(self.overall),
            "categories": [{"notation": c.notation, "label": c.label, "category": c.category,
                            **self._figures(c.figures)} for c in self.categories],
            "disagreements": len(self.disagreements),
            "notes": list(self.notes),
        }

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=2) + "\n"

    def to_csv(self) -> str:
        """One row for the overall figure and one per category; intervals as _low/_high."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        header = ["scope", "notation", "label", "category", "units"]
        for n in self.coefficients:
            header += [n] + ([f"{n}_low", f"{n}_high"] if self.replicates else [])
        writer.writerow([*header, "undefined"])
        rows = [("overall", "", "", "", self.overall)] + [
            ("category", c.notation, c.label, c.category, c.figures) for c in self.categories]
        for scope, notation, label, iri, figures in rows:
            row: list[object] = [scope, notation, label, iri, figures.units]
            for n in self.coefficients:
                row.append(_cell(figures.values[n]))
                if self.replicates:
                    interval = figures.intervals.get(n)
                    row += [_cell(interval[0]), _cell(interval[1])] if interval else ["", ""]
            row.append("; ".join(f"{n}: {r}" for n, r in figures.reasons.items()))
            writer.writerow(row)
        return buffer.getvalue()

    def to_text(self) -> str:
        """A table for the terminal: three decimals, intervals in brackets when bootstrapped."""
        names = self.coefficients
        lines = [f"Intercoder agreement, level {self.level}"
                 + (f" (overlap >= {self.overlap:g})" if self.level == "segment" else "")
                 + (", rolled up to broader categories" if self.rollup else ""),
                 f"coders: {', '.join(self.coders)}"]
        if self.replicates:
            lines.append(f"95 % intervals: percentile bootstrap, {self.replicates} replicates,"
                         f" seed {self.seed}")
        head = f"{'category':<34} {'units':>8} " + " ".join(f"{LABELS[n]:>9}" for n in names)
        lines += ["", head, "-" * len(head)]
        rows = [("overall", self.overall)] + [(f"{c.notation} {c.label}", c.figures)
                                              for c in self.categories]
        for title, figures in rows:
            lines.append(f"{title[:34]:<34} {figures.units:>8} "
                         + " ".join(f"{_short(figures.values[n]):>9}" for n in names))
            if self.replicates:
                lines.append(f"{'':<34} {'':>8} " + " ".join(
                    f"{_interval(figures.intervals.get(n)):>9}" for n in names))
        undefined = [(t, f.reasons) for t, f in rows if f.reasons]
        if undefined:
            lines += ["", "undefined (shown as -):"]
            for title, reasons in undefined:
                for n, r in reasons.items():
                    lines.append(f"  {title}: {LABELS[n]}: {r}")
        lines += ["", f"disagreeing units: {len(self.disagreements)}"]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines) + "\n"


def _cell(value: float | None) -> str:
    return "" if value is None else repr(float(value))


def _short(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _interval(interval: tuple[float, float] | None) -> str:
    return "" if not interval else f"[{interval[0]:.2f},{interval[1]:.2f}]"
