"""The packaged data: 171 emotions with facts about them, topics, stories, neutral dialogues, stimulus sets.

    from emolens import data
    stories = data.stories()                       # all shipped stories
    train, test = data.split_by_topic(stories)     # held out by topic (fold 0 of 5)
    data.emotions()["calm"].pleasure               # Russell & Mehrabian (1977) norms where they exist
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

from .corpus_check import CORPUS_DIR, DATA_DIR, slug

#: 12 emotions spanning the paper's clusters; the walking-skeleton run uses these.
SEED_EMOTIONS: tuple[str, ...] = ("afraid", "angry", "calm", "happy", "sad", "proud", "ashamed", "lonely", "loving", "nervous", "hopeful", "disgusted")
N_FOLDS = 5


@dataclass(frozen=True)
class Emotion:
    word: str
    cluster: str  # k-means cluster label from the paper's Table 12
    pleasure: float | None  # Russell & Mehrabian (1977), -1..+1; None for the 126 words they did not rate
    arousal: float | None
    dominance: float | None


@dataclass(frozen=True)
class Story:
    id: str
    emotion: str
    topic: int
    person: str
    text: str

    @property
    def fold(self) -> int:
        """Topic fold (``topic % 5``); every emotion has exactly 4 stories in each fold."""
        return self.topic % N_FOLDS


def _f(x: str) -> float | None:
    return float(x) if x.strip() else None


@lru_cache(maxsize=1)
def emotions() -> dict[str, Emotion]:
    """The 171 emotion words in the paper's order, with cluster and human norms."""
    with open(DATA_DIR / "emotions.csv", newline="") as f:
        return {r["emotion"]: Emotion(r["emotion"], r["cluster"], _f(r["pleasure"]), _f(r["arousal"]), _f(r["dominance"])) for r in csv.DictReader(f)}


def emotion_words() -> list[str]:
    return list(emotions())


@lru_cache(maxsize=1)
def topics() -> dict[int, str]:
    rows = (CORPUS_DIR / "topics.tsv").read_text().splitlines()[1:]
    return {int(r.split("\t")[0]): r.split("\t")[1] for r in rows if r.strip()}


def _check_emotions(names: Iterable[str]) -> list[str]:
    known = emotions()
    names = list(names)
    bad = [n for n in names if n not in known]
    if bad:
        import difflib

        hints = {b: difflib.get_close_matches(b, list(known), n=2) for b in bad}
        raise ValueError(f"unknown emotion(s) {hints}; valid words are the 171 in emolens.data.emotion_words()")
    return names


def stories(emotions_: Sequence[str] | None = None, *, corpus_dir: Path | None = None) -> list[Story]:
    """Shipped stories, optionally for some emotions only, in a stable order (emotion order, then story id)."""
    root = Path(corpus_dir) if corpus_dir else CORPUS_DIR
    wanted = _check_emotions(emotions_) if emotions_ is not None else [e for e in emotions() if (root / "stories" / f"{slug(e)}.jsonl").exists()]
    out: list[Story] = []
    for e in wanted:
        path = root / "stories" / f"{slug(e)}.jsonl"
        if not path.exists():
            raise FileNotFoundError(f"no stories for {e!r} at {path}; the corpus may be incomplete (run `emolens corpus check`)")
        for line in path.read_text().splitlines():
            if line.strip():
                r = json.loads(line)
                out.append(Story(r["id"], r["emotion"], int(r["topic"]), r["person"], r["text"]))
    return out


def split_by_topic(items: Sequence[Story], heldout_fold: int = 0) -> tuple[list[Story], list[Story]]:
    """Train / held-out split by topic: stories whose topic is in fold ``heldout_fold`` (of 5) are held out."""
    if not 0 <= heldout_fold < N_FOLDS:
        raise ValueError(f"heldout_fold must be in 0..{N_FOLDS - 1}, got {heldout_fold}")
    train = [s for s in items if s.fold != heldout_fold]
    test = [s for s in items if s.fold == heldout_fold]
    return train, test


def _jsonl(path: Path) -> list[dict]:
    if not path.exists():
        raise FileNotFoundError(f"missing data file {path}")
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def neutral_dialogues() -> list[list[dict[str, str]]]:
    """Emotionally neutral Human/Assistant dialogues (lists of ``{"role", "content"}`` turns)."""
    return [r["turns"] for r in _jsonl(CORPUS_DIR / "neutral_dialogues.jsonl")]


def stimuli(name: str) -> list[dict]:
    """A stimulus set by name: ``implicit_scenarios``, ``user_vs_assistant``, ``sycophancy``, ``comparison_prompts``,
    ``persistence`` (JSONL), ``numeric_templates`` (JSON) or ``activities`` (CSV)."""
    root = DATA_DIR / "stimuli"
    if name == "numeric_templates":
        return json.loads((root / "numeric_templates.json").read_text())
    if name == "activities":
        with open(root / "activities.csv", newline="") as f:
            return list(csv.DictReader(f))
    path = root / f"{name}.jsonl"
    if not path.exists():
        valid = sorted({p.stem for p in root.glob("*")})
        raise ValueError(f"unknown stimulus set {name!r}; available: {valid}")
    return _jsonl(path)


def external_stories(folder: str | Path, *, per_emotion: int | None = None, only_known: bool = True) -> list[Story]:
    """Read a third-party story corpus in the mufxio/emotion-vector-bench layout (``stories/<emotion>.jsonl`` with
    ``emotion, topic, story_index, perspective, text``) from ``folder``. Nothing is copied into emolens. With
    ``only_known`` stories whose emotion is not among our 171 are skipped; ``per_emotion`` keeps the first N (in file order)."""
    root = Path(folder) / "stories" if (Path(folder) / "stories").is_dir() else Path(folder)
    if not root.is_dir():
        raise FileNotFoundError(f"no external corpus at {folder} (expected a stories/ folder of <emotion>.jsonl files)")
    known = emotions()
    out: list[Story] = []
    for path in sorted(root.glob("*.jsonl")):
        rows = _jsonl(path)
        rows = [r for r in rows if not only_known or r["emotion"] in known][: per_emotion or None]
        for k, r in enumerate(rows):
            out.append(Story(f"ext-{slug(r['emotion'])}-{k:03d}", r["emotion"], -1, r.get("perspective", "?"), r["text"]))
    return out


def default_external_corpus() -> Path | None:
    """``../shared/data/external/mufxio_stories`` beside the repository, if present (tests and benchmarks read it there)."""
    p = DATA_DIR.parent.parent.parent / "shared" / "data" / "external" / "mufxio_stories"
    return p if p.is_dir() else None


__all__ = [
    "default_external_corpus", "external_stories",
    "Emotion", "N_FOLDS", "SEED_EMOTIONS", "Story", "emotion_words", "emotions", "neutral_dialogues", "split_by_topic",
    "stimuli", "stories", "topics",
]
