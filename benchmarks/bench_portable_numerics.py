"""Portable numerics: do two CPU kernel paths give the same bits, and what does pinning them cost?

torch picks its vectorised CPU kernels per processor (``ATEN_CPU_CAPABILITY``: avx512 / avx2 / default) and
its MKL picks code paths per processor too (``MKL_CBWR``); OpenBLAS (NumPy, SciPy) is left as the machine
sets it. Each configuration runs in a fresh process (the variables are read at start-up):

1. 300 AdamW steps of a small MLP (the issue's probe) → SHA-256 of the weights;
2. a PointNet pre-training at a small size through :func:`xmodal.train.fit` → SHA-256 and CPU seconds.

Writes ``benchmarks/results/bench_portable_numerics.md``.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

CHILD = r'''
import hashlib, json, time
import numpy as np, torch
torch.set_num_threads(1)
from xmodal.train import TrainConfig, fit
from xmodal.encoders import pretrain3d as p3

def sha(m):
    h = hashlib.sha256()
    for v in m.state_dict().values():
        h.update(v.detach().cpu().numpy().tobytes())
    return h.hexdigest()[:12]

g = torch.Generator().manual_seed(0)
X, Y = torch.randn(512, 32, generator=g), torch.randn(512, 8, generator=g)
torch.manual_seed(0)
mlp = torch.nn.Sequential(torch.nn.Linear(32, 128), torch.nn.GELU(), torch.nn.Linear(128, 8))
fit(mlp, lambda idx, s: ((mlp(X[idx]) - Y[idx]) ** 2).mean(), TrainConfig(steps=300, batch_size=64, lr=3e-3,
    weight_decay=1e-2), n_items=512, generator=torch.Generator().manual_seed(1), progress_bar=False)
rng = np.random.default_rng(0)
pts = rng.standard_normal((256, 256, 3)).astype(np.float32)
pts /= np.linalg.norm(pts, axis=-1, keepdims=True) * rng.uniform(0.5, 1.5, (256, 1, 1))
s = p3.PretrainSettings(epochs=4, batch_size=32, n_points_train=128, out_dim=64, proj_dim=32,
                        pointnet_widths=(32, 64, 128))
t0 = time.process_time()
m, _ = p3.train_unimodal("pointnet", pts, s, seed=0)
cpu = time.process_time() - t0
print(json.dumps({"mlp": sha(mlp), "pointnet": sha(m), "pointnet_cpu_s": round(cpu, 2),
                  "capability": torch.backends.cpu.get_cpu_capability()}))
'''

CONFIGS = [("machine default", {}), ("ATEN_CPU_CAPABILITY=avx2", {"ATEN_CPU_CAPABILITY": "avx2"}),
           ("ATEN_CPU_CAPABILITY=default", {"ATEN_CPU_CAPABILITY": "default"}),
           ("avx2 + MKL_CBWR=COMPATIBLE", {"ATEN_CPU_CAPABILITY": "avx2", "MKL_CBWR": "COMPATIBLE"}),
           ("default + MKL_CBWR=COMPATIBLE", {"ATEN_CPU_CAPABILITY": "default", "MKL_CBWR": "COMPATIBLE"})]


HEAD = ["# Portable numerics", "", "Each row: a fresh process (one thread). `mlp`: SHA-256 (12 hex) of an MLP's "
        "weights after 300 AdamW steps (torch only: no project code); `pointnet`: of a small PointNet pre-training "
        "(project code: compare it only between sections made at the same commit); CPU seconds of the latter (a "
        "shared machine: treat as ±20 %). One section per processor (`xmodal.runtime.cpu_model`); a rerun replaces "
        "its own processor's section and keeps the others, so two machines can be compared row by row.", ""]


def _sections(text: str) -> dict:
    """{heading: lines} of the ``## `` sections already in the results file."""
    out, cur = {}, None
    for line in text.splitlines():
        if line.startswith("## "):
            cur = line[3:].strip()
            out[cur] = []
        elif cur is not None:
            out[cur].append(line)
    return out


def main() -> int:
    import subprocess as sp

    from xmodal.runtime import cpu_model

    rows = []
    for name, env in CONFIGS:
        e = {**os.environ, "TQDM_DISABLE": "1", "OMP_NUM_THREADS": "1", **env}
        out = sp.run([sys.executable, "-c", CHILD], env=e, capture_output=True, text=True, check=True)
        rows.append({"configuration": name, **json.loads(out.stdout.strip().splitlines()[-1])})
        print(rows[-1], flush=True)
    base = rows[0]
    commit = sp.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                    cwd=Path(__file__).resolve().parent).stdout.strip() or "?"
    body = ["", f"Commit `{commit}`.", "",
            "| configuration | torch capability | MLP weights | PointNet weights | PointNet CPU s | same bits as machine default |",
            "|---|---|---|---|---|---|"]
    for r in rows:
        same = "yes" if (r["mlp"], r["pointnet"]) == (base["mlp"], base["pointnet"]) else "no"
        body.append(f"| {r['configuration']} | {r['capability']} | `{r['mlp']}` | `{r['pointnet']}` | "
                    f"{r['pointnet_cpu_s']} | {same} |")
    body.append("")
    out = Path(__file__).resolve().parent / "results" / "bench_portable_numerics.md"
    secs = _sections(out.read_text()) if out.exists() else {}
    secs[cpu_model()] = body
    lines = list(HEAD)
    for head, b in secs.items():
        lines += [f"## {head}", *b]
    # across processors: does any configuration give the same MLP bits on two of them?
    mlps = {}
    for head, b in secs.items():
        for line in b:
            cells = [c.strip() for c in line.split("|")]
            if len(cells) > 4 and cells[3].startswith("`"):
                mlps.setdefault(cells[1], {})[head] = cells[3]
    if len(secs) > 1:
        lines += ["## Across processors", "", "| configuration | same MLP bits on every processor above |", "|---|---|"]
        lines += [f"| {c} | {'yes' if len(set(v.values())) == 1 and len(v) == len(secs) else 'no'} |"
                  for c, v in mlps.items()]
        lines.append("")
    out.write_text("\n".join(lines).rstrip("\n") + "\n")
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
