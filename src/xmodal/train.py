"""The one training loop of the project (nanoGPT style: one ``get_lr``, one ``configure_optimizer``).

Everything that learns — 3D pre-training, the text projection, the CLIP/WPCE heads, the synthetic PMI
tables, and the heads and encoders of papers 03–05 — is trained by :func:`fit`: a caller passes its
modules (or raw parameters), a loss closure and a :class:`TrainConfig`, never a copy of the loop.

Per step ``t`` (0-based) of ``T = cfg.total_steps(n_items)``:

1. the learning rate is ``get_lr(t)`` — linear warm-up over ``W`` steps, then cosine decay
   ``lr_min + ½ (lr − lr_min)(1 + cos(π (t − W)/(T − W)))``;
2. the batch is the next slice of an epoch-wise permutation of ``n_items`` drawn from the caller's
   ``torch.Generator`` (never the global RNG), or ``None`` when the loss draws its own data;
3. ``loss_fn(batch, t)`` returns the loss (or ``(loss, {part: tensor})``); a non-finite loss stops with
   :class:`FloatingPointError` naming the step and the value;
4. backward, optional gradient clipping at ``cfg.grad_clip`` (global L2 norm), AdamW step;
5. (optional) every ``cfg.eval_every`` steps ``eval_fn`` is called; with ``cfg.patience > 0`` the run
   stops once ``cfg.monitor`` (lower is better, e.g. a validation loss) has not improved by more than
   ``cfg.min_delta`` for ``cfg.patience`` consecutive evaluations (a plateau), and the parameters of
   the best evaluation are restored (:func:`plateau_stop`). The schedule stays that of ``steps``.
6. (optional) with ``cfg.lr_drops = k > 0`` the schedule is *reduce on plateau* instead: linear warm-up, then
   a constant ``lr``; each plateau of the evaluations since the last drop multiplies it by ``cfg.lr_factor``,
   and the k + 1-th plateau ends the run (``steps`` is then only a cap). A run that stops this way has
   trained until its monitored loss stopped improving at its smallest learning rate.

AdamW gets two parameter groups: weight decay on every parameter with ≥ 2 dimensions (matrices,
embeddings), none on biases, norms and scalars (the logit scale).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from typing import Callable, Iterable

import numpy as np
import torch
from torch import nn

from .progress import progress

__all__ = ["TrainConfig", "History", "fit", "get_lr", "configure_optimizer", "epoch_batches", "plateau_stop",
           "state_arrays", "load_state_arrays", "cached_training"]


@dataclass(frozen=True)
class TrainConfig:
    """Length, optimiser and schedule of one training run.

    Exactly one of ``steps`` (optimizer steps) and ``epochs`` (passes over ``n_items`` with
    ``n_items // batch_size`` steps each) is set. ``warmup``: a fraction of the steps when < 1, else a
    number of steps (at least 1). ``lr_min``: the cosine's floor. ``grad_clip``: max global gradient norm
    (0: off). ``eval_every``: steps between calls of ``eval_fn`` (0: only at the end, when given).
    ``patience``: stop on a plateau of ``monitor`` after this many evaluations without an improvement
    of more than ``min_delta`` (0: off, the default; needs ``eval_every`` > 0 and an ``eval_fn``);
    ``restore_best``: then load the parameters of the best evaluation back (default True).
    ``lr_drops`` (needs ``patience``): 0 (default) keeps the cosine; k > 0 makes the schedule reduce-on-plateau
    (module docstring, step 6): constant ``lr`` after the warm-up, multiplied by ``lr_factor`` at each of the
    first k plateaus, stop at the next one.
    """

    steps: int | None = None
    epochs: int | None = None
    batch_size: int = 64
    lr: float = 1e-3
    lr_min: float = 0.0
    weight_decay: float = 0.0
    betas: tuple[float, float] = (0.9, 0.999)
    warmup: float = 0.1
    grad_clip: float = 0.0
    eval_every: int = 0
    patience: int = 0
    min_delta: float = 0.0
    monitor: str = "loss"
    restore_best: bool = True
    lr_drops: int = 0
    lr_factor: float = 0.1

    def __post_init__(self):
        if (self.steps is None) == (self.epochs is None):
            raise ValueError(f"TrainConfig needs exactly one of steps and epochs, got steps={self.steps}, "
                             f"epochs={self.epochs}")
        for name in ("steps", "epochs"):
            v = getattr(self, name)
            if v is not None and (isinstance(v, bool) or int(v) != v or v < 1):
                raise ValueError(f"TrainConfig.{name} must be a positive integer, got {v!r}")
        if isinstance(self.batch_size, bool) or int(self.batch_size) != self.batch_size or self.batch_size < 1:
            raise ValueError(f"TrainConfig.batch_size must be a positive integer, got {self.batch_size!r}")
        if not (self.lr > 0 and 0 <= self.lr_min <= self.lr):
            raise ValueError(f"need lr > 0 and 0 <= lr_min <= lr, got lr={self.lr}, lr_min={self.lr_min}")
        if self.weight_decay < 0 or self.grad_clip < 0 or self.warmup < 0 or self.eval_every < 0:
            raise ValueError("weight_decay, grad_clip, warmup and eval_every must be >= 0")
        if isinstance(self.patience, bool) or int(self.patience) != self.patience or self.patience < 0:
            raise ValueError(f"TrainConfig.patience must be an integer >= 0 (0: no early stop), got {self.patience!r}")
        if not (self.min_delta >= 0) or not math.isfinite(self.min_delta):
            raise ValueError(f"TrainConfig.min_delta must be finite and >= 0, got {self.min_delta!r}")
        if isinstance(self.lr_drops, bool) or int(self.lr_drops) != self.lr_drops or self.lr_drops < 0:
            raise ValueError(f"TrainConfig.lr_drops must be an integer >= 0 (0: the cosine schedule), got {self.lr_drops!r}")
        if self.lr_drops and not self.patience:
            raise ValueError(f"TrainConfig.lr_drops = {self.lr_drops} needs patience > 0 (a drop happens on a plateau)")
        if not (0 < self.lr_factor < 1):
            raise ValueError(f"TrainConfig.lr_factor must lie in (0, 1), got {self.lr_factor!r}")
        if self.patience and not self.eval_every:
            raise ValueError(f"TrainConfig.patience = {self.patience} needs eval_every > 0 (the plateau is "
                             "checked at each evaluation)")

    def with_(self, **kw) -> "TrainConfig":
        return replace(self, **kw)

    def steps_per_epoch(self, n_items: int) -> int:
        return max(1, int(n_items) // min(self.batch_size, int(n_items)))

    def total_steps(self, n_items: int | None = None) -> int:
        """Optimizer steps of the run (``epochs`` need ``n_items``)."""
        if self.steps is not None:
            return int(self.steps)
        if not n_items:
            raise ValueError("a run given in epochs needs n_items (the number of training items)")
        return int(self.epochs) * self.steps_per_epoch(n_items)

    def warmup_steps(self, total: int) -> int:
        w = self.warmup * total if self.warmup < 1 else self.warmup
        return max(1, int(round(w)))


def get_lr(step: int, total: int, cfg: TrainConfig, drops: int = 0) -> float:
    """Learning rate at ``step`` (0-based) of ``total``: linear warm-up to ``cfg.lr``, then cosine to ``lr_min``;
    with ``cfg.lr_drops`` (reduce on plateau) ``cfg.lr · cfg.lr_factor ** drops`` after the warm-up instead."""
    warm = cfg.warmup_steps(total)
    if step < warm:
        return cfg.lr * (step + 1) / warm
    if cfg.lr_drops:
        return cfg.lr * cfg.lr_factor ** drops
    frac = min(1.0, (step - warm) / max(1, total - warm))
    return cfg.lr_min + 0.5 * (cfg.lr - cfg.lr_min) * (1.0 + math.cos(math.pi * frac))


def _named_params(modules) -> list[tuple[str, nn.Parameter]]:
    if isinstance(modules, nn.Module):
        modules = [modules]
    out, seen = [], set()
    for i, m in enumerate(modules):
        items = m.named_parameters() if isinstance(m, nn.Module) else [(f"p{i}", m)]
        for name, p in items:
            if not isinstance(p, torch.Tensor) or not p.requires_grad or id(p) in seen:
                continue
            seen.add(id(p))
            out.append((f"{i}.{name}", p))
    if not out:
        raise ValueError("nothing to train: the modules have no parameters that require gradients")
    return out


def configure_optimizer(modules, cfg: TrainConfig) -> torch.optim.AdamW:
    """AdamW over ``modules`` (nn.Modules and/or bare parameters) with decay / no-decay groups.

    Weight decay ``cfg.weight_decay`` applies to parameters with ≥ 2 dimensions only; biases, norm
    weights and scalars (logit scales, temperatures) are not decayed.
    """
    params = [p for _, p in _named_params(modules)]
    decay = [p for p in params if p.ndim >= 2]
    no_decay = [p for p in params if p.ndim < 2]
    groups = [g for g in ({"params": decay, "weight_decay": cfg.weight_decay},
                          {"params": no_decay, "weight_decay": 0.0}) if g["params"]]
    return torch.optim.AdamW(groups, lr=cfg.lr, betas=tuple(cfg.betas))


def epoch_batches(n: int, batch: int, steps: int, generator: torch.Generator) -> Iterable[torch.Tensor]:
    """``steps`` index batches of size ``min(batch, n)``: consecutive slices of fresh permutations of
    ``range(n)`` drawn from ``generator`` (the remainder of an epoch is dropped)."""
    if not isinstance(generator, torch.Generator):
        raise TypeError(f"batch order needs an explicit torch.Generator, got {type(generator).__name__}")
    b = min(int(batch), int(n))
    perm, pos = None, n
    for _ in range(steps):
        if pos + b > n:
            perm, pos = torch.randperm(n, generator=generator), 0
        yield perm[pos: pos + b]
        pos += b


@dataclass
class History:
    """What a run did: ``loss`` (steps,) float64; ``parts`` name → (steps,); ``lr`` (steps,);
    ``evals`` a list of ``(step, {metric: value})``; ``seconds`` wall time; ``steps_per_epoch``;
    ``best_step``: the step whose parameters were kept by a plateau stop (None without one);
    ``stopped``: True when the run ended on a plateau before ``steps`` (then ``loss`` is shorter)."""

    loss: np.ndarray
    parts: dict = field(default_factory=dict)
    lr: np.ndarray | None = None
    evals: list = field(default_factory=list)
    seconds: float = 0.0
    steps_per_epoch: int = 1
    best_step: int | None = None
    stopped: bool = False

    def epoch_mean(self, name: str = "loss") -> np.ndarray:
        """Mean of ``loss`` (or a part) over each full epoch: (epochs,)."""
        v = self.loss if name == "loss" else self.parts[name]
        k = max(1, self.steps_per_epoch)
        n = len(v) // k
        return np.asarray(v[: n * k], np.float64).reshape(n, k).mean(1)

    def final(self, window: int = 50) -> float:
        """Mean training loss over the last ``window`` steps."""
        return float(np.mean(self.loss[-max(1, window):]))

    def as_arrays(self, prefix: str = "") -> dict[str, np.ndarray]:
        """Flat arrays for the on-disk cache (:func:`History.from_arrays` reads them back)."""
        out = {f"{prefix}loss": self.loss, f"{prefix}lr": self.lr if self.lr is not None else np.zeros(0),
               f"{prefix}seconds": np.asarray(self.seconds), f"{prefix}steps_per_epoch": np.asarray(self.steps_per_epoch)}
        if self.best_step is not None:
            out[f"{prefix}best_step"] = np.asarray(self.best_step, np.int64)
            out[f"{prefix}stopped"] = np.asarray(self.stopped)
        out.update({f"{prefix}part.{k}": v for k, v in self.parts.items()})
        if self.evals:  # metric names in the order eval_fn first gave them (from_arrays keeps it)
            names = list(dict.fromkeys(k for _, d in self.evals for k in d))
            out[f"{prefix}eval_step"] = np.asarray([s for s, _ in self.evals], np.int64)
            for k in names:
                out[f"{prefix}eval.{k}"] = np.asarray([d.get(k, np.nan) for _, d in self.evals], np.float64)
        return out

    @classmethod
    def from_arrays(cls, arrays: dict, prefix: str = "") -> "History":
        g = lambda k: arrays[f"{prefix}{k}"]
        parts = {k[len(prefix) + 5:]: np.asarray(v) for k, v in arrays.items() if k.startswith(f"{prefix}part.")}
        evals = []
        if f"{prefix}eval_step" in arrays:
            names = [k[len(prefix) + 5:] for k in arrays if k.startswith(f"{prefix}eval.")]
            for i, s in enumerate(np.asarray(g("eval_step"))):
                evals.append((int(s), {k: float(arrays[f"{prefix}eval.{k}"][i]) for k in names}))
        best = int(g("best_step")) if f"{prefix}best_step" in arrays else None
        stopped = bool(g("stopped")) if f"{prefix}stopped" in arrays else False
        return cls(np.asarray(g("loss")), parts, np.asarray(g("lr")), evals, float(g("seconds")),
                   int(g("steps_per_epoch")), best, stopped)


def plateau_stop(values, patience: int, min_delta: float = 0.0) -> tuple[bool, int]:
    """The plateau rule of :func:`fit` on a sequence of monitored values (lower is better).

    An evaluation *improves* when its value is below the best so far by more than ``min_delta``.
    Returns (stop, best): ``stop`` is True once the last ``patience`` evaluations did not improve;
    ``best`` is the index of the best (improving) evaluation so far. ``patience`` 0 never stops.
    """
    vals = [float(v) for v in values]
    if not vals:
        raise ValueError("plateau_stop needs at least one value")
    if any(not math.isfinite(v) for v in vals):
        raise ValueError(f"plateau_stop: the monitored values must be finite, got {vals}")
    best, since = 0, 0
    for i, v in enumerate(vals[1:], start=1):
        if v < vals[best] - min_delta:
            best, since = i, 0
        else:
            since += 1
    return bool(patience) and since >= patience, best


def _prefixed(modules, prefix) -> list[tuple[nn.Module, str]]:
    mods = [modules] if isinstance(modules, nn.Module) else list(modules)
    prefixes = [prefix] if isinstance(prefix, str) else list(prefix)
    if len(prefixes) != len(mods):
        raise ValueError(f"{len(mods)} modules need as many array-name prefixes, got {prefixes}")
    return list(zip(mods, prefixes))


def state_arrays(modules, prefix="w.") -> dict[str, np.ndarray]:
    """The parameters and buffers of ``modules`` (one module, or a list with one ``prefix`` each) as flat
    numpy arrays named ``<prefix><state_dict key>`` (what the on-disk cache stores)."""
    return {f"{p}{k}": v.detach().cpu().numpy() for m, p in _prefixed(modules, prefix)
            for k, v in m.state_dict().items()}


def load_state_arrays(modules, arrays, prefix="w.", device="cpu"):
    """Load :func:`state_arrays` back into freshly built ``modules`` (moved to ``device``, eval mode); returns them."""
    for m, p in _prefixed(modules, prefix):
        m.load_state_dict({k[len(p):]: torch.from_numpy(np.array(v)) for k, v in arrays.items() if k.startswith(p)})
        m.to(device).eval()
    return modules


def cached_training(name: str, params, make: Callable, train: Callable, *, prefix="w.", hist_prefix: str = "h.",
                    extra: Callable | None = None, cache: bool = True, rebuild: bool = False, device="cpu"):
    """One training run through the on-disk cache (:func:`xmodal.cache.cached_arrays`, step ``name``, key
    ``params``, which must name everything that changes the run's bits): ``make()`` builds the modules (one
    module or a list, deterministic initialisation), ``train(modules)`` trains them in place and returns the
    :class:`History`; ``extra(modules, history)`` (optional) → more arrays to store beside them.

    A cached entry is loaded into ``make()``'s modules without training. Returns (modules in eval mode,
    History, arrays): the modules just trained, or loaded; arrays: everything stored (weights, history,
    extras). ``cache=False`` trains without touching the cache."""
    from .cache import cached_arrays

    memo = {}

    def build():
        mods = make()
        _prefixed(mods, prefix)  # a prefix per module, checked before the training
        hist = train(mods)
        memo.update(mods=mods, hist=hist)
        out = {**state_arrays(mods, prefix), **hist.as_arrays(hist_prefix)}
        if extra is not None:
            out.update(extra(mods, hist))
        return out

    arrays = cached_arrays(name, params, build, rebuild=rebuild) if cache else build()
    if "mods" in memo:
        for m, _ in _prefixed(memo["mods"], prefix):
            m.to(device).eval()
        return memo["mods"], memo["hist"], arrays
    return load_state_arrays(make(), arrays, prefix, device), History.from_arrays(arrays, hist_prefix), arrays


def fit(modules, loss_fn: Callable, cfg: TrainConfig, *, n_items: int | None = None,
        generator: torch.Generator | None = None, device="cpu", eval_fn: Callable | None = None,
        desc: str = "train", progress_bar: bool = True) -> History:
    """Train ``modules`` by minimising ``loss_fn`` (module docstring); return the :class:`History`.

    modules: an ``nn.Module``, or a list of modules and/or bare ``nn.Parameter``s; they are moved to
    ``device`` and put in train mode, and left in eval mode on ``device`` at the end.
    loss_fn(batch, step) → loss tensor, or (loss, {name: tensor}) to log parts; ``batch`` is a CPU
    LongTensor of item indices when ``n_items`` is given (a ``generator`` is then required), else None.
    eval_fn(step) → {metric: float}, called every ``cfg.eval_every`` steps and after the last one, under
    ``torch.no_grad`` with the modules in eval mode. With ``cfg.patience`` the run stops on a plateau of
    ``eval_fn``'s ``cfg.monitor`` (module docstring, :func:`plateau_stop`) and, with ``cfg.restore_best``,
    ends with the parameters of the best evaluation (``History.best_step``).
    """
    mods = [modules] if isinstance(modules, nn.Module) else list(modules)
    total = cfg.total_steps(n_items)
    if n_items is not None:
        if n_items < 2:
            raise ValueError(f"need at least 2 training items, got {n_items}")
        if generator is None:
            raise ValueError("batches over n_items need an explicit torch.Generator (the global RNG is never used)")
        batches = iter(epoch_batches(n_items, cfg.batch_size, total, generator))
    else:
        batches = None
    if cfg.patience and eval_fn is None:
        raise ValueError("TrainConfig.patience needs an eval_fn that returns the monitored metric")
    dev = torch.device(device)
    for m in mods:
        if isinstance(m, nn.Module):
            m.to(dev).train()
    params = [p for _, p in _named_params(mods)]
    opt = configure_optimizer(mods, cfg)
    losses = np.zeros(total, np.float64)
    lrs = np.zeros(total, np.float64)
    parts: dict[str, np.ndarray] = {}
    evals: list = []
    t0 = time.perf_counter()
    watch: list = []  # (step, monitored value) of every evaluation, for the plateau rule
    best_state: list | None = None
    stopped_at: int | None = None
    drops, reset = 0, 0  # reduce on plateau: lr drops so far, index in ``watch`` of the last drop

    def run_eval(step) -> bool:
        """Evaluate; True when the plateau rule says stop (with ``lr_drops``: after the last drop)."""
        nonlocal best_state, drops, reset
        for m in mods:
            if isinstance(m, nn.Module):
                m.eval()
        with torch.no_grad():
            evals.append((step, {k: float(v) for k, v in eval_fn(step).items()}))
        for m in mods:
            if isinstance(m, nn.Module):
                m.train()
        if not cfg.patience:
            return False
        metrics = evals[-1][1]
        if cfg.monitor not in metrics:
            raise KeyError(f"{desc}: eval_fn returned {sorted(metrics)} but TrainConfig.monitor is {cfg.monitor!r}")
        watch.append((step, metrics[cfg.monitor]))
        vals = [v for _, v in watch]
        stop, best = plateau_stop(vals, cfg.patience, cfg.min_delta)  # best: of the whole run (restored at the end)
        if best == len(watch) - 1 and cfg.restore_best:
            best_state = [p.detach().clone() for p in params]
        if reset:  # after a drop the plateau is counted from the evaluation of the drop
            stop, _ = plateau_stop(vals[reset:], cfg.patience, cfg.min_delta)
        if stop and drops < cfg.lr_drops:
            drops, reset = drops + 1, len(watch) - 1
            return False
        return stop

    bar = progress(range(total), desc=desc, unit="step", leave=False, mininterval=1.0, disable=not progress_bar)
    for step in bar:
        lr = get_lr(step, total, cfg, drops)
        for g in opt.param_groups:
            g["lr"] = lr
        out = loss_fn(next(batches) if batches is not None else None, step)
        loss, logged = out if isinstance(out, tuple) else (out, {})
        value = float(loss.detach())
        if not math.isfinite(value):
            raise FloatingPointError(f"{desc}: the loss is {value} at step {step} of {total} (lr {lr:.3g}); "
                                     "lower the learning rate or check the inputs for NaN/inf")
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if cfg.grad_clip:
            nn.utils.clip_grad_norm_(params, cfg.grad_clip)
        opt.step()
        losses[step], lrs[step] = value, lr
        for k, v in logged.items():
            parts.setdefault(k, np.zeros(total, np.float64))[step] = float(v.detach() if torch.is_tensor(v) else v)
        if eval_fn is not None and cfg.eval_every and (step + 1) % cfg.eval_every == 0 and step + 1 < total:
            if run_eval(step + 1):
                stopped_at = step + 1
                break
        if progress_bar and step % 50 == 0:
            bar.set_postfix(loss=f"{value:.4f}", refresh=False)
    if eval_fn is not None and stopped_at is None:
        run_eval(total)
    best_step = None
    if cfg.patience:
        _, best = plateau_stop([v for _, v in watch], cfg.patience, cfg.min_delta)
        best_step = watch[best][0]
        if cfg.restore_best and best_state is not None:
            with torch.no_grad():
                for p, b in zip(params, best_state):
                    p.copy_(b)
    for m in mods:
        if isinstance(m, nn.Module):
            m.eval()
    n = stopped_at if stopped_at is not None else total
    parts = {k: v[:n] for k, v in parts.items()}
    return History(losses[:n], parts, lrs[:n], evals, time.perf_counter() - t0,
                   cfg.steps_per_epoch(n_items) if n_items else total, best_step, stopped_at is not None)
