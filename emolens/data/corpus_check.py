"""Rules the shipped story corpus must obey, checked by ``emolens corpus check``.

Standard library only, so the rules can be checked without loading torch or a model.

Rules (each violation is reported as one :class:`Problem` naming the offending item):

- every one of the 171 emotions has at least ``min_per_emotion`` stories, each on a different topic;
- topics and narrative person follow the balanced assignment of :func:`assigned_topic` / :func:`assigned_person`;
- each story has ``min_words``..``max_words`` words;
- the emotion's own word, its inflections and its direct synonyms (``corpus/lexicon/<slug>.txt``) never appear;
- first-person stories are narrated with I/my/me, third-person stories are not (outside quoted dialogue);
- no sentence of ``min_shared_sentence_words`` or more words appears in two stories, and no two stories are
  near-duplicates (Jaccard similarity of word 5-gram sets above ``max_jaccard``).
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent
CORPUS_DIR = DATA_DIR / "corpus"
N_TOPICS = 100
STORIES_PER_EMOTION = 20


@dataclass(frozen=True)
class Problem:
    item: str
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.item}: [{self.rule}] {self.detail}"


def slug(emotion: str) -> str:
    """File-system name of an emotion word: ``"at ease"`` -> ``"at_ease"``."""
    return emotion.replace(" ", "_")


def read_emotions() -> list[str]:
    import csv

    with open(DATA_DIR / "emotions.csv", newline="") as f:
        return [row["emotion"] for row in csv.DictReader(f)]


def assigned_topic(emotion_index: int, story_index: int) -> int:
    """Topic id of story ``story_index`` of the emotion at ``emotion_index`` (paper order).

    ``(13 i + 7 j) mod 100`` gives each emotion 20 distinct topics, uses every topic 33-35 times, and puts exactly
    4 of each emotion's stories in each topic fold ``topic % 5``.
    """
    return (13 * emotion_index + 7 * story_index) % N_TOPICS


def assigned_person(story_index: int) -> str:
    return "first" if story_index % 2 == 0 else "third"


_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*")
_QUOTED = re.compile(r"\"[^\"]*\"|\u201c[^\u201d]*\u201d")
_SENT_SPLIT = re.compile(r"(?<=[.!?])[\"\u201d']?\s+")


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def base_forms(emotion: str) -> set[str]:
    """The emotion word and the regular inflections we can derive without a dictionary."""
    w = emotion.lower()
    forms = {w}
    if " " in w:
        return forms
    forms |= {w + "ly", w + "ness", w + "s", w + "er", w + "est"}
    if w.endswith("y"):
        forms |= {w[:-1] + "ily", w[:-1] + "iness", w[:-1] + "ier", w[:-1] + "iest"}
    if w.endswith("e"):
        forms |= {w + "d", w[:-1] + "ing"}
    return forms


def forbidden_forms(emotion: str) -> set[str]:
    """Base forms plus the hand-written list in ``corpus/lexicon/<slug>.txt`` (one form per line)."""
    forms = base_forms(emotion)
    path = CORPUS_DIR / "lexicon" / f"{slug(emotion)}.txt"
    if path.exists():
        forms |= {ln.strip().lower() for ln in path.read_text().splitlines() if ln.strip() and not ln.startswith("#")}
    return forms


def find_forbidden(text: str, forms: set[str]) -> list[str]:
    low = text.lower()
    hits = []
    for f in sorted(forms):
        if re.search(r"(?<![A-Za-z])" + re.escape(f) + r"(?![A-Za-z])", low):
            hits.append(f)
    return hits


def narration_pronoun_count(text: str) -> int:
    """First-person singular pronouns outside quoted dialogue."""
    outside = _QUOTED.sub(" ", text)
    return len(re.findall(r"\b(I|me|my|mine|myself|I'm|I'd|I'll|I've)\b", outside))


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENT_SPLIT.split(text.replace("\n", " ")) if s.strip()]


def _norm_sentence(s: str) -> str:
    return " ".join(w.lower() for w in words(s))


def _shingles(text: str, n: int = 5) -> set[tuple[str, ...]]:
    ws = [w.lower() for w in words(text)]
    return {tuple(ws[i : i + n]) for i in range(len(ws) - n + 1)}


def load_story_files(corpus_dir: Path = CORPUS_DIR) -> list[dict]:
    stories = []
    for path in sorted((corpus_dir / "stories").glob("*.jsonl")):
        for lineno, line in enumerate(path.read_text().splitlines(), 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f"{path.name}:{lineno} is not valid JSON ({e}); fix or delete that line") from e
            rec["_file"] = f"{path.name}:{lineno}"
            stories.append(rec)
    return stories


def check_story(rec: dict, emotion_index: dict[str, int], *, min_words: int = 120, max_words: int = 250) -> list[Problem]:
    item = rec.get("id", rec.get("_file", "?"))
    probs: list[Problem] = []
    for key in ("id", "emotion", "topic", "person", "text"):
        if key not in rec:
            probs.append(Problem(item, "schema", f"missing field {key!r}"))
    if probs:
        return probs
    emo, text = rec["emotion"], rec["text"]
    if emo not in emotion_index:
        return [Problem(item, "schema", f"unknown emotion {emo!r}; expected one of the 171 words")]
    j = int(rec["id"].rsplit("-", 1)[1])
    if rec["topic"] != assigned_topic(emotion_index[emo], j):
        probs.append(Problem(item, "topic", f"topic {rec['topic']} but the balanced assignment gives {assigned_topic(emotion_index[emo], j)}"))
    if rec["person"] != assigned_person(j):
        probs.append(Problem(item, "person", f"person {rec['person']!r} but story {j} should be {assigned_person(j)!r}"))
    n = len(words(text))
    if not min_words <= n <= max_words:
        probs.append(Problem(item, "length", f"{n} words; expected {min_words}-{max_words}"))
    hits = find_forbidden(text, forbidden_forms(emo))
    if hits:
        probs.append(Problem(item, "names-emotion", f"uses {hits} (the emotion, an inflection or a direct synonym)"))
    k = narration_pronoun_count(text)
    if rec["person"] == "first" and k < 3:
        probs.append(Problem(item, "person", f"first-person story uses I/me/my only {k} times outside dialogue"))
    if rec["person"] == "third" and k > 2:
        probs.append(Problem(item, "person", f"third-person story uses I/me/my {k} times outside quoted dialogue"))
    return probs


def check_corpus(
    corpus_dir: Path = CORPUS_DIR,
    *,
    min_per_emotion: int = STORIES_PER_EMOTION,
    min_shared_sentence_words: int = 6,
    max_jaccard: float = 0.2,
    emotions: list[str] | None = None,
) -> list[Problem]:
    """Check every rule over the whole corpus. ``emotions`` restricts the completeness check (e.g. to one slice)."""
    all_emotions = read_emotions()
    index = {e: i for i, e in enumerate(all_emotions)}
    stories = load_story_files(corpus_dir)
    probs: list[Problem] = []
    seen_ids: set[str] = set()
    for rec in stories:
        if rec.get("id") in seen_ids:
            probs.append(Problem(rec["id"], "duplicate-id", "story id appears twice"))
        seen_ids.add(rec.get("id"))
        probs += check_story(rec, index)

    by_emotion: dict[str, list[dict]] = defaultdict(list)
    for rec in stories:
        by_emotion[rec.get("emotion")].append(rec)
    for emo in emotions if emotions is not None else all_emotions:
        recs = by_emotion.get(emo, [])
        if len(recs) < min_per_emotion:
            probs.append(Problem(emo, "balance", f"{len(recs)} stories; expected at least {min_per_emotion}"))
        topics = Counter(r.get("topic") for r in recs)
        for t, c in topics.items():
            if c > 1:
                probs.append(Problem(emo, "balance", f"topic {t} used by {c} stories; each story needs its own topic"))

    # shared sentences
    owner: dict[str, str] = {}
    for rec in stories:
        for s in sentences(rec.get("text", "")):
            key = _norm_sentence(s)
            if len(key.split()) < min_shared_sentence_words:
                continue
            if key in owner and owner[key] != rec.get("id"):
                probs.append(Problem(rec.get("id", "?"), "shared-sentence", f"sentence also in {owner[key]}: {s[:80]!r}"))
            else:
                owner.setdefault(key, rec.get("id"))

    # near duplicates: candidate pairs share a rare 5-gram, then exact Jaccard
    sh = {rec["id"]: _shingles(rec.get("text", "")) for rec in stories if "id" in rec}
    postings: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for sid, grams in sh.items():
        for g in grams:
            postings[g].append(sid)
    pair_counts: Counter = Counter()
    for ids in postings.values():
        if 1 < len(ids) <= 20:
            for a in range(len(ids)):
                for b in range(a + 1, len(ids)):
                    pair_counts[(ids[a], ids[b])] += 1
    for (a, b), c in pair_counts.items():
        jac = c / max(1, len(sh[a] | sh[b]))
        if jac > max_jaccard:
            probs.append(Problem(a, "near-duplicate", f"Jaccard {jac:.2f} with {b}"))
    return probs


def check_token_lengths(tokenizer, corpus_dir: Path = CORPUS_DIR, *, min_tokens: int = 110, max_tokens: int = 400) -> list[Problem]:
    """Every story must be long enough in the model's tokens for the paper's rule (average from token 50 on)."""
    stories = load_story_files(corpus_dir)
    lengths = [len(x) for x in tokenizer([r.get("text", "") for r in stories]).input_ids] if stories else []
    return [
        Problem(r.get("id", r["_file"]), "tokens", f"{n} tokens; expected {min_tokens}-{max_tokens} with the default model's tokenizer")
        for r, n in zip(stories, lengths)
        if not min_tokens <= n <= max_tokens
    ]


def corpus_summary(corpus_dir: Path = CORPUS_DIR) -> dict:
    """Counts for the data card: stories per emotion, words per story, person split, topic use."""
    import statistics

    stories = load_story_files(corpus_dir)
    per_emotion = Counter(r["emotion"] for r in stories)
    per_topic = Counter(r["topic"] for r in stories)
    n_words = [len(words(r["text"])) for r in stories]
    person = Counter(r["person"] for r in stories)
    return {
        "n_stories": len(stories),
        "n_emotions": len(per_emotion),
        "stories_per_emotion": {"min": min(per_emotion.values(), default=0), "median": statistics.median(per_emotion.values()) if per_emotion else 0,
                                "max": max(per_emotion.values(), default=0)},
        "words_per_story": {"min": min(n_words, default=0), "median": statistics.median(n_words) if n_words else 0, "max": max(n_words, default=0),
                            "total": sum(n_words)},
        "person": dict(person),
        "topics_used": len(per_topic),
        "stories_per_topic": {"min": min(per_topic.values(), default=0), "max": max(per_topic.values(), default=0)},
    }
