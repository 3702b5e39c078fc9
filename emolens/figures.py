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


def cosine_heatmap(result: Any) -> Any:
    """Cosine similarity of the emotion vectors (a :class:`~emolens.experiments.geometry.CosineMatrix`), rows and columns in
    average-linkage order."""
    order = list(result.order)
    names = [result.emotions[i] for i in order]
    z = result.cosine.numpy()[order][:, order]
    n = len(names)
    side = max(6.0, 0.075 * n + 2)
    fs = 3.5 if n > 120 else 5 if n > 60 else 7
    fig, ax = plt.subplots(figsize=(side + 1, side))
    im = ax.imshow(z, cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
    ax.set_xticks(range(n), names, rotation=90, fontsize=fs)
    ax.set_yticks(range(n), names, fontsize=fs)
    ax.tick_params(length=0)
    fig.colorbar(im, ax=ax, label="cosine similarity", shrink=0.6)
    ax.set_title(f"emotion vectors at layer {result.layer}: cosine similarity (average-linkage order on 1 - cosine)", fontsize=9)
    fig.tight_layout()
    return fig


def emotion_map(result_pca: Any) -> Any:
    """PC1 against PC2 of the emotion vectors (a :class:`~emolens.experiments.geometry.PCAGeometry`), coloured by the paper's
    clusters, every emotion labelled."""
    from .data import emotions as _paper

    known = _paper()
    other = "(not in the paper's list)"
    clusters = [known[e].cluster if e in known else other for e in result_pca.emotions]
    names = list(dict.fromkeys(c.cluster for c in known.values()))
    names = [c for c in names if c in clusters] + ([other] if other in clusters else [])
    xy = result_pca.coords.numpy()
    evr = result_pca.explained_variance_ratio
    fig, ax = plt.subplots(figsize=(12, 9))
    for j, c in enumerate(names):
        idx = [i for i, k in enumerate(clusters) if k == c]
        color = "grey" if c == other else plt.get_cmap("tab10" if len(names) <= 10 else "tab20")(j)
        ax.scatter(xy[idx, 0], xy[idx, 1], s=14, color=color, label=f"{c} ({len(idx)})", zorder=3)
    for i, e in enumerate(result_pca.emotions):
        ax.annotate(e, (xy[i, 0], xy[i, 1]), xytext=(2, 2), textcoords="offset points", fontsize=5, alpha=0.85)
    ax.axhline(0, color="k", lw=0.5)
    ax.axvline(0, color="k", lw=0.5)
    r1, r2 = result_pca.pc1_pleasure, result_pca.pc2_arousal
    ax.set_xlabel(f"PC1 ({evr[0]:.0%} of variance); r with pleasure = {r1.pearson:.2f} [{r1.ci_low:.2f}, {r1.ci_high:.2f}], n = {r1.n}")
    ax.set_ylabel(f"PC2 ({evr[1]:.0%} of variance); r with arousal = {r2.pearson:.2f} [{r2.ci_low:.2f}, {r2.ci_high:.2f}], n = {r2.n}")
    note = " (signs oriented so both r >= 0)" if result_pca.oriented else ""
    ax.set_title(f"emotion vectors at layer {result_pca.layer}: first two principal components{note}", fontsize=10)
    ax.legend(title="paper cluster", fontsize=7, title_fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def geometry_layers(rows: Any) -> Any:
    """Per-layer rows from :func:`~emolens.experiments.geometry.geometry_by_layer`: r(PC1, pleasure) and r(PC2, arousal)
    with 95% CI bands, and (when present) the ARI of k-means against the paper's clusters with its permutation null."""
    rows = sorted(rows, key=lambda r: r["layer"])
    x = [r["layer"] for r in rows]
    with_ari = "ari" in rows[0]
    fig, axes = plt.subplots(2 if with_ari else 1, 1, figsize=(8, 6 if with_ari else 3.8), sharex=True, squeeze=False)
    ax = axes[0, 0]
    for key, label, c in (("pc1_pleasure", "PC1 vs pleasure", "C0"), ("pc2_arousal", "PC2 vs arousal", "C3")):
        ax.fill_between(x, [r[f"{key}_ci_low"] for r in rows], [r[f"{key}_ci_high"] for r in rows], alpha=0.2, color=c)
        ax.plot(x, [r[f"{key}_r"] for r in rows], "o-", color=c, ms=3, label=label)
    ax.axhline(0, color="k", lw=1, ls="--")
    ax.set_ylim(-1.02, 1.02)
    ax.set_ylabel("Pearson r with human norms\n(Russell & Mehrabian 1977)")
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(alpha=0.3)
    if with_ari:
        ax2 = axes[1, 0]
        ax2.plot(x, [r["ari"] for r in rows], "s-", color="C2", ms=3, label=f"k-means (k = {rows[0].get('k', '?')}) vs the paper's clusters")
        ax2.plot(x, [r["ari_null_q95"] for r in rows], color="grey", lw=1.5, label="shuffled-label null (95th pct)")
        ax2.axhline(0, color="k", lw=1, ls="--")
        ax2.set_ylabel("adjusted Rand index")
        ax2.legend(fontsize=8)
        ax2.grid(alpha=0.3)
    axes[-1, 0].set_xlabel("layer (block output)")
    fig.tight_layout()
    return fig


def numeric_sweeps(sweeps: Any) -> Any:
    """One panel per template: each expected emotion's readout against x (solid: expected to rise, dashed: to fall)."""
    templates = list(dict.fromkeys(r["template"] for r in sweeps.rows))
    n = len(templates)
    cols = 3
    fig, axes = plt.subplots((n + cols - 1) // cols, cols, figsize=(12, 3.2 * ((n + cols - 1) // cols)), squeeze=False)
    for ax, t in zip(axes.flat, templates):
        for i, r in enumerate(x for x in sweeps.rows if x["template"] == t):
            y = r["readout"]
            ys = [(v - min(y)) / (max(y) - min(y) + 1e-12) for v in y]
            ax.plot(range(len(y)), ys, "-" if r["expected"] == "rise" else "--", marker="o", ms=3, color=f"C{i % 10}",
                    label=f"{r['emotion']} ({'+' if r['expected'] == 'rise' else '-'}) rho={r['spearman']:.2f}")
        vals = next(x["values"] for x in sweeps.rows if x["template"] == t)
        ax.set_xticks(range(len(vals)), [f"{v:g}" for v in vals], fontsize=7)
        ax.set_title(t, fontsize=9)
        ax.set_ylabel("readout (min-max scaled)", fontsize=7)
        ax.legend(fontsize=6)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    fig.tight_layout()
    return fig


def token_trace(view: Any, emotions: Any = None) -> Any:
    """Per-token readout as a heat strip (rows: emotions, columns: tokens)."""
    ems = list(emotions or view.emotions[:8])
    z = view.scores[:, [view.emotions.index(e) for e in ems]].T.numpy()
    fig, ax = plt.subplots(figsize=(min(24, 0.16 * len(view.tokens) + 2), 0.35 * len(ems) + 1.5))
    lim = abs(z).max()
    im = ax.imshow(z, cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto")
    ax.set_yticks(range(len(ems)), ems, fontsize=7)
    step = max(1, len(view.tokens) // 60)
    ax.set_xticks(range(0, len(view.tokens), step), [view.tokens[i].strip() or "_" for i in range(0, len(view.tokens), step)], rotation=90, fontsize=6)
    fig.colorbar(im, ax=ax, label=f"readout at layer {view.layer}")
    fig.tight_layout()
    return fig
