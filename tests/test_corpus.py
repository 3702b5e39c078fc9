"""The corpus rules catch what they claim to, and the shipped corpus obeys them."""

import json

import pytest

from emolens import data
from emolens.data import corpus_check as cc

INDEX = {e: i for i, e in enumerate(cc.read_emotions())}
GOOD = ("I stood at the counter with the envelope in both hands and read the figure twice. " * 9).strip()


def rec(text=GOOD, j=0, emotion="calm"):
    return {"id": f"{cc.slug(emotion)}-{j:02d}", "emotion": emotion, "topic": cc.assigned_topic(INDEX[emotion], j), "person": cc.assigned_person(j), "text": text}


def rules(r):
    return {p.rule for p in cc.check_story(r, INDEX)}


def test_good_story_passes():
    assert rules(rec()) == set()


def test_rules_fire():
    assert "length" in rules(rec(text="I was fine. " * 5))
    assert "names-emotion" in rules(rec(text=GOOD + " I felt calm."))
    assert "names-emotion" in rules(rec(text=GOOD + " Calmly, I left."))
    assert "person" in rules(rec(j=1))  # story 1 must be third person; GOOD is narrated with I
    assert "topic" in rules({**rec(), "topic": (rec()["topic"] + 1) % 100})
    assert "schema" in rules({"id": "x-00", "emotion": "calm"})
    assert "schema" in rules({**rec(), "emotion": "grumpish"})


def test_multiword_and_lexicon_forms():
    assert cc.find_forbidden("She was at ease now.", cc.forbidden_forms("at ease")) == ["at ease"]
    assert cc.find_forbidden("Her ease was total.", cc.forbidden_forms("at ease")) == []
    assert "happiness" in cc.base_forms("happy") and "happily" in cc.base_forms("happy")


def test_assignment_is_balanced():
    from collections import Counter

    per_topic = Counter(cc.assigned_topic(i, j) for i in range(171) for j in range(20))
    assert len(per_topic) == 100 and min(per_topic.values()) >= 33 and max(per_topic.values()) <= 35
    for i in range(171):
        folds = Counter(cc.assigned_topic(i, j) % 5 for j in range(20))
        assert set(folds.values()) == {4}


def test_shared_sentence_and_near_duplicate_detected(tmp_path):
    (tmp_path / "stories").mkdir()
    a = rec(j=0)
    b = rec(j=2, text=GOOD)  # same text -> shared sentences and near-duplicate
    (tmp_path / "stories" / "calm.jsonl").write_text("\n".join(json.dumps(x) for x in (a, b)))
    found = {p.rule for p in cc.check_corpus(tmp_path, emotions=["calm"], min_per_emotion=2)}
    assert {"shared-sentence", "near-duplicate"} <= found
    assert "balance" in {p.rule for p in cc.check_corpus(tmp_path, emotions=["calm"], min_per_emotion=20)}


def test_cli_exits_nonzero_naming_items(tmp_path, capsys):
    from emolens.cli import main

    (tmp_path / "stories").mkdir()
    (tmp_path / "stories" / "calm.jsonl").write_text(json.dumps(rec(text=GOOD + " I was calm.")))
    assert main(["corpus", "check", "--corpus-dir", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "calm-00" in out and "names-emotion" in out


def test_shipped_stories_obey_every_rule():
    problems = [p for p in cc.check_corpus(min_per_emotion=0)]
    assert problems == [], "\n".join(map(str, problems[:20]))


def test_loader_and_split():
    st = data.stories(["calm"])
    assert len(st) == 20 and {s.emotion for s in st} == {"calm"}
    train, test = data.split_by_topic(st, heldout_fold=0)
    assert len(test) == 4 and len(train) == 16
    assert not {s.topic for s in train} & {s.topic for s in test}
    assert {s.person for s in test} == {"first", "third"}
    with pytest.raises(ValueError, match="unknown emotion"):
        data.stories(["clam"])


def test_emotion_table():
    em = data.emotions()
    assert len(em) == 171
    assert sum(e.pleasure is not None for e in em.values()) == 45
    assert em["happy"].pleasure > 0.5 and em["sad"].pleasure < 0
    assert len({e.cluster for e in em.values()}) == 10


def test_generate_plumbing_on_tiny_model(tiny, tiny_path, tmp_path, capsys):
    from emolens.cli import main
    from emolens.data.generate import generate_stories, story_prompt

    p = story_prompt("calm", 3)
    assert p["person"] == "third" and str(p["topic"]) and "calm" in p["text"] and "calmly" in p["text"]
    recs, problems = generate_stories(tiny, "calm", [20, 21], max_new_tokens=12, temperature=0.0)
    assert [r["id"] for r in recs] == ["calm-20", "calm-21"] and all(r["generated_by"] == tiny.model_id for r in recs)
    assert {"length"} <= {q.rule for q in problems}  # 12 tokens of a random model cannot make a valid story
    out = tmp_path / "new.jsonl"
    assert main(["corpus", "generate", "--model", str(tiny_path), "--emotion", "afraid", "--n", "1", "--max-new-tokens", "8", "--out", str(out)]) == 0
    rec = json.loads(out.read_text().splitlines()[0])
    assert rec["emotion"] == "afraid" and rec["id"] == "afraid-20"
    assert "rule problem" in capsys.readouterr().out


def test_token_length_rule(tiny):
    import tempfile
    from pathlib import Path

    d = Path(tempfile.mkdtemp())
    (d / "stories").mkdir()
    (d / "stories" / "calm.jsonl").write_text(json.dumps(rec()))
    assert cc.check_token_lengths(tiny.tokenizer, d, min_tokens=10, max_tokens=400) == []
    assert [p.rule for p in cc.check_token_lengths(tiny.tokenizer, d, min_tokens=500)] == ["tokens"]
    s = cc.corpus_summary(d)
    assert s["n_stories"] == 1 and s["person"] == {"first": 1}
