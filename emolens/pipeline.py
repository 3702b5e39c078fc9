"""The main job behind ``make reproduce``: stories -> activations -> vectors -> validation -> report.

    from emolens.pipeline import RunConfig, run
    run(RunConfig(model="smollm2-135m-instruct"))   # writes results/smollm2-135m-instruct/
"""

from __future__ import annotations

import dataclasses
import json
import logging
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from . import data
from ._io import git_commit, write_json
from ._version import __version__
from .activations import AtMark, collect
from .experiments.validation import cross_corpus_accuracy, heldout_accuracy
from .models import DEFAULT_MODEL, EMBEDDED_MODELS, load_model
from .report import Report
from .vectors import DiffMeans

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunConfig:
    """Settings of one run; validated on creation and written to ``config.json`` in the run folder."""

    model: str = DEFAULT_MODEL
    emotions: str | tuple[str, ...] = "seed"  # "seed" (12 emotions), "all" (every emotion with shipped stories), or names
    layers: str = "all"
    token_rule: str = "from:50"
    batch_size: int = 8
    n_permutations: int = 200
    n_boot: int = 1000
    seed: int = 0
    chat_style: str = "paper"
    readout_kind: str = "cosine"
    max_stories_per_emotion: int | None = None
    external_corpus: str | None = "auto"  # "auto": ../shared/data/external/mufxio_stories if present; None: skip
    external_per_emotion: int = 30
    denoise_variance: float | None = 0.5  # neutral-PCA share projected out (the paper's 50%); None skips denoising
    geometry: bool = True
    out: str = "results"
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.emotions, str) and self.emotions not in ("seed", "all"):
            raise ValueError(f"emotions must be 'seed', 'all' or a tuple of emotion words, got {self.emotions!r}")
        if not isinstance(self.emotions, str):
            data._check_emotions(self.emotions)
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {self.batch_size}")
        if self.n_permutations < 0 or self.n_boot < 1:
            raise ValueError("n_permutations must be >= 0 and n_boot >= 1")
        if self.chat_style not in ("paper", "template"):
            raise ValueError(f"chat_style must be 'paper' or 'template', got {self.chat_style!r}")
        if self.readout_kind not in ("cosine", "projection", "dot"):
            raise ValueError(f"readout_kind must be 'cosine', 'projection' or 'dot', got {self.readout_kind!r}")

    def emotion_list(self) -> list[str]:
        if self.emotions == "seed":
            return list(data.SEED_EMOTIONS)
        if self.emotions == "all":
            have = {s.emotion for s in data.stories()}
            return [e for e in data.emotion_words() if e in have]
        return list(self.emotions)

    def run_dir(self) -> Path:
        name = Path(self.model).stem if self.model not in EMBEDDED_MODELS else self.model
        return Path(self.out) / name


def run(config: RunConfig) -> dict[str, Any]:
    """Run the main job and return the metrics written to ``metrics.json``."""
    t_start = time.perf_counter()
    out = config.run_dir()
    out.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    write_json(out / "config.json", {"config": dataclasses.asdict(config), "emolens_version": __version__, "git_commit": git_commit(),
                                     "python": platform.python_version(), "torch": torch.__version__, "started": time.strftime("%Y-%m-%dT%H:%M:%S")})

    t = time.perf_counter()
    model = load_model(config.model)
    timings["load_model_s"] = time.perf_counter() - t

    emotions = config.emotion_list()
    stories = data.stories(emotions)
    if config.max_stories_per_emotion:
        keep: dict[str, int] = {}
        sel = []
        for s in stories:
            if keep.get(s.emotion, 0) < config.max_stories_per_emotion:
                sel.append(s)
                keep[s.emotion] = keep.get(s.emotion, 0) + 1
        stories = sel
    labels = [s.emotion for s in stories]

    t = time.perf_counter()
    cstats: dict[str, Any] = {}
    acts = collect_by_group(model, [s.text for s in stories], labels, cache_dir=out / "activation_cache", layers=config.layers,
                            tokens=config.token_rule, batch_size=config.batch_size, stats=cstats)
    timings["collect_stories_s"] = time.perf_counter() - t
    n_tok = int(acts.n_tokens.sum())
    n_processed = sum(len(x) for x in model.tokenizer([s.text for s in stories]).input_ids)
    acts.save(out / "story_activations.safetensors")

    t = time.perf_counter()
    sweep = heldout_accuracy(acts, labels, [s.fold for s in stories], readout_kind=config.readout_kind,
                             n_permutations=config.n_permutations, n_boot=config.n_boot, seed=config.seed)
    timings["validation_s"] = time.perf_counter() - t

    vectors = DiffMeans().fit(acts, labels).vectors
    vectors.save(out / "vectors.safetensors")
    best = sweep.best_layer()

    sweep_dn, vectors_dn, pca = None, None, None
    if config.denoise_variance:
        from .vectors.denoise import NeutralPCA

        t = time.perf_counter()
        neutral = [model.render(turns, style=config.chat_style, add_generation_prompt=False) for turns in data.neutral_dialogues()]
        moments = collect(model, neutral, layers=config.layers, tokens="all", reduce="moments", batch_size=config.batch_size,
                          checkpoint=out / "checkpoints" / "neutral_moments")
        pca = NeutralPCA(config.denoise_variance).fit(moments)
        sweep_dn = heldout_accuracy(acts, labels, [s.fold for s in stories], readout_kind=config.readout_kind,
                                    n_permutations=config.n_permutations, n_boot=config.n_boot, seed=config.seed, denoise=pca)
        vectors_dn = pca.transform(vectors)
        vectors_dn.save(out / "vectors_denoised.safetensors")
        timings["denoising_s"] = time.perf_counter() - t

    final_vectors = vectors_dn if vectors_dn is not None else vectors
    final_layer = (sweep_dn or sweep).best_layer()
    t = time.perf_counter()
    readouts = run_readouts(model, final_vectors, final_layer, stories, config, out)
    timings["readouts_s"] = time.perf_counter() - t

    geometry = None
    if config.geometry:
        t = time.perf_counter()
        geometry = run_geometry(vectors_dn if vectors_dn is not None else vectors, (sweep_dn or sweep).best_layer(), config)
        timings["geometry_s"] = time.perf_counter() - t

    t = time.perf_counter()
    scen = scenario_readout(model, vectors, best, config)
    timings["scenarios_s"] = time.perf_counter() - t

    cross = None
    ext_dir = data.default_external_corpus() if config.external_corpus == "auto" else config.external_corpus
    if ext_dir:
        ext = [s for s in data.external_stories(ext_dir, per_emotion=config.external_per_emotion) if s.emotion in vectors.emotions]
        if len({s.emotion for s in ext}) >= 2:
            t = time.perf_counter()
            ext_acts = collect_by_group(model, [s.text for s in ext], [s.emotion for s in ext], cache_dir=out / "activation_cache" / "external",
                                        layers=config.layers, tokens=config.token_rule, batch_size=config.batch_size)
            cross = cross_corpus_accuracy(vectors, ext_acts, [s.emotion for s in ext], readout_kind=config.readout_kind, n_boot=config.n_boot, seed=config.seed)
            timings["cross_corpus_s"] = time.perf_counter() - t
    timings["total_s"] = time.perf_counter() - t_start

    metrics: dict[str, Any] = {
        "model": model.identity(),
        "emolens_version": __version__,
        "git_commit": git_commit(),
        "corpus": {"n_emotions": len(set(labels)), "n_stories": len(stories), "n_tokens_averaged": n_tok, "n_tokens_processed": n_processed, "corpus_hash": acts.corpus_hash,
                   "token_rule": acts.token_rule, "split": "5 topic folds (topic % 5), cross-validated"},
        "heldout_top1_by_layer": sweep.to_metrics(),
        "heldout_top1_by_layer_denoised": sweep_dn.to_metrics() if sweep_dn is not None else None,
        "denoising": ({"variance_share": pca.variance_share, "neutral_tokens": pca.source_["n_tokens"],
                       "n_components_by_layer": {L: int(pca.n_components_[i]) for i, L in enumerate(pca.layers_)}} if pca is not None else None),
        "geometry": geometry["metrics"] if geometry else None,
        "logit_lens": readouts["lens"].to_metrics(),
        "numeric_sweeps": readouts["numeric"].to_metrics() if readouts["numeric"] is not None else None,
        "implicit_scenarios": scen["metrics"],
        "cross_corpus": ({"corpus": str(ext_dir), "note": "third-party stories (mufxio/emotion-vector-bench, Sonnet-written), read from disk, never copied",
                          **cross.to_metrics()} if cross is not None else None),
        "timings": timings,
        "collection": {**cstats, "tokens_per_s_computed": (cstats["computed_tokens"] / cstats["computed_seconds"]) if cstats.get("computed_seconds") else None,
                       "note": "throughput over the emotions computed in this run (cached emotions are read, not recomputed)"},
    }
    write_json(out / "metrics.json", metrics)
    build_report(out, config, model, sweep, scen, metrics, cross, sweep_dn, geometry, readouts)
    log.info("wrote %s", out)
    return metrics


def collect_by_group(model: Any, texts: list[str], groups: list[str], *, cache_dir: Path, stats: dict[str, Any] | None = None,
                     **collect_kwargs: Any) -> Any:
    """``collect`` per group (e.g. per emotion), each group cached on disk under a key of model fingerprint, token rule,
    layers and the group's texts. Adding or editing one emotion's stories recomputes only that emotion; an interrupted
    run keeps every finished group (and the unfinished one resumes from its checkpoint). Per-text results do not depend
    on batch composition (padding invariance is tested), so the concatenation equals one collection over all texts.
    ``stats`` (optional dict) receives the groups computed vs read from cache, and the tokens and seconds of the computed ones."""
    from ._io import sha256_text
    from .activations import Activations, corpus_hash

    order = list(dict.fromkeys(groups))
    parts = []
    positions: list[int] = []
    layers = model.resolve_layers(collect_kwargs.get("layers", "all"))
    rule = str(collect_kwargs.get("tokens"))
    for g in order:
        idx = [i for i, x in enumerate(groups) if x == g]
        gtexts = [texts[i] for i in idx]
        positions += idx
        key = sha256_text([model.fingerprint, rule, json.dumps(layers), corpus_hash(gtexts)])[:20]
        path = cache_dir / f"{g.replace(' ', '_')}-{key}.safetensors"
        if path.exists():
            parts.append(Activations.load(path))
            if stats is not None:
                stats["cached_groups"] = stats.get("cached_groups", 0) + 1
            continue
        t0 = time.perf_counter()
        a = collect(model, gtexts, checkpoint=cache_dir / "checkpoints" / f"{g.replace(' ', '_')}-{key}", **collect_kwargs)
        if stats is not None:
            stats["computed_groups"] = stats.get("computed_groups", 0) + 1
            stats["computed_seconds"] = stats.get("computed_seconds", 0.0) + time.perf_counter() - t0
            stats["computed_tokens"] = stats.get("computed_tokens", 0) + sum(len(x) for x in model.tokenizer(gtexts).input_ids)
        a.save(path)
        parts.append(a)
    first = parts[0]
    inv = torch.empty(len(texts), dtype=torch.long)
    inv[torch.tensor(positions)] = torch.arange(len(texts))  # row of each original text in the concatenation
    values = torch.cat([p.values for p in parts])[inv]
    n_tokens = torch.cat([p.n_tokens for p in parts])[inv]
    return Activations(values, first.layers, n_tokens, first.token_rule, first.model, corpus_hash(texts))


def scenario_readout(model: Any, vectors: Any, layer: int, config: RunConfig) -> dict[str, Any]:
    """Read every emotion at the Assistant ``:`` of the implicit-scenario prompts whose emotion we have vectors for."""
    scen = [s for s in data.stimuli("implicit_scenarios") if s["emotion"] in vectors.emotions]
    if not scen:
        return {"metrics": {"n_prompts": 0, "note": "no implicit scenarios for the fitted emotions"}, "scores": None, "items": []}
    prompts = [model.render(s["text"], style=config.chat_style) for s in scen]
    acts = collect(model, prompts, layers=[layer], tokens=AtMark("assistant"), batch_size=config.batch_size, progress=False)
    v = vectors.subset(layers=[layer])
    scores = v.readout(acts, kind=config.readout_kind)[:, 0]  # [prompt, emotion]
    target = torch.tensor([v.emotions.index(s["emotion"]) for s in scen])
    # z-score each emotion across prompts so emotions with a large baseline do not win every prompt
    z = (scores - scores.mean(0)) / scores.std(0).clamp_min(1e-8)
    rank = (z > z.gather(1, target[:, None])).sum(1)  # 0 = intended emotion ranks first
    from .maths.core import bootstrap_mean

    top1 = (rank == 0).float()[None]
    m, lo, hi = bootstrap_mean(top1, config.n_boot, seed=config.seed)
    chance = 1.0 / len(v.emotions)
    return {
        "metrics": {"layer": layer, "n_prompts": len(scen), "n_emotions": len(v.emotions), "reading_position": "Assistant ':' (mark:assistant)",
                    "score": f"{config.readout_kind}, z-scored per emotion across prompts",
                    "intended_rank1": {"value": float(m[0]), "ci_low": float(lo[0]), "ci_high": float(hi[0])}, "chance": chance,
                    "mean_rank": float(rank.float().mean())},
        "scores": z, "items": scen, "emotions": v.emotions,
    }


def run_readouts(model: Any, vectors: Any, layer: int, stories: list[Any], config: RunConfig, out: Path) -> dict[str, Any]:
    """Logit lens, numeric intensity sweeps and a token-level view of one held-out story."""
    from ._io import atomic_write_text
    from .experiments.readouts import logit_lens, numeric_sweeps, token_view

    lens = logit_lens(model, vectors, layer, k=10)
    templates = [t for t in data.stimuli("numeric_templates") if set(t["rising"] + t["falling"]) & set(vectors.emotions)]
    numeric = numeric_sweeps(model, vectors, layer, templates=templates, chat_style=config.chat_style, batch_size=config.batch_size) if templates else None
    story = next((s for s in stories if s.fold == 0), stories[0])
    shown = [story.emotion] + [e for e in ("calm", "afraid", "happy", "sad", "angry", "desperate", "loving") if e in vectors.emotions and e != story.emotion]
    view = token_view(model, vectors, story.text, layer, emotions=shown[:6])
    atomic_write_text(out / "token_view.html", "<!DOCTYPE html><html><head><meta charset='utf-8'><title>emolens token view</title></head><body>"
                      f"<h3>{story.id} ({story.emotion}), readout of '{story.emotion}' at layer {layer}</h3>" + view.html(story.emotion) + "</body></html>")
    return {"lens": lens, "numeric": numeric, "view": view, "story": story}


def run_geometry(vectors: Any, layer: int, config: RunConfig) -> dict[str, Any] | None:
    """Emotion-space geometry at ``layer`` (and PC/norm correlations at every layer) when there are enough emotions."""
    from .experiments import geometry as geo

    n = len(vectors.emotions)
    normed = sum(data.emotions()[e].pleasure is not None for e in vectors.emotions)
    if n < 6 or normed < 5:
        return None
    cos = geo.cosine_matrix(vectors, layer)
    pcs = geo.pca_geometry(vectors, layer, n_boot=config.n_boot, seed=config.seed)
    clusters = geo.cluster_agreement(vectors, layer, k=10, seed=config.seed) if n >= 30 else None
    by_layer = geo.geometry_by_layer(vectors, k=10, n_boot=min(config.n_boot, 500), seed=config.seed) if n >= 30 else None
    m: dict[str, Any] = {"layer": layer, "n_emotions": n, "n_with_human_norms": normed, "vectors": vectors.meta.get("method"),
                         "pca": pcs.to_metrics(), "cosine": cos.to_metrics()}
    if clusters is not None:
        m["clusters_vs_paper"] = clusters.to_metrics()
    if by_layer is not None:
        m["by_layer"] = by_layer
    return {"metrics": m, "cos": cos, "pca": pcs, "clusters": clusters, "by_layer": by_layer}


def build_report(out: Path, config: RunConfig, model: Any, sweep: Any, scen: dict[str, Any], metrics: dict[str, Any], cross: Any = None,
                 sweep_dn: Any = None, geometry: dict[str, Any] | None = None, readouts: dict[str, Any] | None = None) -> Path:
    from . import figures

    rep = Report(f"emolens: {model.model_id}")
    rep.text(f"emolens {__version__}, commit {metrics['git_commit']}, model {model.model_id} ({model.source}), fingerprint {model.fingerprint}, "
             f"{model.n_layers} layers, d_model {model.d_model}. Layer L = output of block L (blocks.L.hook_resid_post).", cls="meta")
    c = metrics["corpus"]
    rep.heading("Held-out recognition of story emotions")
    rep.text(f"{c['n_stories']} stories of {c['n_emotions']} emotions (token rule {c['token_rule']}). Difference-of-means vectors are fitted on "
             f"4 topic folds and tested on the fifth (each story tested once, on topics its vectors never saw). Shaded: 95% bootstrap CI "
             f"over stories; grey: 95th percentile of {sweep.n_permutations} label permutations; dashed: chance.")
    rep.figure(figures.layer_sweep(sweep), f"Held-out top-1 and top-5 accuracy by layer ({sweep.method}). Best layer {sweep.best_layer()}.", "fig-layer-sweep")
    best = metrics["heldout_top1_by_layer"]
    rep.table([{"metric": "best layer", "value": best["best_layer"]},
               {"metric": "top-1 at best layer", "value": f"{best['best_top1']['value']:.3f} [{best['best_top1']['ci_low']:.3f}, {best['best_top1']['ci_high']:.3f}]"},
               {"metric": "top-5 at best layer", "value": f"{best['best_top5']['value']:.3f} [{best['best_top5']['ci_low']:.3f}, {best['best_top5']['ci_high']:.3f}]"},
               {"metric": "permutation null, 95th pct", "value": f"{best['best_perm_null_q95']:.3f} (p = {best['best_perm_p']:.4f})"},
               {"metric": "chance", "value": f"{best['chance']:.3f}"}])
    rep.table(sweep.table(), caption="By layer")
    if sweep_dn is not None:
        d = metrics["heldout_top1_by_layer_denoised"]
        dn = metrics["denoising"]
        rep.heading("Denoised vectors")
        rep.text(f"The same cross-validation with the top principal components of neutral-dialogue activations ({dn['variance_share']:.0%} of their variance; "
                 f"{min(dn['n_components_by_layer'].values())}-{max(dn['n_components_by_layer'].values())} components per layer, from "
                 f"{dn['neutral_tokens']} tokens) projected out of every fold's vectors. Best layer {d['best_layer']}: top-1 "
                 f"{d['best_top1']['value']:.3f} [{d['best_top1']['ci_low']:.3f}, {d['best_top1']['ci_high']:.3f}].")
        rep.figure(figures.layer_sweep(sweep_dn), f"Held-out accuracy by layer, denoised vectors ({sweep_dn.method}).", "fig-layer-sweep-denoised")
    if scen.get("scores") is not None:
        sm = scen["metrics"]
        rep.heading("Implicit scenarios at the Assistant colon")
        rep.text(f"{sm['n_prompts']} user messages that imply an emotion without naming it, read at the ':' ending 'Assistant:' at layer {sm['layer']}. "
                 f"Scores are z-scored per emotion across prompts. The intended emotion ranks first in {sm['intended_rank1']['value']:.0%} "
                 f"[{sm['intended_rank1']['ci_low']:.0%}, {sm['intended_rank1']['ci_high']:.0%}] of prompts (chance {sm['chance']:.0%}).")
        rep.figure(figures.scenario_matrix(scen), "Emotion readout (rows) for each scenario (columns, labelled by intended emotion).", "fig-scenarios")
    if cross is not None:
        cm = metrics["cross_corpus"]
        rep.heading("Cross-corpus: stories written by another model")
        rep.text(f"{cm['n_stories']} stories from an external, Sonnet-written corpus ({cm['n_emotions_shared']} emotions shared with ours), read by "
                 f"vectors fitted only on our stories. At layer {cm['best_layer']}: top-1 among all {cm['n_emotions_all']} emotions "
                 f"{cm['best_top1_all']['value']:.3f} [{cm['best_top1_all']['ci_low']:.3f}, {cm['best_top1_all']['ci_high']:.3f}] (chance {cm['chance_all']:.3f}); "
                 f"among the {cm['n_emotions_shared']} shared emotions {cm['best_top1_shared']['value']:.3f} "
                 f"[{cm['best_top1_shared']['ci_low']:.3f}, {cm['best_top1_shared']['ci_high']:.3f}] (chance {cm['chance_shared']:.3f}).")
        rep.figure(figures.cross_corpus(cross), "Cross-corpus top-1 accuracy by layer, with 95% bootstrap CIs.", "fig-cross-corpus")
    if readouts is not None:
        lens = readouts["lens"]
        rep.heading("Logit lens")
        lm = lens.to_metrics()
        rep.text(f"Tokens each vector promotes and suppresses through the final norm and the unembedding, at layer {lens.layer}. The emotion's own word "
                 f"(first token of ' word') is among the top 100 promoted tokens for {lm['own_word_in_top100_share']:.0%} of emotions.")
        show = [e for e in ("happy", "sad", "afraid", "angry", "calm", "proud", "loving", "desperate", "disgusted", "lonely") if e in lens.emotions][:10]
        rep.table([{"emotion": e, "promoted": " ".join(lens.promoted[lens.emotions.index(e)][:8]), "suppressed": " ".join(lens.suppressed[lens.emotions.index(e)][:8]),
                    "own word rank": lens.own_word_rank[lens.emotions.index(e)]} for e in show])
        if readouts["numeric"] is not None:
            nm = readouts["numeric"].to_metrics()
            rep.heading("Numeric intensity")
            rep.text(f"One-number user messages (a medication dose, hours without food, ...) read at the Assistant colon at layer {nm['layer']}. "
                     f"The readout moves in the expected direction (Spearman rho sign) in {nm['sign_agreement']:.0%} of {nm['n_checks']} emotion-template checks.")
            rep.figure(figures.numeric_sweeps(readouts["numeric"]), "Readout vs the template's number (min-max scaled per line; solid: expected to rise, dashed: to fall).", "fig-numeric")
        rep.heading("Token-level view")
        st = readouts["story"]
        rep.text(f"Per-token readout on story {st.id} (a {st.emotion} story). The interactive version (circuitsvis, offline) is token_view.html beside this report.")
        rep.figure(readouts["view"].figure(), "Per-token readout of several emotions (columns: tokens).", "fig-token-view")
    if geometry is not None:
        gm = geometry["metrics"]
        pc = gm["pca"]
        rep.heading("Geometry of emotion space")
        rep.text(f"{gm['n_emotions']} emotion vectors ({gm['vectors']}) at layer {gm['layer']}; {gm['n_with_human_norms']} have Russell & Mehrabian (1977) norms. "
                 + _pca_sentence(pc) + (_cluster_sentence(gm["clusters_vs_paper"]) if "clusters_vs_paper" in gm else ""))
        rep.figure(figures.emotion_map(geometry["pca"]), "Emotion vectors on their first two principal components, coloured by the paper's clusters.", "fig-emotion-map")
        rep.figure(figures.cosine_heatmap(geometry["cos"]), "Cosine similarity between emotion vectors, ordered by average-linkage clustering.", "fig-cosine")
        if geometry["by_layer"] is not None:
            rep.figure(figures.geometry_layers(geometry["by_layer"]), "PC1 vs human pleasure and PC2 vs human arousal by layer (95% bootstrap CIs).", "fig-geometry-layers")
    rep.heading("Run")
    rep.table([{"step": k, "seconds": round(v, 1)} for k, v in metrics["timings"].items()])
    rep.raw("<pre>" + json.dumps(dataclasses.asdict(config), indent=1) + "</pre>")
    return rep.save(out / "report.html")


def _pca_sentence(pc: dict[str, Any]) -> str:
    ev = pc.get("explained_variance_ratio", [])
    r1, r2 = pc["pc1_pleasure"], pc["pc2_arousal"]
    return (f"PC1 explains {ev[0]:.0%} and PC2 {ev[1]:.0%} of the variance across emotions. PC1 vs human pleasure: r = {r1['pearson']:.2f} "
            f"[{r1['ci_low']:.2f}, {r1['ci_high']:.2f}] (n = {r1['n']}); PC2 vs human arousal: r = {r2['pearson']:.2f} [{r2['ci_low']:.2f}, {r2['ci_high']:.2f}] "
            "(signs oriented so r >= 0; the paper reports 0.81 and 0.66). ")


def _cluster_sentence(c: dict[str, Any]) -> str:
    return f"k-means (k = 10) vs the paper's clusters: ARI = {c['ari']:.2f} (permutation null 95th percentile {c['perm_null_q95']:.2f}, p = {c['perm_p']:.3f})."
