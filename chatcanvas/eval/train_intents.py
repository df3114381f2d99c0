"""Train the router's intent model (`chatcanvas.agent.intent_model`) from the dev conversations.

    python -m chatcanvas.eval.train_intents            # writes chatcanvas/agent/weights/intents.npz
    python -m chatcanvas.eval.train_intents --hold m,n  # trains without conversations m*, n* and scores on them

Only the dev half is read: the test half stays out of training as it stays out of every other decision. Each turn's
context is the one a good assistant would have had (the expected decisions of the turns before it). Needs
scikit-learn (`pip install chatcanvas[train]`); running the model needs numpy only.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from chatcanvas.agent import intent_model
from chatcanvas.agent.subjects import mentioned_subject
from chatcanvas.eval.suite import Conversation, load_conversations

C = 10.0
"""Inverse regularisation of the logistic regression, chosen on held-out rounds of the dev half."""


def rows(conversations: list[Conversation]) -> list[tuple[str, intent_model.Context, str]]:
    """(message, context, expected kind) for every turn."""
    found = []
    for conversation in conversations:
        subjects = [{"name": s.name, "aliases": list(s.aliases)} for s in conversation.subjects]
        has_image, previous = False, "start"
        for turn in conversation.turns:
            attached = 0
            if turn.attach is not None:
                attached = int(turn.attach.removeprefix("photos:")) if isinstance(turn.attach, str) and \
                    turn.attach.startswith("photos:") else 1
            context = intent_model.Context(
                has_image=has_image, attached=attached, previous=previous, model=conversation.model,
                named_subject=bool(subjects) and mentioned_subject(turn.say, subjects) is not None,
                has_subjects=bool(subjects))
            found.append((turn.say, context, turn.expect))
            if turn.expect == "register_subject" and turn.subject:
                subjects.append({"name": turn.subject, "aliases": []})
            previous = intent_model.PREVIOUS_OF[turn.expect]
            has_image = has_image or previous in ("draw", "edit", "select") or attached == 1
    return found


def fit(data: list[tuple[str, intent_model.Context, str]]) -> tuple[Any, Any, Any]:
    """(the fitted TfidfVectorizer, its matrix of `data`, the fitted LogisticRegression)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(analyzer=lambda features: features, sublinear_tf=True, min_df=2)
    matrix = vectorizer.fit_transform([intent_model.features(text, context) for text, context, _ in data])
    return vectorizer, matrix, LogisticRegression(C=C, max_iter=5000).fit(matrix, [kind for _, _, kind in data])


def train(conversations: list[Conversation]) -> dict[str, np.ndarray]:
    """The model's arrays, trained on every turn of `conversations`."""
    vectorizer, _, model = fit(rows(conversations))
    return {"vocabulary": np.array(vectorizer.get_feature_names_out(), dtype=str),
            "idf": vectorizer.idf_.astype(np.float32), "coef": model.coef_.astype(np.float32),
            "intercept": model.intercept_.astype(np.float32), "classes": np.array(model.classes_, dtype=str)}


def score(model: intent_model.IntentModel, conversations: list[Conversation]) -> tuple[int, int, Counter]:
    """(right, turns, confusions as (expected, guessed) counts) of `model` on `conversations`."""
    right, confusions = 0, Counter()
    data = rows(conversations)
    for text, context, kind in data:
        guess = model.guess(text, context).kind
        right += guess == kind
        if guess != kind:
            confusions[(kind, guess)] += 1
    return right, len(data), confusions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path,
                        default=Path(intent_model.__file__).parent / "weights" / "intents.npz")
    parser.add_argument("--hold", default="", help="comma-separated id prefixes to leave out and score on")
    args = parser.parse_args(argv)
    conversations = load_conversations("dev")
    held = tuple(p for p in args.hold.split(",") if p)
    kept = [c for c in conversations if not c.id.startswith(held)] if held else conversations
    arrays = train(kept)
    if held:
        right, turns, confusions = score(intent_model.IntentModel.from_arrays(arrays),
                                         [c for c in conversations if c.id.startswith(held)])
        print(f"held out {','.join(held)}: {right}/{turns} kinds right ({right / max(turns, 1):.1%}); "
              f"most confused: {confusions.most_common(6)}")
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, **arrays)
    print(f"trained on {len(rows(kept))} turns of {len(kept)} conversations: {args.out} "
          f"({args.out.stat().st_size // 1024} KiB, {len(arrays['vocabulary'])} features)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
