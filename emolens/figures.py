"""Matplotlib figures for the report and notebooks. Each function takes a result object and returns a Figure."""

from __future__ import annotations

from typing import Any

import matplotlib

matplotlib.use("Agg", force=False)
import matplotlib.pyplot as plt  # noqa: E402


def layer_sweep(sweep: Any) -> Any:
    fig, ax = plt.subplots(figsize=(8, 4))
    x = list(sweep.layers)
    ax.fill_between(x, sweep.top1_ci[0].numpy(), sweep.top1_ci[1].numpy(), alpha=0.25, color="C0")
    ax.plot(x, sweep.top1.numpy(), "o-", color="C0", label="top-1")
    ax.fill_between(x, sweep.top5_ci[0].numpy(), sweep.top5_ci[1].numpy(), alpha=0.2, color="C1")
    ax.plot(x, sweep.top5.numpy(), "s-", color="C1", label="top-5")
    ax.plot(x, sweep.null_q95.numpy(), color="grey", lw=1.5, label="top-1 permutation null (95th pct)")
    ax.axhline(sweep.chance, ls="--", color="k", lw=1, label="chance (top-1)")
    ax.set_xlabel("layer (block output)")
    ax.set_ylabel("held-out accuracy")
    ax.set_ylim(0, 1.02)
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def scenario_matrix(scen: dict[str, Any]) -> Any:
    z = scen["scores"].T.numpy()  # [emotion, prompt]
    emotions = list(scen["emotions"])
    cols = [s["emotion"] for s in scen["items"]]
    fig, ax = plt.subplots(figsize=(max(6, 0.28 * len(cols) + 2), max(4, 0.28 * len(emotions) + 1.5)))
    lim = max(abs(z.min()), abs(z.max()))
    im = ax.imshow(z, cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto")
    ax.set_yticks(range(len(emotions)), emotions, fontsize=7)
    ax.set_xticks(range(len(cols)), cols, rotation=90, fontsize=7)
    for j, c in enumerate(cols):
        ax.add_patch(plt.Rectangle((j - 0.5, emotions.index(c) - 0.5), 1, 1, fill=False, ec="k", lw=1))
    fig.colorbar(im, ax=ax, label="readout (z-scored per emotion)")
    ax.set_xlabel("scenario (intended emotion); box = intended emotion's cell")
    fig.tight_layout()
    return fig


def cross_corpus(cross: Any) -> Any:
    fig, ax = plt.subplots(figsize=(8, 3.6))
    x = list(cross.layers)
    for vals, ci, label, chance, c in ((cross.top1_shared, cross.top1_shared_ci, f"among {cross.n_shared} shared emotions", 1 / cross.n_shared, "C2"),
                                       (cross.top1_all, cross.top1_all_ci, f"among all {cross.n_all} emotions", 1 / cross.n_all, "C3")):
        ax.fill_between(x, ci[0].numpy(), ci[1].numpy(), alpha=0.2, color=c)
        ax.plot(x, vals.numpy(), "o-", color=c, label=label, ms=3)
        ax.axhline(chance, ls="--", color=c, lw=1)
    ax.set_xlabel("layer (block output)")
    ax.set_ylabel("top-1 accuracy")
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig
