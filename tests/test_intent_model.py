"""The router's intent model: shipped, reproducible from the dev half, equal to the library it was trained with, and
used by the router as a second look that the rules alone do not have."""

from __future__ import annotations

import numpy as np
import pytest
from langchain_core.messages import HumanMessage

from chatcanvas.agent import intent_model
from chatcanvas.agent.router import IntentRouter
from chatcanvas.eval import train_intents
from chatcanvas.eval.suite import load_conversations
from tests.test_router import TOOLS


def _turn(current: str | None) -> dict:
    images = [{"id": "img1", "prompt": current, "operation": "generate"}] if current else []
    return {"current_image_id": "img1" if current else None, "current_prompt": current, "extras": {"images": images}}


def _calls(text: str, current: str | None, second_opinion: float | None = 0.6) -> list[tuple[str, dict]]:
    router = IntentRouter(second_opinion=second_opinion).bind_tools(TOOLS, turn=_turn(current))
    return [(call["name"], call["args"]) for call in router.invoke([HumanMessage(text)]).tool_calls]


def test_the_shipped_model_is_the_one_the_dev_half_trains():
    shipped = intent_model.shipped()
    assert shipped is not None, "weights/intents.npz is missing: python -m chatcanvas.eval.train_intents"
    arrays = train_intents.train(load_conversations("dev"))
    assert list(arrays["vocabulary"]) == list(shipped.index)
    assert list(arrays["classes"]) == shipped.classes
    np.testing.assert_allclose(arrays["coef"], shipped.coef, atol=1e-4)
    np.testing.assert_allclose(arrays["idf"], shipped.idf, atol=1e-5)


def test_numpy_inference_equals_the_library_it_was_trained_with():
    rows = train_intents.rows(load_conversations("dev"))[:400]
    vectorizer, matrix, fitted = train_intents.fit(rows)
    ours = intent_model.IntentModel(list(vectorizer.get_feature_names_out()), vectorizer.idf_, fitted.coef_,
                                    fitted.intercept_, list(fitted.classes_))
    theirs = fitted.predict_proba(matrix)
    for (text, context, _), expected in zip(rows, theirs):
        guess = ours.guess(text, context)
        np.testing.assert_allclose([guess.scores[c] for c in fitted.classes_], expected, atol=1e-9)


def test_held_out_conversations_are_mostly_read_right():
    # trained without one round of the dev half, scored on it: the model generalizes beyond the turns it saw
    conversations = load_conversations("dev")
    held = ("m", "n", "o")
    arrays = train_intents.train([c for c in conversations if not c.id.startswith(held)])
    right, turns, _ = train_intents.score(intent_model.IntentModel.from_arrays(arrays),
                                          [c for c in conversations if c.id.startswith(held)])
    assert turns > 200 and right / turns >= 0.85


def test_context_changes_the_reading():
    model = intent_model.shipped()
    bare = model.guess("the hat in blue", intent_model.Context())
    shown = model.guess("the hat in blue", intent_model.Context(has_image=True, previous="draw"))
    assert shown.kind == "edit" and bare.scores["edit"] < shown.scores["edit"]


@pytest.mark.parametrize("text", ["eh, try that again"])
def test_the_second_look_catches_what_the_rules_miss(text):
    current = "a cat in a red hat on a sofa"
    assert _calls(text, current, None) != [("generate_image", {"prompt": current})]  # the rules alone: not a re-roll
    assert _calls(text, current) == [("generate_image", {"prompt": current})]  # with the model: the same prompt again


def test_the_same_message_in_the_same_state_gives_the_same_decision():
    decisions = {str(_calls("hmm the sofa should be leather", "a cat in a red hat on a sofa")) for _ in range(5)}
    assert len(decisions) == 1


_FOXES = [{"id": "a", "prompt": "a red fox in the snow", "operation": "generate"},
          {"id": "b", "prompt": "a red fox in the snow, at night", "operation": "edit", "parent_id": "a"},
          {"id": "c", "prompt": "a red fox in the snow, at night, pixel art style", "operation": "edit",
           "parent_id": "b"}]


def _subject_router(turn: dict, second_opinion: float | None = 0.6):
    from chatcanvas.agent.router import IMAGE_RULES
    from chatcanvas.agent.subjects import SUBJECT_RULES

    tools = [*TOOLS, {"name": "generate_with_subject"}, {"name": "register_subject"}]
    return IntentRouter(rules=[*SUBJECT_RULES, *IMAGE_RULES], second_opinion=second_opinion).bind_tools(tools,
                                                                                                         turn=turn)


@pytest.mark.parametrize(("text", "picked"), [
    ("nah prev was better", "b"),
    ("go bak to the one befor", "b"),
    ("hmm honestly the very first fox pic was my fave, pull that one back up", "a"),
])
def test_a_loose_pick_the_model_is_sure_of_selects_the_likeliest_picture(text, picked):
    turn = {"current_image_id": "c", "current_prompt": _FOXES[2]["prompt"], "extras": {"images": _FOXES}}
    alone = _subject_router(turn, None).invoke([HumanMessage(text)]).tool_calls
    assert [call["name"] for call in alone] != ["select_image"]  # the rules alone draw these words
    calls = _subject_router(turn).invoke([HumanMessage(text)]).tool_calls
    assert [(call["name"], call["args"]) for call in calls] == [("select_image", {"image_id": picked})]


@pytest.mark.parametrize(("text", "tool"), [
    ("a random golden retriever puppy in the snow, not rex", "generate_image"),
    ("now a totally random old man playing saxophone. not my dog, just some guy", "generate_image"),
    ("Rex surfing a big wave", "generate_with_subject"),
])
def test_a_subject_named_only_to_be_denied_is_not_drawn(text, tool):
    turn = {"current_image_id": None, "extras": {"images": [], "subjects": [
        {"id": "s1", "name": "Rex", "aliases": ["my dog"]}]}}
    calls = _subject_router(turn).invoke([HumanMessage(text)]).tool_calls
    assert [call["name"] for call in calls] == [tool]


@pytest.mark.parametrize(("text", "name"), [("here are 3 of my guy Dot", "Dot"),
                                            ("ok here's 5 of my grandma, Rosa. she turns 90 next week!", "Rosa")])
def test_a_count_of_photos_is_not_part_of_the_name(text, name):
    from chatcanvas.agent.subjects import parse_introduction

    assert parse_introduction(text)[0] == name
