"""Grow the story corpus with any chat model, the paper's way: ask the model for a short story in which a character
feels an emotion that is never named, on one of our topics. Every generated story is checked by the corpus rules
before it is kept (``emolens corpus generate --model NAME --emotion calm --n 5 --out new.jsonl``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .._io import atomic_write_text
from . import emotions, topics
from .corpus_check import Problem, assigned_person, assigned_topic, check_story, forbidden_forms, slug

PROMPT = (
    "Write a short story of 150 to 220 words in the {person} person. Premise: {premise} "
    "The main character feels {emotion} throughout, from the first lines to the end. Show it only through actions, "
    "body, dialogue, thoughts and the situation. Never use these words: {forbidden}. "
    "Give the characters names, no title, no moral. Reply with the story only."
)


def story_prompt(emotion: str, story_index: int) -> dict[str, Any]:
    """The generation prompt for story ``story_index`` of ``emotion`` (topic and person from the balanced assignment)."""
    idx = list(emotions()).index(emotion)
    t = assigned_topic(idx, story_index)
    person = assigned_person(story_index)
    forbidden = ", ".join(sorted(forbidden_forms(emotion)))
    return {"topic": t, "person": person,
            "text": PROMPT.format(person=person, premise=topics()[t], emotion=emotion, forbidden=forbidden)}


def generate_stories(model: Any, emotion: str, story_indices: list[int], *, max_new_tokens: int = 360, temperature: float = 0.9,
                     chat_style: str = "template", seed: int = 0) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Generate one story per index with ``model`` (a LoadedModel); return (records, problems found by the corpus rules)."""
    import torch

    if emotion not in emotions():
        raise ValueError(f"unknown emotion {emotion!r}; see emolens.data.emotion_words()")
    style = chat_style if (chat_style != "template" or model.chat_template) else "paper"
    index = {e: i for i, e in enumerate(emotions())}
    records, problems = [], []
    for j in story_indices:
        p = story_prompt(emotion, j)
        prompt = model.render(p["text"], style=style)
        torch.manual_seed(seed + j)
        ids = model.tokenizer(prompt.text, return_tensors="pt").input_ids
        out = model.bridge.generate(ids, max_new_tokens=max_new_tokens, temperature=temperature, do_sample=temperature > 0, verbose=False)
        text = model.tokenizer.decode(out[0, ids.shape[1]:], skip_special_tokens=True).strip()
        rec = {"id": f"{slug(emotion)}-{j:02d}", "emotion": emotion, "topic": p["topic"], "person": p["person"], "text": text,
               "generated_by": model.model_id}
        records.append(rec)
        problems += check_story(rec, index)
    return records, problems


def write_jsonl(records: list[dict[str, Any]], path: str | Path) -> Path:
    atomic_write_text(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    return Path(path)
