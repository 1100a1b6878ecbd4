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

from .claims import ICONS, VERDICTS, Outcome, Registry, seeds_text


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
    captions: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    @property
    def dir(self) -> Path:
        d = reports_root(self.scale) / self.topic
        d.mkdir(parents=True, exist_ok=True)
        return d

    def figure(self, fig, name: str, pdf: bool = True, caption: str | None = None) -> Path:
        """Save ``fig`` as ``<name>.png`` (and ``.pdf``) with deterministic metadata; return the PNG path.

        ``caption`` (what the figure shows, what the error bars are) goes under the figure in the report
        page; without one, the figure's own titles are used."""
        set_theme()
        self.captions[name] = caption or _figure_titles(fig)
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
                          "tables": self.tables, "figures": self.figures, "captions": self.captions,
                          "extra": self.extra,
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


def _figure_titles(fig) -> str:
    """The suptitle and axis titles of a matplotlib figure, joined (the fallback caption)."""
    parts = [fig._suptitle.get_text()] if getattr(fig, "_suptitle", None) is not None else []
    parts += [ax.get_title() for ax in fig.axes if ax.get_title()]
    return "; ".join(dict.fromkeys(t.strip() for t in parts if t.strip()))


#: tables longer than this many rows are linked from a report page, not inlined
INLINE_ROWS = 25
_VERDICT_COLOURS = {"reproduced": "#4daf4a", "partly reproduced": "#fdbf6f", "not reproduced": "#e41a1c",
                    "inconclusive": "#bdbdbd", "not testable": "#80b1d3"}


#: how to read the direction and seeds-needed columns (the index prints it above the all-claims table)
DIRECTION_LEGEND = ("*Direction*: where the evidence points — *for* the paper, *against* it, *mixed* (some parts each "
                    "way) or a *tie* (an estimate sits on its registered value); for an inconclusive claim it is where "
                    "the point estimates lean. *Seeds needed*: for an inconclusive claim, about how many seeds would "
                    "decide every open part if the estimates and their spread held (*not reachable*: more seeds "
                    "cannot decide it).")


def _cell(v) -> str:
    return "" if v is None else str(v).replace("|", "/").replace("\n", " ")


def _load_results(root: Path) -> list[dict]:
    out = []
    for res in sorted(root.glob("*/results.json")):
        data = json.loads(res.read_text())
        data["_dir"] = res.parent
        out.append(data)
    return out


def _paper_claims(data: dict) -> list[dict]:
    return [c for c in data.get("claims", []) if c.get("kind", "claim") == "claim"]


def verdict_figure(results: list[dict]):
    """The summary figure: one row per paper, one cell per paper claim, coloured by its verdict."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch, Rectangle

    rows = [(d["topic"], _paper_claims(d)) for d in results if _paper_claims(d)]
    width = max((len(cs) for _, cs in rows), default=1)
    fig, ax = plt.subplots(figsize=(1.0 + 0.95 * width + 2.2, 0.55 * len(rows) + 1.3))
    for r, (topic, cs) in enumerate(rows):
        for k, c in enumerate(cs):
            ax.add_patch(Rectangle((k, -r - 1), 0.94, 0.9, color=_VERDICT_COLOURS.get(c["verdict"], "white")))
            ax.text(k + 0.47, -r - 0.55, c["id"].split("-", 1)[1], ha="center", va="center", fontsize=9)
    ax.set_xlim(0, width), ax.set_ylim(-len(rows), 0)
    ax.set_yticks([-r - 0.55 for r in range(len(rows))], [t for t, _ in rows], fontsize=9)
    ax.set_xticks([]), ax.grid(False)
    for side in ax.spines.values():
        side.set_visible(False)
    ax.legend(handles=[Patch(color=c, label=v) for v, c in _VERDICT_COLOURS.items()], fontsize=8,
              loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax.set_title("Every paper claim by verdict (cell = claim number)", fontsize=10)
    return fig


def _topic_page(data: dict) -> str:
    """``reports/<topic>/README.md``: claims with rules and evidence, deviations, figures with captions, tables."""
    d, topic = data["_dir"], data["topic"]
    lines = [f"# {topic}: {data.get('title', '')}", "",
             f"Generated from [`notebooks/{topic}.ipynb`](../../notebooks/{topic}.ipynb) at scale "
             f"`{data.get('scale')}`; do not edit by hand. [All reports](../README.md).", ""]
    env = data.get("numerics") or {}
    if env:
        lines += [f"Numerics: torch {env.get('torch')} (CPU capability {env.get('torch_cpu_capability')}), "
                  f"BLAS {', '.join(env.get('blas') or []) or 'none found'}, numpy {env.get('numpy')}.", ""]
    if data.get("claims"):
        lines += ["## Claims", "", "| claim | statement | paper | ours | verdict | direction | seeds needed |",
                  "|---|---|---|---|---|---|---|"]
        for c in data["claims"]:
            lines.append(f"| {c['id']} | {_cell(c['statement'])} | {_cell(c.get('paper_value'))} | "
                         f"{_cell(c.get('our_value'))} | {verdict_icon(c['verdict'])} {c['verdict']} | "
                         f"{_cell(c.get('direction'))} | {seeds_text(c)} |")
        lines.append("")
        for c in data["claims"]:
            lines += [f"- **{c['id']}** rule: {_cell(c.get('rule'))}  ", f"  evidence: {_cell(c.get('evidence'))}"]
        lines.append("")
    if data.get("deviations"):
        lines += ["## Deviations from the paper", ""] + [f"- {x}" for x in data["deviations"]] + [""]
    caps = data.get("captions") or {}
    if data.get("figures"):
        lines += ["## Figures", ""]
        for k, fgr in enumerate(data["figures"], 1):
            lines += [f"![{fgr}]({fgr}.png)", "", f"*Figure {k} ({fgr}).* {caps.get(fgr, '')}".rstrip(), ""]
    if data.get("tables"):
        lines += ["## Tables", ""]
        for t in data["tables"]:
            md = d / f"{t}.md"
            if not md.exists():
                continue
            body = md.read_text().rstrip()
            n = max(0, body.count("\n") - 1)
            if n <= INLINE_ROWS:
                lines += [f"### {t}", "", body, "", f"([csv]({t}.csv))", ""]
            else:
                lines += [f"- [{t}]({t}.md) — {n} rows ([csv]({t}.csv))"]
        lines.append("")
    return "\n".join(lines) + "\n"


def write_index(root: Path | None = None) -> Path:
    """Build ``<root>/README.md`` — results at a glance (tally per verdict and per paper, the summary figure
    ``verdicts.png``, one table of every paper claim) — and one page per topic, ``<root>/<topic>/README.md``,
    with the rules, evidence, deviations, captioned figures and tables."""
    root = Path(root) if root else reports_root()
    results = _load_results(root)
    claims = [(d, c) for d in results for c in _paper_claims(d)]
    lines = ["# Reports", "", "Generated by `make reproduce` from the executed notebooks; do not edit by hand.", ""]
    if claims:
        verdicts = [c["verdict"] for _, c in claims]
        counts = {v: verdicts.count(v) for v in VERDICTS if verdicts.count(v)}
        lines += ["## Results at a glance", "",
                  "Paper claims by verdict: " + ", ".join(f"{verdict_icon(k)} {k}: {n}" for k, n in counts.items()), "",
                  "| paper | " + " | ".join(f"{verdict_icon(v)} {v}" for v in VERDICTS) + " |",
                  "|---|" + "---|" * len(VERDICTS)]
        for d in results:
            vs = [c["verdict"] for c in _paper_claims(d)]
            if vs:
                lines.append(f"| [{d['topic']}]({d['topic']}/README.md) | " + " | ".join(
                    str(vs.count(v)) if vs.count(v) else "" for v in VERDICTS) + " |")
        set_theme()  # before the figure exists, so the project's theme applies to it
        fig = verdict_figure(results)
        fig.savefig(root / "verdicts.png", metadata={"Software": None})
        import matplotlib.pyplot as plt

        plt.close(fig)
        lines += ["", "![verdicts](verdicts.png)", "",
                  "*Summary figure.* One row per paper, one cell per paper claim (the number is the claim's), "
                  "coloured by the verdict its registered rule gave; sanity checks are not counted.", "",
                  "## Every paper claim", "", DIRECTION_LEGEND, "",
                  "| paper | claim | statement | paper value | ours | verdict | direction | seeds needed |",
                  "|---|---|---|---|---|---|---|---|"]
        for d, c in claims:
            lines.append(f"| [{d['topic']}]({d['topic']}/README.md#claims) | {c['id']} | {_cell(c['statement'])} | "
                         f"{_cell(c.get('paper_value'))} | {_cell(c.get('our_value'))} | "
                         f"{verdict_icon(c['verdict'])} {c['verdict']} | {_cell(c.get('direction'))} | "
                         f"{seeds_text(c)} |")
        lines.append("")
    checks = [(d, c) for d in results for c in d.get("claims", []) if c.get("kind", "claim") != "claim"]
    if checks:
        lines += ["## Sanity checks (not paper claims)", "", "| topic | check | statement | ours | verdict |",
                  "|---|---|---|---|---|"]
        lines += [f"| {d['topic']} | {c['id']} | {_cell(c['statement'])} | {_cell(c.get('our_value'))} | "
                  f"{verdict_icon(c['verdict'])} {c['verdict']} |" for d, c in checks]
        lines.append("")
    lines += ["## Reports per notebook", ""]
    for d in results:
        (d["_dir"] / "README.md").write_text(_topic_page(d))
        lines.append(f"- [{d['topic']}]({d['topic']}/README.md): {d.get('title', '')} — scale `{d.get('scale')}`, "
                     f"{len(d.get('figures', []))} figures, {len(d.get('tables', []))} tables "
                     f"([notebook](../notebooks/{d['topic']}.ipynb))")
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
