"""Reports: figures, tables and claims of one notebook, written under ``reports/<topic>/``.

``$XMODAL_REPORTS`` redirects the root (the ``ci`` scale writes to a temporary directory, never over the
committed default reports). Figures are saved as PNG (and PDF) with deterministic metadata; tables as
CSV and Markdown; claims to ``results.json``. ``write_index()`` builds ``reports/README.md``.
"""
from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Report", "reports_root", "set_theme", "write_index", "watermark", "verdict_icon"]

from .claims import ICONS, VERDICTS, Outcome, Registry


def verdict_icon(v: str) -> str:
    return ICONS.get(v, "?")


def repo_root() -> Path:
    """The repository root (the folder holding ``pyproject.toml`` above this package), or the cwd."""
    here = Path(__file__).resolve()
    for p in here.parents:
        if (p / "pyproject.toml").exists() and (p / "notebooks").is_dir():
            return p
    return Path.cwd()


def reports_root(scale: str | None = None) -> Path:
    """``$XMODAL_REPORTS`` if set; else ``<repo>/reports`` for the ``default`` scale (the committed reports)
    and ``<repo>/reports-<scale>`` for any other, so a ``ci`` or ``full`` run never overwrites them."""
    env = os.environ.get("XMODAL_REPORTS")
    if env:
        return Path(env).expanduser().resolve()
    return repo_root() / ("reports" if scale in (None, "default") else f"reports-{scale}")


_THEME_SET = False


def set_theme() -> None:
    """Seaborn's theme, once, for every figure of the project."""
    global _THEME_SET
    if not _THEME_SET:
        import matplotlib

        import seaborn as sns

        sns.set_theme(context="notebook", style="whitegrid", palette="colorblind")
        matplotlib.rcParams.update({"figure.dpi": 100, "savefig.dpi": 120, "savefig.bbox": "tight",
                                    "svg.hashsalt": "xmodal", "pdf.fonttype": 42})
        _THEME_SET = True


def _clean(x: Any) -> Any:
    """JSON-safe: NumPy scalars to Python, NaN/inf to None, tuples to lists."""
    try:
        import numpy as np

        if isinstance(x, np.generic):
            x = x.item()
        elif isinstance(x, np.ndarray):
            x = x.tolist()
    except ImportError:  # pragma: no cover
        pass
    if isinstance(x, float):
        return None if not math.isfinite(x) else round(x, 6)
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    return x


@dataclass
class Report:
    """Collects the outputs of one notebook; ``topic`` is the notebook stem, e.g. ``"01_platos_cave"``."""

    topic: str
    title: str = ""
    scale: str = "default"
    outcomes: list[Outcome] = field(default_factory=list)
    deviations: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    @property
    def dir(self) -> Path:
        d = reports_root(self.scale) / self.topic
        d.mkdir(parents=True, exist_ok=True)
        return d

    def figure(self, fig, name: str, pdf: bool = True) -> Path:
        """Save ``fig`` as ``<name>.png`` (and ``.pdf``) with deterministic metadata; return the PNG path."""
        set_theme()
        png = self.dir / f"{name}.png"
        fig.savefig(png, metadata={"Software": None})
        if pdf:
            fig.savefig(self.dir / f"{name}.pdf", metadata={"Creator": None, "Producer": None, "CreationDate": None})
        if name not in self.figures:
            self.figures.append(name)
        return png

    def table(self, df, name: str, floatfmt: str = ".3f", index: bool = False) -> Path:
        """Save a pandas DataFrame as ``<name>.csv`` and ``<name>.md``; return the Markdown path."""
        csv = self.dir / f"{name}.csv"
        df.to_csv(csv, index=index, float_format="%.6g")
        md = self.dir / f"{name}.md"
        md.write_text(df.to_markdown(index=index, floatfmt=floatfmt) + "\n")
        if name not in self.tables:
            self.tables.append(name)
        return md

    def add(self, *outcomes: Outcome) -> None:
        """Record (or replace, by id) judged claims / checks from a :class:`xmodal.claims.Registry`."""
        for o in outcomes:
            if not isinstance(o, Outcome):
                raise TypeError(f"Report.add takes Outcomes from Registry.judge, got {type(o).__name__}")
            self.outcomes = [x for x in self.outcomes if x.id != o.id] + [o]

    def claims_frame(self):
        """The recorded outcomes as a table (claim, statement, paper, ours, verdict, evidence)."""
        return Registry.frame(self.outcomes)

    def save(self) -> Path:
        """Write ``results.json`` (atomically) and ``claims.md``; return the JSON path."""
        from .runtime import numerics_environment

        payload = _clean({"topic": self.topic, "title": self.title, "scale": self.scale,
                          "deviations": self.deviations, "claims": [o.as_dict() for o in self.outcomes],
                          "tables": self.tables, "figures": self.figures, "extra": self.extra,
                          "numerics": numerics_environment()})
        path = self.dir / "results.json"
        fd, tmp = tempfile.mkstemp(dir=self.dir, suffix=".tmp")
        with os.fdopen(fd, "w") as f:
            json.dump(payload, f, indent=2, ensure_ascii=False)
            f.write("\n")
        os.replace(tmp, path)
        if self.outcomes:
            (self.dir / "claims.md").write_text(self.claims_frame().to_markdown(index=False) + "\n")
        return path


def write_index(root: Path | None = None) -> Path:
    """Build ``<root>/README.md``: per paper, the claims with verdicts and the paper-vs-ours tables."""
    root = Path(root) if root else reports_root()
    lines = ["# Reports", "", "Generated by `make reproduce` from the executed notebooks; do not edit by hand.", ""]
    summary = []
    for res in sorted(root.glob("*/results.json")):
        data = json.loads(res.read_text())
        topic = data["topic"]
        lines += [f"## {topic}: {data.get('title', '')}", "", f"Scale: `{data.get('scale')}`.", ""]
        if data.get("deviations"):
            lines += ["Deviations from the paper:", ""] + [f"- {d}" for d in data["deviations"]] + [""]
        if data.get("claims"):
            lines += ["| claim | statement | paper | ours | verdict |", "|---|---|---|---|---|"]
            for c in data["claims"]:
                cell = lambda v: "" if v is None else str(v).replace("|", "/")
                lines.append(f"| {c['id']} | {cell(c['statement'])} | {cell(c.get('paper_value'))} | "
                             f"{cell(c.get('our_value'))} | {verdict_icon(c['verdict'])} {c['verdict']} |")
                if c.get("kind", "claim") == "claim":  # sanity checks (notebook 00) are not paper claims
                    summary.append(c["verdict"])
            lines.append("")
        for t in data.get("tables", []):
            md = res.parent / f"{t}.md"
            if md.exists():
                lines += [f"### {t}", "", md.read_text().rstrip(), ""]
        for fgr in data.get("figures", []):
            lines += [f"![{fgr}]({topic}/{fgr}.png)", ""]
    if summary:
        counts = {v: summary.count(v) for v in VERDICTS if summary.count(v)}
        lines.insert(4, "Paper claims by verdict: " + ", ".join(f"{verdict_icon(k)} {k}: {n}" for k, n in counts.items()) + "\n")
    out = root / "README.md"
    out.write_text("\n".join(lines) + "\n")
    return out


def watermark(scale: str, packages=("numpy", "scipy", "torch", "scikit-learn", "trimesh", "open_clip_torch", "pandas",
                                   "matplotlib")) -> str:
    """Versions of the key packages, Python, the scale used and the numerics environment (torch's CPU kernel
    capability, the BLAS libraries and their architecture) — the notebooks' last cell."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    from .version import __version__

    lines = [f"xmodal {__version__} | scale {scale} | Python {platform.python_version()} | {platform.machine()}"]
    for p in packages:
        try:
            lines.append(f"{p} {version(p)}")
        except PackageNotFoundError:
            lines.append(f"{p} (not installed)")
    from .runtime import numerics_environment

    env = numerics_environment()
    lines.append(f"numerics: torch CPU capability {env['torch_cpu_capability']}"
                 f"{' (ATEN_CPU_CAPABILITY=' + env['ATEN_CPU_CAPABILITY'] + ')' if env['ATEN_CPU_CAPABILITY'] else ''}"
                 f"; BLAS {', '.join(env['blas']) or 'none found'}")
    return "\n".join(lines)
