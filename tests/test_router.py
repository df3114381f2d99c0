"""The offline router on phrasings: which tool (or none), and the prompt it writes. The agent evaluation
(tests/test_agent_eval_floor.py) measures it on conversations nobody tuned it on; these are the cases the router
was built on, the ones new users were seen to type."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, HumanMessage

from chatcanvas.agent.intents import merged_edit_prompt
from chatcanvas.agent.router import IntentRouter

TOOLS = [{"name": "generate_image"}, {"name": "edit_image"}, {"name": "select_image"}]
FOX = "a red fox in the snow"

# (message, current prompt or None, expected tool or None, words the prompt must have, words it must not)
PHRASINGS = [
    # draws, however they are asked
    ("can I get a watercolor of a fox", None, "generate_image", ["watercolor", "fox"], ["can", "get"]),
    ("depict a robot chef cooking pancakes", None, "generate_image", ["robot", "chef", "pancakes"], ["depict"]),
    ("I'd like a wallpaper of a mountain lake", None, "generate_image", ["wallpaper", "mountain", "lake"], ["like"]),
    ("let's see a wine bottle label too", FOX, "generate_image", ["wine", "bottle", "label"], ["fox", "too"]),
    ("mock up a label for olive oil", None, "generate_image", ["label", "olive", "oil"], ["mock"]),
    ("a fashion sketch of a red evening gown", None, "generate_image", ["fashion", "sketch", "gown"], []),
    ("a diagram-style drawing of a bicycle", None, "generate_image", ["diagram-style", "drawing", "bicycle"], []),
    ("I'd love to see a lighthouse at dusk", None, "generate_image", ["lighthouse", "dusk"], ["love"]),
    ("how about a dragon made of glass?", FOX, "generate_image", ["dragon", "glass"], ["fox"]),
    ("drwa a purpel cat pls", None, "generate_image", ["purple", "cat"], ["pls", "please"]),
    ("Could you please paint a mountain lake", None, "generate_image", ["painting", "mountain", "lake"], ["please"]),
    ("sketch a bicycle", None, "generate_image", ["sketch", "bicycle"], []),
    ("could you whip up a poster for a jazz night?", None, "generate_image", ["poster", "jazz"], ["whip"]),
    ("a cozy cabin in the woods", None, "generate_image", ["cabin", "woods"], []),
    ("now draw a green frog", FOX, "generate_image", ["green", "frog"], ["fox"]),
    ("can we do a sunset over the ocean", None, "generate_image", ["sunset", "ocean"], ["can", "we", "do"]),
    # the next picture of a series, in the look of the one on screen
    ("can we do the bedroom next, same vibe", "a cozy living room, scandinavian style", "generate_image",
     ["cozy", "bedroom", "scandinavian", "style"], ["living", "vibe", "next", "same"]),
    ("now a bathroom in the same style", "a watercolor of a sunny kitchen", "generate_image",
     ["sunny", "bathroom", "watercolor"], ["kitchen", "same"]),
    # edits of the picture on screen
    ("ok do the same but as a watercolor", "a lighthouse at dusk", "edit_image", ["lighthouse", "dusk", "watercolor"],
     ["same", "do"]),
    ("she wants it pink", "a red evening gown", "edit_image", ["pink", "gown"], ["red", "wants"]),
    ("shorter sleeves", "a dress with long sleeves", "edit_image", ["shorter", "sleeves", "dress"], ["long"]),
    ("it should be green", FOX, "edit_image", ["green", "fox", "snow"], ["red"]),
    ("darker please, more moody", "a bright beach", "edit_image", ["darker", "moody", "beach"], ["please", "bright"]),
    ("give the penguin sunglasses", "a penguin on an iceberg", "edit_image", ["penguin", "sunglasses", "iceberg"], []),
    ("I'd rather have a white background", "a cat on a dark blue background", "edit_image",
     ["cat", "white", "background"], ["dark", "blue", "rather"]),
    ("more rain on the ground", "a street at night", "edit_image", ["rain", "street", "night"], []),
    ("swap the seagulls for pelicans", "a lighthouse keeper feeding seagulls", "edit_image",
     ["lighthouse", "keeper", "pelicans"], ["seagulls", "swap"]),
    ("replace the hat with a crown", "a dog wearing a hat", "edit_image", ["dog", "crown"], ["hat"]),
    ("night time", "a castle in daylight", "edit_image", ["castle", "night"], ["daylight"]),
    ("make the square red and the background purple", "a big blue square in the center on an orange background",
     "edit_image", ["red", "square", "purple", "background", "center"], ["blue", "orange"]),
    ("remove the hat", "a red fox, with a hat", "edit_image", ["fox"], ["hat"]),
    ("make it a watercolor", "a fox, oil painting style", "edit_image", ["fox", "watercolor"], ["oil"]),
    ("in winter", "a cabin in summer", "edit_image", ["cabin", "winter"], ["summer"]),
    ("Swap the grey sofa for a deep green velvet one.", "a living room with an oak floor, a grey linen sofa",
     "edit_image", ["deep", "green", "velvet", "sofa", "oak"], ["grey", "linen"]),
    ("no people", "a billboard of a woman drinking lemonade on a beach", "edit_image", ["billboard", "lemonade",
                                                                                       "beach"], ["woman"]),
    ("Grapes is not needed. Replace with bunch of fresh herbs.", "khachapuri on a wooden board, with grapes",
     "edit_image", ["khachapuri", "herbs"], ["grapes"]),
    ("the curtain's a bit much tho, just give him a plain beige background instead",
     "a golden retriever sitting in front of a blue curtain", "edit_image", ["retriever", "beige", "background"],
     ["curtain", "blue"]),
    ("also the forest shud be dark and spooky not green n happy", "a map with a green forest in the middle",
     "edit_image", ["dark", "spooky", "forest", "map"], ["green", "happy"]),
    ("next: the boss. a rust-red dragon coiled around gold coins", "a flooded dwarven forge", "generate_image",
     ["dragon", "gold", "coins"], ["forge", "next", "boss"]),
    ("and the background striped please", "a big pink star on a blue background", "edit_image",
     ["striped", "background", "star"], ["please"]),
    ("Lighthouse beam: red instead of white.", "a lighthouse with a white beam on a cliff", "edit_image",
     ["red", "beam", "lighthouse", "cliff"], ["white"]),
    ("hmm nah the moons look dumb get rid of em", "a silver spaceship, with 2 moons in the sky", "edit_image",
     ["spaceship"], ["moons", "dumb"]),
    # just talk
    ("she wants a bunny joke now pls", FOX, None, [], []),
    ("can you make videos? like a little reel", FOX, None, [], []),
    ("fun fact Rex turns 3 today", FOX, None, [], []),
    ("how do I draw a horse?", None, None, [], []),
    ("hello", None, None, [], []),
    ("thanks, that's perfect", FOX, None, [], []),
    ("what can you do?", None, None, [], []),
    ("hey what can u do", None, None, [], []),  # a greeting run into a question, no mark between
    ("hello there who are you", FOX, None, [], []),
    ("hiya how about a fox in a tiny hat", None, "generate_image", ["fox", "hat"], ["hiya", "how"]),
    ("hey there a blue tram in the snow please", None, "generate_image", ["blue", "tram", "snow"], ["hey", "there"]),
    ("what is the capital of France?", None, None, [], []),
    ("make it blue", None, None, [], []),  # nothing to edit yet: a helpful answer instead
]


def route(text: str, current: str | None, images: list[dict] | None = None):
    turn = {"current_image_id": "img1", "current_prompt": current} if current else {}
    turn["extras"] = {"images": images or ([{"id": "img1", "prompt": current, "operation": "generate"}]
                                           if current else [])}
    router = IntentRouter().bind_tools(TOOLS, turn=turn)
    return router.invoke([HumanMessage(text)])


def _has(prompt: str, word: str) -> bool:
    import re

    return re.search(rf"\b{re.escape(word)}\b", prompt.lower()) is not None


@pytest.mark.parametrize(("text", "current", "tool", "must", "must_not"), PHRASINGS, ids=[p[0] for p in PHRASINGS])
def test_router_phrasing(text, current, tool, must, must_not):
    message = route(text, current)
    if tool is None:
        assert message.tool_calls == [] and message.content
        return
    assert [call["name"] for call in message.tool_calls] == [tool]
    prompt = message.tool_calls[0]["args"]["prompt"]
    assert [w for w in must if not _has(prompt, w)] == [], prompt
    assert [w for w in must_not if _has(prompt, w)] == [], prompt


LEDGER = [
    {"id": "a", "prompt": "a red fox", "operation": "generate", "seed": 1},
    {"id": "b", "prompt": "a blue fox", "operation": "edit", "parent_id": "a", "seed": 2},
    {"id": "c", "prompt": "a blue fox, with a hat", "operation": "edit", "parent_id": "b", "seed": 3},
]


@pytest.mark.parametrize(("text", "selected"), [
    ("undo", "b"), ("go back", "b"), ("the previous one was better", "b"), ("go back to the first one", "a"),
    ("the second picture", "b"), ("the red one", "a"), ("the one without the hat... no, the red one", "a"),  # the correction counts
    ("step back twice", "a"), ("nah. revert the last two changes", "a"), ("ctrl+z", "b"),
    ("gotta get back to the ward, thanks!!", None), ("Is the red one gone now? Did I lose it?", None),
])
def test_references_resolve_on_the_ledger(text, selected):
    message = IntentRouter().bind_tools(TOOLS, turn={
        "current_image_id": "c", "current_prompt": LEDGER[-1]["prompt"], "extras": {"images": LEDGER}}
    ).invoke([HumanMessage(text)])
    if selected is None:
        assert not message.tool_calls or message.tool_calls[0]["name"] != "select_image"
    else:
        assert message.tool_calls[0]["name"] == "select_image"
        assert message.tool_calls[0]["args"] == {"image_id": selected}


@pytest.mark.parametrize(("text", "n"), [("another one", None), ("try again", None), ("give me 3 variations", 3),
                                         ("show me 4 options", 4)])
def test_variations_draw_the_current_prompt_again(text, n):
    message = route(text, FOX, LEDGER)
    assert message.tool_calls[0]["name"] == "generate_image"
    assert message.tool_calls[0]["args"]["prompt"] == FOX
    assert message.tool_calls[0]["args"].get("n") == n


def test_the_router_only_calls_tools_it_was_given():
    router = IntentRouter().bind_tools([{"name": "generate_image"}], turn={"current_image_id": "x"})
    assert router.invoke([HumanMessage("make it blue")]).tool_calls == []


@pytest.mark.parametrize(
    ("current", "instruction", "merged"),
    [
        ("a red circle on a blue background", "make the circle green", "a green circle on a blue background"),
        ("a red circle on a blue background", "make the background yellow", "a red circle on a yellow background"),
        ("a small red star in the top left corner", "make it blue", "a small blue star in the top left corner"),
        ("a red fox, with a hat", "remove the hat", "a red fox"),
        ("a fox", "make it orange", "an orange fox"),
        ("an orange fox", "make it red", "a red fox"),
        ("a big blue square in the center on an orange background", "make the square red",
         "a big red square in the center on an orange background"),
        ("a lighthouse keeper feeding seagulls", "swap the seagulls for pelicans",
         "a lighthouse keeper feeding pelicans"),
        ("a cat on a dark blue background", "on a white background", "a cat on a white background"),
        # the words said of the old thing go with it; a new thing described in full brings its own
        ("a den with a grey sectional sofa and a rug", "swap the grey sofa for a cognac leather one",
         "a den with a cognac leather sofa and a rug"),
        ("a den with a grey sectional sofa and a rug", "replace the sofa with a tan leather armchair",
         "a den with a tan leather armchair and a rug"),
        ("a black cat on a red velvet cushion", "swap the cushion for a wicker basket", "a black cat on a wicker basket"),
        ("an attic bedroom with white bedding", "make the sky darker", "an attic bedroom with white bedding, darker sky"),
    ],
)
def test_merged_edit_prompts_keep_the_context(current, instruction, merged):
    assert merged_edit_prompt(current, instruction) == merged


def _with_subjects(text: str, current: str | None = None, attached: int = 0, shows: tuple[str, ...] = ("Rex",)):
    """The router with Rex and Zippy enrolled; `current`, when given, is a picture showing the subjects `shows`."""
    from chatcanvas.agent.router import IMAGE_RULES
    from chatcanvas.agent.subjects import SUBJECT_RULES

    subjects = [{"name": "Rex", "aliases": ["my dog"]}, {"name": "Zippy", "aliases": ["our brand mascot"]}]
    operation = "personalize" if shows else "generate"
    images = [{"id": "img1", "prompt": current, "operation": operation, "subjects": list(shows)}] if current else []
    turn = {"current_image_id": "img1", "current_prompt": current} if current else {}
    turn.update(attached_image_ids=[f"up{i}" for i in range(attached)], extras={"images": images, "subjects": subjects})
    tools = [*TOOLS, {"name": "generate_with_subject"}, {"name": "register_subject"}]
    router = IntentRouter(rules=[*SUBJECT_RULES, *IMAGE_RULES]).bind_tools(tools, turn=turn)
    return router.invoke([HumanMessage(text)])


@pytest.mark.parametrize(("text", "name", "aliases"), [
    ("Meet Zippy 🤖 our brand mascot! Attaching 3 product shots of the plush.", "Zippy",
     ["our brand mascot", "our mascot"]),
    ("ok so these are my twins. first up, this is Leo", "Leo", []),
    ("Attaching 6 angles of our new shoe. Please save it as Volt Runner", "Volt Runner", ["our new shoe", "our shoe"]),
])
def test_a_name_said_as_a_name_is_the_one_enrolled(text, name, aliases):
    calls = _with_subjects(text, attached=3).tool_calls
    assert [(c["name"], c["args"]["name"], c["args"].get("aliases", [])) for c in calls] == [
        ("register_subject", name, aliases)]


@pytest.mark.parametrize(("text", "name", "aliases"), [
    ("Biscuit!! she's 2 now, here are some pics of her, can you lern her", "Biscuit", []),  # the name, then the rest
    ("I want a silly birthday card for Dana, my wife. These are a few photos of her. Can you learn what she looks "
     "like?", "Dana", ["my wife"]),  # named in apposition; "Can" opens a sentence, it is no name
    ("oh and remember my cat as well, here's Mango.", "Mango", ["the cat"]),
    ("please also save my work van, Bertha, 4 photos", "Bertha", ["my work van", "my van"]),
    ("this is my hamster peanut remember him pls", "Peanut", ["my hamster"]),  # the ask after who is not the name
    ("And this is my brother Tomas, please remember too", "Tomas", ["my brother"]),
])
def test_a_name_with_the_ask_and_the_count_around_it(text, name, aliases):
    calls = _with_subjects(text, attached=4).tool_calls
    assert [(c["name"], c["args"]["name"], c["args"].get("aliases", [])) for c in calls] == [
        ("register_subject", name, aliases)]


@pytest.mark.parametrize(("text", "subject"), [
    ("zippy and rex having a picnic", "Zippy"),
    ("Rex and Zippy at the fair, cartoon style", "Rex"),
    ("a poster with our brand mascot and my dog", "Zippy"),
    ("my dog found a new friend: Zippy! draw them napping together", "Zippy"),
])
def test_two_subjects_named_the_first_is_drawn(text, subject):  # a name before an alias
    calls = _with_subjects(text).tool_calls
    assert [(c["name"], c["args"]["subject"]) for c in calls] == [("generate_with_subject", subject)]


@pytest.mark.parametrize("text", [
    "could you remember my daughter Mia? i'll upload photos later",
    "hey can you learn my grandad's face",
    "I'll send some pics of my parrot in a minute",
])
def test_asking_to_learn_someone_before_the_photos_is_talk(text):
    message = _with_subjects(text)
    assert message.tool_calls == [] and "photo" in message.content.lower()


@pytest.mark.parametrize("text", [
    "rex would hate this lol he's jealous of every dog he sees",
    "Rex is turning 3 tomorrow!",
    "Can other users of the app generate Zippy too? It's kind of proprietary",
    "ok actually please delete my photos now, i'm done",
])
def test_talk_about_a_subject_draws_nothing(text):
    message = _with_subjects(text, current="Rex on a rooftop at sunset")
    assert message.tool_calls == [] and message.content


@pytest.mark.parametrize(("text", "tool"), [
    ("Rex surfing a big wave", "generate_with_subject"),
    ("Need Zippy waving from a rooftop at sunset for a web banner", "generate_with_subject"),
    ("can he wear a crown too", "edit_image"),
])
def test_requests_about_a_subject_still_draw_or_edit(text, tool):
    calls = _with_subjects(text, current="Rex on a rooftop at sunset").tool_calls
    assert [c["name"] for c in calls] == [tool]
    assert not calls[0]["args"]["prompt"].lower().startswith("need")


@pytest.mark.parametrize(("text", "current", "must", "must_not"), [
    ("instead of bamboo, cherry blossoms", "a cat as a samurai in a bamboo forest", ["cherry", "cat"], ["bamboo"]),
    ("hmm lose the pipe, my kid's gonna see this lol", "an old fisherman smoking a pipe on a dock",
     ["fisherman", "dock"], ["pipe", "kid", "lol"]),
    ("hahaha the helmet is too much, take it off", "a cat as a samurai with a helmet", ["cat"], ["helmet", "hahaha"]),
    ("make the sky more purple", "a castle under a blue sky", ["castle", "purple", "sky"], ["blue", "more"]),
    ("ok wow that's close! but the sky feels off, more orange maybe?", "a mountain lake at sunset, watercolor",
     ["orange", "sky", "watercolor"], ["maybe", "wow"]),
    ("sick. swap the knight for a mage w/ a staff", "pixel art, a knight vs a skeleton", ["mage", "staff"],
     ["knight", "image"]),
    ("Great start! Client feedback: marble is too luxe, can we do a wooden counter instead?",
     "a bottle of cold brew on a marble counter", ["wooden", "counter", "bottle"], ["marble", "client"]),
    ("can he wear a crown too", "a corgi in a garden", ["corgi", "crown"], ["can", "wear"]),
])
def test_chatty_edits_keep_only_the_change(text, current, must, must_not):
    _edits_to(text, current, must, must_not)


def _edits_to(text: str, current: str, must: list[str], must_not: list[str]) -> None:
    message = route(text, current)
    assert [call["name"] for call in message.tool_calls] == ["edit_image"]
    prompt = message.tool_calls[0]["args"]["prompt"]
    assert [w for w in must if not _has(prompt, w)] == [], prompt
    assert [w for w in must_not if _has(prompt, w)] == [], prompt


def test_one_more_picture_in_the_same_look_is_a_new_picture():
    message = route("and one more picture, watercolor again: a school bus in the rain", "a cabin in the snow")
    assert [call["name"] for call in message.tool_calls] == ["generate_image"]
    assert message.tool_calls[0]["args"]["prompt"] == "a school bus in the rain, watercolor"


@pytest.mark.parametrize(("text", "name", "aliases"), [
    ("yo, 3 selfies attached, i'm jay. remember my face", "Jay", ["me"]),
    ("ok so these are 6 shots of me in my costume from Anime Expo. I go by Ravenwing online", "Ravenwing", ["me"]),
    ("my cats name is pancake 🥞 hes an orange tabby. heres 6 pics", "Pancake", ["my cat"]),
])
def test_names_said_in_lower_case_or_as_a_handle(text, name, aliases):
    calls = _with_subjects(text, attached=3).tool_calls
    assert [(c["name"], c["args"]["name"], c["args"].get("aliases", [])) for c in calls] == [
        ("register_subject", name, aliases)]


@pytest.mark.parametrize(("text", "current", "must", "must_not"), [
    ("ice cream out, birthday cake in", "a dragon eating ice cream in a castle", ["birthday", "cake", "castle"],
     ["ice"]),
    ("not a dagger, a rose", "a snake wrapped around a dagger", ["snake", "rose"], ["dagger"]),
    ("latest note from them lol: could the beach be a rooftop at night instead", "a saxophone on a sandy beach",
     ["saxophone", "rooftop", "night"], ["beach", "lol"]),
    ("My manager's notes: the robot is creepy, replace it with a friendly owl. Everything else is fine.",
     "a friendly robot handing a gold coin to a woman", ["owl", "coin", "woman"], ["robot", "manager"]),
    ("street -> seaside road at sunset, and no more rain", "a girl on a bicycle riding down a city street in the rain",
     ["girl", "seaside", "road"], ["rain", "street"]),
    ("put the bowler hat back on him, keep the monocle too", "a cat wearing a monocle on a throne",
     ["cat", "monocle", "bowler", "hat"], ["keep", "back"]),
    ("nah not pixel. gritty dark fantasy oil painting", "pixel art knight in front of a dungeon gate",
     ["knight", "oil", "painting"], ["pixel", "nah"]),
])
def test_one_thing_for_another_and_things_brought_back(text, current, must, must_not):
    _edits_to(text, current, must, must_not)


TATTOO = [
    {"id": "a", "prompt": "fine-line moon phases, black ink", "operation": "generate", "seed": 1},
    {"id": "b", "prompt": "fine-line moon phases, black ink, with tiny stars", "operation": "edit", "parent_id": "a",
     "seed": 2},
    {"id": "c", "prompt": "fine-line moon phases, black ink, with tiny stars, and a snake", "operation": "edit",
     "parent_id": "b", "seed": 3},
    {"id": "d", "prompt": "a big red triangle on a yellow background", "operation": "generate", "seed": 4},
    {"id": "e", "prompt": "a purple star on a black background", "operation": "generate", "seed": 5},
]


@pytest.mark.parametrize(("text", "current", "selected"), [
    ("hmm the snake is too much. the one before the stars actually", "c", "a"),
    ("i want the red triangle back", "e", "d"),
])
def test_the_picture_a_remark_points_back_to(text, current, selected):
    ledger = TATTOO[:3] if current == "c" else TATTOO
    turn = {"current_image_id": current, "current_prompt": next(i["prompt"] for i in ledger if i["id"] == current),
            "extras": {"images": ledger}}
    message = IntentRouter().bind_tools(TOOLS, turn=turn).invoke([HumanMessage(text)])
    assert [(c["name"], c["args"]) for c in message.tool_calls] == [("select_image", {"image_id": selected})]


@pytest.mark.parametrize(("text", "name", "aliases"), [
    ("these are shots of our new lamp, the Nova Glow. save it pls", "Nova Glow", ["our new lamp", "our lamp"]),
    ("4 pics of my crew, we're called night owls", "night owls", ["my crew"]),  # what the photos were said to show
    ("register me as djkat thanks", "djkat", ["me"]),
    ("her name is Clementine, she's a tiny hamster from the pet shop", "Clementine", ["the hamster"]),
    ("our pup Biscuit 🐶 took 4 pics of him", "Biscuit", ["our pup"]),
])
def test_chosen_names_and_kinds_are_read_from_an_introduction(text, name, aliases):
    calls = _with_subjects(text, attached=3).tool_calls
    assert [(c["name"], c["args"]["name"], c["args"].get("aliases", [])) for c in calls] == [
        ("register_subject", name, aliases)]


@pytest.mark.parametrize(("text", "must", "must_not"), [
    ("lets do one with him in a space suit on the moon", ["space", "moon"], ["rooftop"]),
    ("my boy as a firefighter next to a red truck", ["firefighter", "truck"], ["rooftop"]),
    ("one more of him at the lake? wait no, just him asleep on a sofa", ["sofa"], ["lake"]),
])
def test_a_new_scene_of_him_on_screen_draws_the_subject_again(text, must, must_not):
    calls = _with_subjects(text, current="Rex on a rooftop at sunset").tool_calls
    assert [(c["name"], c["args"]["subject"]) for c in calls] == [("generate_with_subject", "Rex")]
    prompt = calls[0]["args"]["prompt"]
    assert [w for w in must if not _has(prompt, w)] == [] and [w for w in must_not if _has(prompt, w)] == [], prompt


@pytest.mark.parametrize("text", [
    "my son loves his teddy, can i upload it??",
    "cool. my sister wants one too, does she need her own account?",
])
def test_questions_about_the_service_are_answered_in_words(text):
    for current in (None, "a teddy bear on a bed"):
        message = route(text, current)
        assert message.tool_calls == [] and message.content


def test_words_to_write_on_the_picture_keep_their_spelling():
    calls = route("could you write Best Dad Ever on the mug?", "a coffee mug on a desk").tool_calls
    assert [c["name"] for c in calls] == ["edit_image"]
    assert '"Best Dad Ever"' in calls[0]["args"]["prompt"] and "desk" in calls[0]["args"]["prompt"]


def test_a_colour_for_a_thing_the_prompt_does_not_name_adds_it():
    merged = merged_edit_prompt("a dancer on a stage under a spotlight", "change her skirt to red")
    assert _has(merged, "red") and _has(merged, "skirt") and _has(merged, "dancer") and not merged.startswith("red")


def test_the_one_before_a_batch_and_an_ordinal_of_the_new_ones():
    images = [{"id": "a", "prompt": "a fox", "operation": "generate", "seed": 1},
              {"id": "b", "prompt": "a fox in a hat", "operation": "edit", "parent_id": "a", "seed": 2},
              {"id": "c", "prompt": "a fox in a hat", "operation": "generate", "seed": 10},
              {"id": "d", "prompt": "a fox in a hat", "operation": "generate", "seed": 11},
              {"id": "e", "prompt": "a fox in a hat", "operation": "generate", "seed": 12}]
    turn = {"current_image_id": "e", "current_prompt": "a fox in a hat", "extras": {"images": images}}
    for text, picked in (("ok take me back to the pic before those", "b"), ("hmm the second of the new three", "d")):
        calls = IntentRouter().bind_tools(TOOLS, turn=turn).invoke([HumanMessage(text)]).tool_calls
        assert [(c["name"], c["args"].get("image_id")) for c in calls] == [("select_image", picked)], text


@pytest.mark.parametrize("text", ["and now the villain: a skeleton king on a throne of bones",
                                  "next up the final page, where the bear falls asleep under the stars"])
def test_the_next_part_of_a_series_is_a_new_picture(text):
    calls = route(text, "storybook style, a little bear with a red kite in a meadow").tool_calls
    assert [c["name"] for c in calls] == ["generate_image"]
    assert "kite" not in calls[0]["args"]["prompt"]


@pytest.mark.parametrize(("current", "instruction", "must", "must_not"), [
    ("a cozy cabin with a smoking chimney, warm red tones",
     "my husband hates red (don't ask) could we do it in green tones instead, and lose the smoke too",
     ["cabin", "green", "chimney"], ["red", "smoking", "husband", "hates"]),
    ("a desk with a laptop, with a potted cactus next to the laptop",
     "ugh the cactus looks kinda weird, drop it. laptop can stay", ["desk", "laptop"], ["cactus", "weird", "stay"]),
    ("a garden party, lots of tulips, long tables", "could the flowers be sunflowers rather than tulips? tulips won't fit "
     "the theme", ["sunflowers", "tables"], ["tulips", "theme"]),
    ("a poster of a cactus on a black background", "bg not black, more like sand", ["cactus", "sand", "background"],
     ["black"]),
    ("a cartoon of two cupcakes on a plate", "can we make it four cupcakes", ["four", "cupcakes", "plate"], ["two"]),
    ("a bedroom, modern style, navy bed, big window", "my client wants boho not modern, and the bed goes cream",
     ["boho", "cream", "bed", "window"], ["modern", "navy", "client"]),
    ("a lighthouse on a cliff in heavy fog", "the fog makes it way too gloomy. clear starry night instead",
     ["lighthouse", "starry"], ["fog", "gloomy"]),
    ("a big green star in the center on a white background", "Star → make it orange, bg stays white",
     ["orange", "star", "white"], ["green", "stays"]),
])
def test_edits_said_with_reasons_and_remarks_apply_only_the_changes(current, instruction, must, must_not):
    merged = merged_edit_prompt(current, instruction)
    assert [w for w in must if not _has(merged, w)] == [] and [w for w in must_not if _has(merged, w)] == [], merged


@pytest.mark.parametrize("text", ["hmm. is a dragon on a skateboard too silly though? be honest",
                                  "quick q - is there any difference between a logo and an icon? just curious",
                                  "does it understand stuff like 'cinematic'? like moody light, film grain"])
def test_questions_about_the_picture_stay_questions(text):
    message = route(text, "a dragon on a skateboard")
    assert message.tool_calls == [] and message.content


@pytest.mark.parametrize(("text", "name", "aliases"), [
    ("this is our shop cat, named Mrs. Whiskers. photos attached", "Mrs. Whiskers", ["our shop cat", "our cat"]),
    ("refs of my comic hero — Dana Quill. can you learn her?", "Dana Quill", []),
    ("we have a parrot, his name is Kiwi. here are photos", "Kiwi", ["my parrot"]),
    ("and now this is me, Rosa, so you can draw me too", "Rosa", ["me"]),
    ("Me and my brother call her Old Red. Photos below.", "Old Red", []),
])
def test_names_of_two_words_titles_and_what_the_user_has(text, name, aliases):
    calls = _with_subjects(text, attached=3).tool_calls
    assert [(c["name"], c["args"]["name"], c["args"].get("aliases", [])) for c in calls] == [
        ("register_subject", name, aliases)]


def _after_enrolling(text: str, images: list[dict], current: str, enrolled: bool = False):
    from chatcanvas.agent.router import IMAGE_RULES
    from chatcanvas.agent.subjects import SUBJECT_RULES

    subjects = [{"name": "Dana Quill", "aliases": []}, {"name": "Mr. Pickles", "aliases": ["my hamster"]}]
    prompt = next(i["prompt"] for i in images if i["id"] == current)
    turn = {"current_image_id": current, "current_prompt": prompt, "extras": {"images": images, "subjects": subjects}}
    tools = [*TOOLS, {"name": "generate_with_subject"}, {"name": "register_subject"}]
    enrolling = {"name": "register_subject", "args": {"name": "Mr. Pickles"}, "id": "c1", "type": "tool_call"}
    before = [HumanMessage("this is my hamster Mr. Pickles"), AIMessage("", tool_calls=[enrolling])] if enrolled else []
    return IntentRouter(rules=[*SUBJECT_RULES, *IMAGE_RULES]).bind_tools(tools, turn=turn).invoke(
        [*before, HumanMessage(text)]).tool_calls


def test_her_is_the_subject_just_enrolled_or_drawn_last():
    uploads = [{"id": f"u{i}", "prompt": None, "operation": "upload"} for i in range(3)]
    calls = _after_enrolling("ok let's begin with her reading in a treehouse", uploads, "u2", enrolled=True)
    assert [(c["name"], c["args"]["subject"]) for c in calls] == [("generate_with_subject", "Mr. Pickles")]
    ledger = [{"id": "a", "prompt": "Dana Quill on a rooftop", "operation": "personalize", "subjects": ["Dana Quill"]},
              {"id": "b", "prompt": "a foggy harbour at dawn, no people", "operation": "generate"}]
    calls = _after_enrolling("now put her in a crowded train station", ledger, "b")
    assert [(c["name"], c["args"]["subject"]) for c in calls] == [("generate_with_subject", "Dana Quill")]
    assert "train" in calls[0]["args"]["prompt"]
    calls = _after_enrolling("Mr. Pickles asleep in a teacup", ledger, "b")
    assert calls[0]["args"]["prompt"].startswith("Mr. Pickles asleep")


BATCH = [{"id": "a", "prompt": "a rainy street at night", "operation": "generate"},
         {"id": "b", "prompt": "a snowy street at night", "operation": "edit", "parent_id": "a"},
         {"id": "c", "prompt": "a snowy street at night, with a tram", "operation": "edit", "parent_id": "b"},
         *[{"id": f"v{i}", "prompt": "a snowy street at night, with a tram", "operation": "generate", "seed": i}
           for i in range(4)]]


@pytest.mark.parametrize(("text", "selected"), [
    ("ok we're going with option 2, that's the cover", "v1"),
    ("the first snowy one still beats these, keep that", "b"),
    ("she thinks the one without the tram was nicer", "b"),
    ("could you pull back up the rainy street one, I never saved it", "a"),
    ("take me back to the rainy one from the very beginning", "a"),
])
def test_pictures_picked_by_number_kind_and_what_they_lack(text, selected):
    calls = route(text, BATCH[-1]["prompt"], BATCH).tool_calls
    assert [(c["name"], c["args"].get("image_id")) for c in calls] == [("select_image", selected)], text


LINE = [{"id": "a", "prompt": "a kite over a beach", "operation": "generate"},
        {"id": "b", "prompt": "a kite over a beach, with a dog", "operation": "edit", "parent_id": "a"},
        {"id": "c", "prompt": "a kite over a beach, with a dog and a sandcastle", "operation": "edit", "parent_id": "b"},
        {"id": "d", "prompt": "a kite over a beach, with a dog and a sandcastle", "operation": "generate", "seed": 9},
        {"id": "e", "prompt": "a kite over a stormy beach, with a dog and a sandcastle", "operation": "edit",
         "parent_id": "d"}]


@pytest.mark.parametrize(("text", "selected"), [
    ("the version with only the dog was the best", "b"),  # not the later ones that show the dog and more
    ("can we return to the sandcastle one", "c"),  # re-rolled as d: the one it was drawn again from
])
def test_a_description_several_pictures_fit_picks_the_one_meant(text, selected):
    calls = route(text, LINE[-1]["prompt"], LINE).tool_calls
    assert [(c["name"], c["args"].get("image_id")) for c in calls] == [("select_image", selected)], text


def test_a_pick_then_a_change_of_it_edits_the_picked_one():
    calls = route("The second one's my favourite! could you add a red umbrella to that one", BATCH[-1]["prompt"],
                  BATCH).tool_calls
    assert [(c["name"], c["args"].get("image_id")) for c in calls] == [("edit_image", "v1")]
    assert "umbrella" in calls[0]["args"]["prompt"]


@pytest.mark.parametrize(("current", "instruction", "must", "must_not"), [
    ("a pair of black leather loafers on a wooden floor", "swap the loafers for red trainers, loafers are not my style",
     ["red", "trainers", "floor"], ["loafers", "black", "style"]),
    ("a grey cotton knit hoodie on a hanger", "paint the hoodie forest green pls", ["forest", "green", "hoodie"],
     ["grey"]),
    ("a lamp on an oak desk, with a mug", "meh the desk looks dated. glass and steel", ["glass", "steel", "desk"],
     ["oak", "dated"]),
    ("a castle above a flooded valley", "the valley shouldn't be flooded any more, make it green",
     ["green", "valley", "castle"], ["flooded"]),
    ("a knight in a silver suit of armour in a courtyard", "move him out of the courtyard into a snowy forest",
     ["snowy", "forest", "knight"], ["courtyard"]),
    ("a bowl of soup on a black slate table", "paler table, like light oak maybe, the slate feels heavy",
     ["oak", "table", "soup"], ["black", "slate", "heavy"]),
    ("a cabin by a lake with fog over the water", "could the fog be mist instead?", ["mist", "cabin"], ["fog"]),
    ("a kitchen with brass pendant lights and yellow tulips", "ugh the tulips are too much yellow. make them roses",
     ["roses", "kitchen"], ["tulips"]),
    ("a garden with a wooden bench and a birdbath", "lose the birdbath, they look tacky. the mailman said so lol",
     ["bench"], ["birdbath", "tacky", "mailman"]),
    ("a yellow front door, white fence", "door teal instead pls, yellow door + yellow sun is too much yellow",
     ["teal", "door", "fence"], ["yellow", "much"]),
    ("a vase of roses on a table", "the roses look fake. peonies instead 🌸 mom loves them", ["peonies", "vase"],
     ["roses", "fake"]),
    ("a house with a clay roof", "and try a blue roof too", ["blue", "roof"], ["clay"]),
])
def test_chatty_edits_keep_only_what_changes(current, instruction, must, must_not):
    merged = merged_edit_prompt(current, instruction)
    assert [w for w in must if not _has(merged, w)] == [] and [w for w in must_not if _has(merged, w)] == [], merged


@pytest.mark.parametrize(("text", "name", "aliases"), [
    ("aight sending 5. pixel is the name", "Pixel", []),
    ("ok so this is tofu my cat", "Tofu", ["my cat"]),
    ("and this is her little brother, call him Sam", "Sam", ["her little brother", "her brother"]),
    ("Hola! Here are fotos of our new puppy, we call him Chorizo", "Chorizo", ["our new puppy", "our puppy"]),
    ("also save these, that's my other cat Tofu", "Tofu", ["my other cat"]),  # not "my cat": that is the other one
])
def test_names_and_what_they_are_to_someone_read_from_an_enrollment(text, name, aliases):
    calls = _with_subjects(text, attached=3).tool_calls
    assert [(c["name"], c["args"]["name"], c["args"].get("aliases", [])) for c in calls] == [
        ("register_subject", name, aliases)]


def _after(text: str, images: list[dict], subjects: list[dict], previous: str | None = None, answer: str = ""):
    """The router's call for `text` with `images` in the conversation (the last one current) and `previous` the
    message before it, answered by `answer` (a tool call name or words)."""
    from chatcanvas.agent.router import IMAGE_RULES
    from chatcanvas.agent.subjects import SUBJECT_RULES

    current = images[-1] if images else None
    turn = {"current_image_id": current["id"] if current else None,
            "current_prompt": current.get("prompt") if current else None,
            "extras": {"images": images, "subjects": subjects}}
    tools = [*TOOLS, {"name": "generate_with_subject"}, {"name": "register_subject"}]
    router = IntentRouter(rules=[*SUBJECT_RULES, *IMAGE_RULES]).bind_tools(tools, turn=turn)
    history = []
    if previous is not None:
        said = AIMessage("", tool_calls=[{"name": answer, "args": {"name": "x"}, "id": "c1", "type": "tool_call"}]) \
            if answer else AIMessage("sure")
        history = [HumanMessage(previous), said]
    message = router.invoke([*history, HumanMessage(text)])
    return [(c["name"], c["args"]) for c in message.tool_calls]


def test_her_right_after_an_enrollment_is_the_one_just_enrolled():
    photos = [{"id": f"up{i}", "prompt": None, "operation": "upload"} for i in range(3)]
    leo = [{"name": "Leo", "aliases": ["my son"]}]
    for text in ("Could you please draw him as a knight riding a dragon?", "draw him sleeping in a basket",
                 "Please make him running in a field of sunflowers."):
        calls = _after(text, photos, leo, previous="Here's my son, please call him Leo.", answer="register_subject")
        assert calls[0][0] == "generate_with_subject" and calls[0][1]["subject"] == "Leo", text
        assert not calls[0][1]["prompt"].lower().startswith(("draw", "please", "could")), calls


def test_a_picture_described_in_one_sentence_and_pointed_at_in_the_next():
    leo = [{"name": "Leo", "aliases": ["my son"]}]
    images = [{"id": "k1", "prompt": "Leo as a knight riding a dragon", "operation": "personalize",
               "subjects": ["Leo"]},
              {"id": "k2", "prompt": "Leo as a knight riding a dragon, with a golden crown", "operation": "edit",
               "parent_id": "k1"},
              {"id": "p1", "prompt": "Leo as a pirate captain on a ship", "operation": "personalize",
               "subjects": ["Leo"]},
              {"id": "p2", "prompt": "Leo as a pirate captain on a ship, stormy", "operation": "edit",
               "parent_id": "p1"}]
    assert _after("Hmm, he says the knight with the crown was his favourite. Can we go back to it?", images, leo) == \
        [("select_image", {"image_id": "k2"})]
    assert _after("go back to it", images, leo) == [("select_image", {"image_id": "p1"})]  # a plain undo


@pytest.mark.parametrize(("text", "tool", "words"), [
    ("Quick question before we start: can I have two products enrolled at once?", None, []),
    ("Good day. Is possible to teach you our product so you draw it in new scenes?", None, []),
    ("cookie's a beagle btw, just fyi", None, []),
    ("Dust some powdered sugar over it", "edit_image", ["powdered sugar", "pastry"]),
    ("now just a pixel art dungeon, empty, no characters", "generate_image", ["pixel art", "dungeon"]),
    ("Now make Cookie sleeping near the fireplace in a winter house", "generate_with_subject", ["fireplace"]),
])
def test_what_people_say_around_an_enrolled_subject(text, tool, words):
    subjects = [{"name": "Cookie", "aliases": ["my dog"]}, {"name": "Pixel", "aliases": ["my boi"]}]
    images = [{"id": "c1", "prompt": "a pastry on a board next to a dog", "operation": "personalize",
               "subjects": ["Cookie"]}]
    calls = _after(text, images, subjects)
    assert [name for name, _ in calls] == ([tool] if tool else []), (text, calls)
    for word in words:
        assert word in calls[0][1]["prompt"].lower(), (text, calls)


@pytest.mark.parametrize(("text", "moves"), [
    ("actually put it in the middle", True), ("move the star to the bottom right", True),
    ("can you shift it a bit to the left", True), ("make the star bigger", False), ("make it blue", False),
])
def test_an_edit_that_moves_something_may_redraw_the_layout(text, moves):
    images = [{"id": "s1", "prompt": "a big pink star in the top left on a green background", "operation": "generate"}]
    calls = _after(text, images, [])
    assert calls[0][0] == "edit_image" and (calls[0][1].get("strength") == 0.95) == moves, calls


def _with(subjects: list[dict], text: str, current: str | None = None, shows: list[str] | None = None,
          attached: int = 0):
    from chatcanvas.agent.router import IMAGE_RULES
    from chatcanvas.agent.subjects import SUBJECT_RULES

    images = [{"id": "img1", "prompt": current, "operation": "generate", "subjects": shows or []}] if current else []
    turn = {"current_image_id": "img1", "current_prompt": current} if current else {}
    turn.update(attached_image_ids=[f"up{i}" for i in range(attached)], extras={"images": images, "subjects": subjects})
    tools = [*TOOLS, {"name": "generate_with_subject"}, {"name": "register_subject"}]
    return IntentRouter(rules=[*SUBJECT_RULES, *IMAGE_RULES]).bind_tools(tools, turn=turn).invoke([HumanMessage(text)])


FAMILY = [{"name": "Sophia", "aliases": ["my daughter", "sophie"]}, {"name": "Biscuit", "aliases": []},
          {"name": "Tomás", "aliases": []}, {"name": "Brightlane", "aliases": ["our logo"]},
          {"name": "Tide Necklace", "aliases": []}, {"name": "Duke", "aliases": ["my dog"]}]


@pytest.mark.parametrize(("text", "subject"), [
    ("now bisquit surfing a huge wave", "Biscuit"),  # a slip of the keyboard
    ("Sofia with a puppy in the snow", "Sophia"),  # spelled as it sounds
    ("oh and sophias first day of school with a big backpack", "Sophia"),
    ("can u make my daugther as a princess in a castle", "Sophia"),  # an alias's word, slipped
    ("Can you draw tomas as a chef in a busy kitchen?", "Tomás"),  # no accent on the keyboard
    ("Logo embroidered on a canvas tote.", "Brightlane"),  # an alias's noun opens the message
    ("the necklace on a model, studio lighting", "Tide Necklace"),  # a product named for what it is
])
def test_subjects_are_known_however_they_are_typed(text, subject):
    calls = _with(FAMILY, text).tool_calls
    assert [(c["name"], c["args"]["subject"]) for c in calls] == [("generate_with_subject", subject)]


@pytest.mark.parametrize("text", ["draw a biscuit tin on a shelf", "a baby in a crib"])
def test_a_common_word_is_not_taken_for_a_slipped_name(text):
    calls = _with(FAMILY + [{"name": "Leo", "aliases": ["the baby"]}], text).tool_calls
    assert [c["name"] for c in calls] == ["generate_image"]


@pytest.mark.parametrize("text", ["Duke is fourteen now, you know. Still the best dog on the whole lake.",
                                  "aww waffles is such a drama queen irl too",
                                  "Duke's done twelve summers on that lake, can you believe it",
                                  "Thanks so much! The grandkids adore Duke, he's been with us for years."])
def test_news_of_a_subject_is_answered_in_words(text):
    reply = _with(FAMILY + [{"name": "Waffles", "aliases": []}], text, current="a dog asleep by a fireplace",
                  shows=["Duke"])
    assert reply.tool_calls == [] and reply.content


def test_going_back_to_a_subject_with_a_new_scene_draws_it():
    calls = _with(FAMILY, "ok back to my dog — him at the vet getting a checkup", current="a red barn").tool_calls
    assert [(c["name"], c["args"]["subject"]) for c in calls] == [("generate_with_subject", "Duke")]
    assert "vet" in calls[0]["args"]["prompt"]


@pytest.mark.parametrize(("text", "name", "aliases"), [
    ("Uploading 6 shots of our new water bottle. Save it as 'Aurora' please", "Aurora", ["my bottle"]),
    ("here's my cat Samosa btw, remember her too", "Samosa", ["my cat"]),
])
def test_names_lose_their_quotes_and_asides(text, name, aliases):
    calls = _with(FAMILY, text, attached=4).tool_calls
    assert [(c["name"], c["args"]["name"], c["args"].get("aliases", [])) for c in calls] == [
        ("register_subject", name, aliases)]


@pytest.mark.parametrize("text", ["lol ok now just a random orange cat on pancakes, not duke",
                                  "very nice! can you make also other boxer dog, not Duke, for compare"])
def test_something_else_while_a_subject_is_on_screen_is_a_new_picture(text):
    calls = _with(FAMILY, text, current="Duke in the snow", shows=["Duke"]).tool_calls
    assert [c["name"] for c in calls] == ["generate_image"]


@pytest.mark.parametrize(("text", "name", "aliases"), [
    ("ok so this is mr waffles my bunny plushie ive had him since i was like 4 😭 pls remember him", "Mr Waffles",
     ["my bunny plushie"]),  # a lower-case name with a title; "him" at the end names no one
    ("my cat smokey passed away last month. these are my favourite photos of him. could you keep him", "Smokey",
     ["my cat"]),
    ("and this is his sister ruby", "Ruby", ["his sister"]),
    ("and here's a few of the two of us together, can you save those as 'us'? lol", "us", []),
    ("ok so these are our speckled mug, can u rember it as Speckle Mug", "Speckle Mug",
     ["our speckled mug", "our mug"]),  # "rember": a slip of "remember"
    ("remember this bouquet, it's our signature Sunday Posy", "Sunday Posy", []),
])
def test_enrollments_said_the_way_people_type_them(text, name, aliases):
    calls = _with(FAMILY, text, attached=4).tool_calls
    assert [(c["name"], c["args"]["name"], c["args"].get("aliases", [])) for c in calls] == [
        ("register_subject", name, aliases)]


@pytest.mark.parametrize(("text", "tool"), [
    ("ok wait do like a generic basketball shoe on a court, not ours", "generate_image"),  # "do like a": a filler
    ("can u do just a dragon by itself, like a cool one for a t-shirt", "generate_image"),  # a purpose, not merch
    ("It would be nice if the sky was purple", "edit_image"),  # a wish for the picture on screen
    ("draw a generic robot vacuum on a rug for a blog post, nothing to do with Duke", "generate_image"),
    ("and one with a generic dachshund for the back of the flyer", "generate_image"),  # not "the one with"
    ("Bless you. Duke would have loved this.", None),
    ("quick q, can you do text on the can? like an actual readable label", None),
    ("is it possible to add Kai as a subject later? he said ok", None),
])
def test_fillers_wishes_and_remarks_around_a_picture(text, tool):
    calls = _with(FAMILY, text, current="a dog in the snow under a blue sky", shows=["Duke"]).tool_calls
    assert [c["name"] for c in calls] == ([tool] if tool else []), (text, calls)


def test_a_slip_that_drops_a_letter_of_a_word_is_not_read_as_a_shorter_key_word():
    from chatcanvas.agent import language as lang

    assert lang.normalize("ella ridng a unicorn") == "ella ridng a unicorn"  # "riding" less a letter, not "ring"
    assert lang.normalize("a purpel circel") == "a purple circle"  # key words still read through their slips


@pytest.mark.parametrize("instruction", ["can you do the same but green", "same but green", "the same but in green"])
def test_the_same_but_a_colour_recolours_the_picture(instruction):
    from chatcanvas.agent import rewrite

    prompt = rewrite.edit_prompt("a bot giving a thumbs up, flat illustration, blue and white", instruction)
    assert "green" in prompt and "blue" not in prompt and "but" not in prompt, prompt


def test_a_picture_of_a_subject_is_found_by_what_the_user_calls_them():
    subjects = [{"name": "Rosa", "aliases": ["grandma", "nana"]}, {"name": "Luis", "aliases": ["pops"]}]
    images = [{"id": "r1", "prompt": "a subject as a superhero with a cape", "operation": "personalize",
               "subjects": ["Rosa"], "subject_aliases": ["grandma", "nana"]},
              {"id": "r2", "prompt": "a subject as a superhero with a gold cape", "operation": "edit",
               "parent_id": "r1"},
              {"id": "l1", "prompt": "a subject as her sidekick", "operation": "personalize", "subjects": ["Luis"],
               "subject_aliases": ["pops"]},
              {"id": "l2", "prompt": "a subject as her sidekick, with a mustache", "operation": "edit",
               "parent_id": "l1"}]
    assert _after("ok go back to grandmas", images, subjects) == [("select_image", {"image_id": "r2"})]


@pytest.mark.parametrize(("instruction", "current", "must", "must_not"), [
    ("it would be nice if the circle was bigger", "a red circle on a blue background", ["big red circle"], ["was"]),
    ("the students were wearing white", "students in a classroom", ["students wearing white"], ["white students"]),
    ("the students wearing white", "students in a classroom", ["students wearing white"], ["white students"]),
])
def test_wishes_and_clothes_change_the_picture_as_meant(instruction, current, must, must_not):
    from chatcanvas.agent import rewrite

    prompt = rewrite.edit_prompt(current, instruction)
    assert all(word in prompt for word in must) and not any(word in prompt for word in must_not), prompt


@pytest.mark.parametrize(("text", "name", "aliases"), [
    ("Attaching our bakery's logo... well, our shop logo (Crumbly), 4 files", "Crumbly", ["our shop logo", "our logo"]),
    ("Nugget!!! that's my grandma's old parrot, 3 pics attached", "Nugget", ["my grandma's old parrot"]),
    ("Hey! this is my dog Bolt", "Bolt", ["my dog"]),  # a greeting first is no name
])
def test_a_name_in_brackets_or_said_first_then_who_it_is(text, name, aliases):
    calls = _with_subjects(text, attached=3).tool_calls
    assert [(c["name"], c["args"]["name"], c["args"].get("aliases", [])[:1]) for c in calls] == [
        ("register_subject", name, aliases[:1])]


def test_more_photos_of_someone_enrolled_are_for_them():
    calls = _with_subjects("ok here are a few more pics of my dog, the light was better today", attached=2).tool_calls
    assert [(c["name"], c["args"]["name"]) for c in calls] == [("register_subject", "Rex")]


@pytest.mark.parametrize("text", [
    "my dad retires next month and I want something for his farewell, any ideas?",
    "need a poster for the bake sale... what would you suggest?",
    "Rex's birthday is coming up, got any fun ideas?",
])
def test_asking_for_ideas_is_talk(text):
    message = _with_subjects(text)
    assert message.tool_calls == [] and message.content


@pytest.mark.parametrize(("text", "current", "must", "must_not"), [
    ("blue scarf on him", "a snowman in a park", ["snowman", "scarf", "blue"], []),
    ("I'd like a green bow on her head", "a girl on a swing", ["girl", "bow", "green"], []),
    ("stone instead of wood", "a cabin with a wooden door", ["stone", "door", "cabin"], ["wooden"]),
    ("blue on the car", "a red car on a road", ["blue", "car"], ["red"]),  # a colour alone still recolours
])
def test_a_coloured_thing_put_on_someone_and_a_material_for_another(text, current, must, must_not):
    _edits_to(text, current, must, must_not)


@pytest.mark.parametrize(("text", "current", "must"), [
    ("same picture but with my dog instead", "a beagle digging in a flower bed", ["digging", "flower"]),
    ("now swap it for Rex", "a poodle wearing a crown", ["crown"]),
])
def test_a_subject_cast_into_the_scene_on_screen(text, current, must):
    calls = _with_subjects(text, current, shows=()).tool_calls
    assert [(c["name"], c["args"]["subject"]) for c in calls] == [("generate_with_subject", "Rex")]
    prompt = calls[0]["args"]["prompt"]
    assert prompt.startswith("Rex") and all(_has(prompt, word) for word in must), prompt


@pytest.mark.parametrize(("text", "current", "must", "must_not"), [
    ("Same look please: a hot air balloon over a canyon", "a sailboat at sea, flat vector illustration, pastel colors",
     ["balloon", "canyon", "vector", "pastel"], ["sailboat"]),
    ("and a fox in the woods, same watercolor style", "a heron by a pond, watercolor",
     ["fox", "woods", "watercolor"], ["heron"]),
    ("Now the kitchen, same vibe", "a cozy living room, scandinavian style, a dog asleep on the rug",
     ["kitchen", "scandinavian"], ["dog", "rug"]),  # how it looks goes along, not what else it shows
])
def test_a_new_subject_in_the_same_look_is_a_new_picture_in_that_look(text, current, must, must_not):
    message = route(text, current)
    assert [call["name"] for call in message.tool_calls] == ["generate_image"], message.tool_calls
    prompt = message.tool_calls[0]["args"]["prompt"]
    assert [w for w in must if not _has(prompt, w)] == [], prompt
    assert [w for w in must_not if _has(prompt, w)] == [], prompt


@pytest.mark.parametrize(("text", "current", "must", "must_not"), [
    ("can it look like a chalk drawing on a sidewalk?", "a dragon flying over a castle", ["chalk", "dragon"], []),
    ("make the curtains a pale yellow", "a bedroom with blue curtains and a bed", ["curtains", "pale", "yellow"],
     ["blue"]),
])
def test_a_medium_keeps_what_it_is_made_with_and_a_colour_for_a_named_thing(text, current, must, must_not):
    _edits_to(text, current, must, must_not)


@pytest.mark.parametrize("text", ["New idea: a robot watering tomatoes", "ok different idea - a robot watering tomatoes"])
def test_a_new_idea_said_first_is_not_part_of_the_picture(text):
    message = route(text, "a harbor at dusk")
    assert [call["name"] for call in message.tool_calls] == ["generate_image"]
    assert message.tool_calls[0]["args"]["prompt"].lower().startswith("a robot watering tomatoes")


def test_my_name_said_with_the_photos_is_the_user():
    calls = _with_subjects("Sending 4 selfies. My name is Dev.", attached=4).tool_calls
    assert [(c["name"], c["args"]["name"], c["args"].get("aliases")) for c in calls] == [
        ("register_subject", "Dev", ["me"])]


@pytest.mark.parametrize("text", ["how do I save a picture?", "save it as a png please", "perfect, download it",
                                  "where are my pictures stored?"])
def test_asking_for_the_picture_as_a_file_is_answered_in_words(text):
    message = route(text, "a cat on a sofa")
    assert message.tool_calls == [] and "/save" in message.content and "download" in message.content


def test_a_change_then_the_file_changes_only_the_picture():
    _edits_to("make it blue and save it", "a cat on a sofa", ["blue", "cat"], ["save"])


def _turn(text: str, subjects: tuple = (), current: str | None = None, shows: tuple[str, ...] = (), attached: int = 0,
          previous: str | None = None):
    """The router with `subjects` ((name, aliases) pairs) enrolled, `current` on screen showing `shows`, and the
    user's `previous` message answered in words."""
    from langchain_core.messages import AIMessage

    from chatcanvas.agent.router import IMAGE_RULES
    from chatcanvas.agent.subjects import SUBJECT_RULES

    images = [{"id": "img1", "prompt": current, "operation": "personalize" if shows else "generate",
               "subjects": list(shows)}] if current else []
    turn = {"current_image_id": "img1", "current_prompt": current} if current else {}
    turn.update(attached_image_ids=[f"up{i}" for i in range(attached)], extras={
        "images": images, "subjects": [{"name": name, "aliases": list(aliases)} for name, aliases in subjects]})
    tools = [*TOOLS, {"name": "generate_with_subject"}, {"name": "register_subject"}]
    router = IntentRouter(rules=[*SUBJECT_RULES, *IMAGE_RULES]).bind_tools(tools, turn=turn)
    said = [HumanMessage(previous), AIMessage("ok")] if previous else []
    return router.invoke([*said, HumanMessage(text)])


@pytest.mark.parametrize(("text", "current", "must", "must_not"), [
    ("sunny now", "a bus stop on a rainy street", ["sunny", "bus", "street"], ["rainy"]),
    ("make it a calm bright day", "a ship in a storm at night", ["calm", "ship", "day"], ["storm", "night"]),
    ("turn the kite orange. no, yellow", "a kite over a hill", ["yellow", "kite"], ["orange"]),
    ("the red feels too loud, go with teal", "a red door on a white house", ["teal", "door"], ["red"]),
    ("make the flag purple, red is the rival team's colour", "a red flag on a castle", ["purple", "flag"],
     ["red", "rival"]),
    ("she's carrying an umbrella too", "a girl walking in a park", ["umbrella", "girl"], []),
    ("Maybe a heron in the background?", "a pond with lilies", ["heron", "pond"], []),
    ("skating across a frozen lake", "a penguin in a scarf", ["skating", "penguin"], []),
    ("warmer, like late afternoon sun", "a kitchen with white tiles", ["warmer", "kitchen"], []),
    ("the same at dusk with lanterns in the trees", "a garden party", ["dusk", "lanterns", "garden"], []),
    ("hmm it's a bit too dark", "a tent in a forest", ["brighter", "tent"], ["dark"]),
    ("the tent is way too big", "a tent in a forest", ["small", "tent"], ["big"]),
    ("can you make it look spookier", "a tent in a forest", ["spookier", "tent"], ["look"]),
    ("the roof is way more orange than that, can you fix it", "a cottage with a brown roof", ["orange", "roof"],
     ["brown", "fix"]),
    ("turn him into a walrus", "a seal on an ice floe", ["walrus", "ice"], ["seal"]),
    ("paint the door red... actually yellow", "a cottage with a green door", ["yellow", "door"], ["red", "green"]),
    ("make it four storeys, six is too many for the street", "a six storey house on a street", ["four", "house"],
     ["six", "many"]),
    ("she wants it to be a hot air balloon now", "a pig flying a paper balloon over town", ["hot", "air", "balloon",
                                                                                            "pig"], ["paper"]),
])
def test_weather_corrections_reasons_and_fragments_change_the_picture(text, current, must, must_not):
    _edits_to(text, current, must, must_not)


@pytest.mark.parametrize(("text", "current", "n"), [("regen that x3", "a fox", 3), ("again 2x", "a fox", 2)])
def test_a_count_after_a_re_roll(text, current, n):
    calls = route(text, current).tool_calls
    assert [(c["name"], c["args"]["prompt"], c["args"].get("n")) for c in calls] == [("generate_image", current, n)]


@pytest.mark.parametrize(("text", "current"), [
    ("we like it too", "a fox"), ("can you draw hands?", None), ("could it do lettering on a sign?", None),
    ("can we show these to the class?", "a volcano"), ("Fantastico.", "a fox"), ("battery's dying, bye", "a fox"),
    ("cheers, back to work", "a fox"),
])
def test_praise_and_questions_about_what_it_can_do_are_talk(text, current):
    message = route(text, current)
    assert message.tool_calls == [] and message.content


@pytest.mark.parametrize(("text", "starts"), [
    ("one last one: a snail racing a turtle", "a snail racing"), ("@drawbot a llama on a skateboard", "a llama"),
    ("need product shots for our store. a candle on a wooden shelf", "a candle on"),
    ("a lake at dawn. no wait, a canoe. a canoe on a lake at dawn", "a canoe on a lake"),
    ("(my daughter is typing) she says: a mermaid reading a comic", "a mermaid reading"),
    ("my niece wants ideas for her costume. picture this: a jellyfish with fairy lights", "a jellyfish with"),
    ("ok and one for the closing page - what would a moon base look like in 2100", "a moon base in 2100"),

])
def test_what_is_around_a_new_picture_is_no_part_of_it(text, starts):
    calls = route(text, "a frog").tool_calls
    assert [c["name"] for c in calls] == ["generate_image"]
    assert calls[0]["args"]["prompt"].lower().startswith(starts), calls[0]["args"]["prompt"]


@pytest.mark.parametrize(("text", "starts"), [
    ("we're off to Lisbon in May. could we see what the trams look like at night", "the trams at night"),
    ("I was wondering whether you could possibly show me a lighthouse made of books. Many thanks.", "a lighthouse made"),
])
def test_a_first_picture_asked_for_among_plans_and_courtesies(text, starts):
    calls = route(text, None).tool_calls
    assert [c["name"] for c in calls] == ["generate_image"]
    assert calls[0]["args"]["prompt"].lower().startswith(starts), calls[0]["args"]["prompt"]


def test_photos_of_someone_named_in_the_message_before():
    calls = _turn("sending 5 photos of him", attached=5,
                  previous="we have a parrot called Captain Jack, can he be in your pictures?").tool_calls
    assert [(c["name"], c["args"]["name"]) for c in calls] == [("register_subject", "Captain Jack")]
    calls = _turn("here are 6 of Biscuit", attached=6).tool_calls
    assert [(c["name"], c["args"]["name"]) for c in calls] == [("register_subject", "Biscuit")]


@pytest.mark.parametrize("text", ["we have a parrot called Captain Jack, can he be in your pictures?",
                                  "i'd like to add my grandma so you can draw her"])
def test_wanting_someone_drawn_before_any_photos_is_told_how(text):
    message = _turn(text)
    assert message.tool_calls == [] and "photos" in message.content


@pytest.mark.parametrize(("text", "subjects", "current", "shows", "subject", "must", "must_not"), [
    ("a picture where I'm riding a camel", (("Ana", ("me", "myself")),), None, (), "Ana", ["camel"], []),
    ("same for my son", (("Ana", ("me",)), ("Leo", ("my son",))), "Ana riding a camel in the desert", ("Ana",), "Leo",
     ["camel", "desert"], ["Ana"]),
    ("Biscuit's first day at school, with a tiny backpack", (("Biscuit", ("my dog",)),), None, (), "Biscuit",
     ["school", "backpack"], []),
    ("My brother is turning 30 and he's obsessed with surfing, honestly it's all he talks about, so I had this idea - "
     "could you do one of my brother riding a huge wave?", (("Tom", ("my brother",)),), None, (), "Tom", ["wave"],
     ["30", "idea"]),
])
def test_subjects_drawn_the_way_people_ask(text, subjects, current, shows, subject, must, must_not):
    calls = _turn(text, subjects, current, shows).tool_calls
    assert [(c["name"], c["args"]["subject"]) for c in calls] == [("generate_with_subject", subject)]
    prompt = calls[0]["args"]["prompt"]
    assert [w for w in must if not _has(prompt, w)] == [] and [w for w in must_not if _has(prompt, w)] == [], prompt


def test_a_thing_that_shares_a_name_with_a_subject_said_as_the_thing():
    calls = _turn("an actual pepper on a chopping board", (("Pepper", ("my dog",)),)).tool_calls
    assert [c["name"] for c in calls] == ["generate_image"]


def test_a_request_in_another_language_s_word_order():
    _edits_to("please you can give her a crown of queen?", "a dog on a sofa", ["queen", "crown", "dog"], ["you", "can"])
    from chatcanvas.agent.rewrite import described_in

    assert described_in("good morning, this is my horse Lucky. you can make the sky pink?") == "a horse"


def test_more_ways_subjects_are_named_and_asked_for():
    calls = _turn("right, pictures of her attached, fingers crossed they work", attached=4,
                  previous="can you learn my niece? her name is Ada").tool_calls
    assert [(c["name"], c["args"]["name"]) for c in calls] == [("register_subject", "Ada")]
    calls = _turn("this is my grandad bernard, he turns 90 next week", attached=3).tool_calls
    assert [(c["name"], c["args"]["name"], c["args"].get("aliases")) for c in calls] == [
        ("register_subject", "Bernard", ["my grandad"])]
    calls = _turn("could grandpa be a cowboy on a horse", (("Walt", ("my grandpa",)),)).tool_calls
    assert [(c["name"], c["args"]["subject"]) for c in calls] == [("generate_with_subject", "Walt")]
    calls = _turn("the twins start school monday and he's obsessed with dinosaurs, so could you draw Sam riding one?",
                  (("Sam", ("my son",)),)).tool_calls
    assert [c["name"] for c in calls] == ["generate_with_subject"] and "a dinosaur" in calls[0]["args"]["prompt"]



@pytest.mark.parametrize(("text", "subjects", "expected"), [
    ("me walking otis along the river", (("Sam", ("me",)), ("Otis", ("my dog",))), "Sam"),
    ("grandpa and rex fishing on a lake", (("Walter", ("grandpa",)), ("Rex", ("my dog",))), "Walter"),
    ("draw me and pico on a rooftop at night", (("Ana", ("me",)), ("Pico", ("our robot",))), "Ana"),
    ("the groom in a grey suit by a lake", (("Daniel", ("my husband",)), ("Priya", ("my wife", "me"))), "Daniel"),
    ("feed the kids' rabbit a carrot in a garden", (("Clover", ("the kids' rabbit",)),), "Clover"),
])
def test_the_subject_named_first_or_by_role_is_drawn(text, subjects, expected):
    calls = _turn(text, subjects).tool_calls
    assert [(c["name"], c["args"]["subject"]) for c in calls] == [("generate_with_subject", expected)]


@pytest.mark.parametrize(("text", "previous", "name", "alias"), [
    ("sending 6 views of Pico, my robot", None, "Pico", None),
    ("ok. here's 4 different angles of Juniper", None, "Juniper", None),
    ("and this is his pony, Clover. she's 19", None, "Clover", "his pony"),
    ("here are 3 of her, she's Maple", None, "Maple", None),
    ("heres pics of him, hes biscuit", None, "Biscuit", None),
    ("here the pics", "next i'm sending my nephew. his name is Tomás.", "Tomás", None),
])
def test_names_said_around_the_photos(text, previous, name, alias):
    calls = _turn(text, attached=4, previous=previous).tool_calls
    assert [c["name"] for c in calls] == ["register_subject"]
    assert calls[0]["args"]["name"] == name
    if alias:
        assert alias in calls[0]["args"]["aliases"]


def test_a_question_before_the_photos_names_no_one():
    calls = _turn("here are 5 of her, she's Wren", attached=5, previous="How do I download these to my laptop?").tool_calls
    assert calls[0]["args"]["name"] == "Wren"


@pytest.mark.parametrize("text", [
    "a cake for Rex's birthday, shaped like a bone",
    "something rex would love, maybe a rope ball",
    "a chew toy that Rex would like",
])
def test_made_for_a_subject_is_not_a_picture_of_them(text):
    calls = _turn(text, (("Rex", ("my dog",)),)).tool_calls
    assert [c["name"] for c in calls] != ["generate_with_subject"]


@pytest.mark.parametrize("text", [
    "can you really do pictures of my nephews?",
    "Could You Paint My Cat If I Send You Some Photos?",
    "can u learn what my car looks like",
])
def test_asking_whether_ones_own_can_be_drawn_is_answered(text):
    answer = _turn(text)
    assert not answer.tool_calls and "photos" in answer.content


@pytest.mark.parametrize(("text", "kind", "drawn"), [
    ("Launching our new floor lamp, the Beam, in spring. 5 studio photos", "the lamp", "the lamp by a reading chair"),
    ("product name is Tidewell, insulated steel bottle. pics attached", "the bottle", "the bottle on a mountain trail"),
    ("my son and I knitted this little doll! it's called Pim", "the doll", "the doll on a bookshelf"),
])
def test_what_an_enrolled_thing_is_names_it_too(text, kind, drawn):
    calls = _turn(text, attached=5).tool_calls
    assert calls[0]["name"] == "register_subject" and kind in calls[0]["args"]["aliases"]
    name = calls[0]["args"]["name"]
    calls = _turn(drawn, ((name, tuple(calls[0]["args"]["aliases"])),)).tool_calls
    assert [(c["name"], c["args"]["subject"]) for c in calls] == [("generate_with_subject", name)]


@pytest.mark.parametrize(("text", "previous", "expected"), [
    ("could you draw her as a pilot in an old biplane", "my aunt finally got her pilot licence, so proud", "June"),
    ("maybe him on a sailboat, finally on holiday", "Dad's retiring in june after 40 years at the bank", "Geoff"),
])
def test_him_or_her_after_talk_about_them_is_them(text, previous, expected):
    subjects = (("June", ("my aunt",)), ("Geoff", ("dad", "my dad")))
    calls = _turn(text, subjects, previous=previous).tool_calls
    assert [(c["name"], c["args"]["subject"]) for c in calls] == [("generate_with_subject", expected)]


@pytest.mark.parametrize(("text", "expected"), [
    ("Grandpa wants one as well - grandpa teaching the boys to fish off a pier", "Walter"),
    ("Rex is our old beagle, you know him already. Could he be chasing leaves in an autumn park?", "Rex"),
])
def test_the_one_in_the_scene_not_the_one_who_asks(text, expected):
    subjects = (("Walter", ("grandpa",)), ("Boys", ("the boys",)), ("Rex", ("my dog",)))
    calls = _turn(text, subjects, current="the boys at a football match", shows=("Boys",)).tool_calls
    assert [(c["name"], c["args"]["subject"]) for c in calls] == [("generate_with_subject", expected)]


@pytest.mark.parametrize("text", [
    "Pepper won a blue ribbon at the county fair!! so proud",
    "mia lost her first tooth today lol",
])
def test_news_of_an_enrolled_one_is_talk(text):
    answer = _turn(text, (("Pepper", ("my dog",)), ("Mia", ("my daughter",))))
    assert answer.tool_calls == [] and answer.content


@pytest.mark.parametrize("text", [
    "meet my nephew Arlo, he loves his bike",
    "this is me, Dana, with my favourite hat",
    "here's Leo! he won't go anywhere without his bike",
])
def test_people_are_not_named_for_their_things(text):
    calls = _turn(text, attached=4).tool_calls
    assert calls[0]["name"] == "register_subject"
    assert not any(alias in ("the bike", "the hat") for alias in calls[0]["args"].get("aliases", []))


def _chat(history: list[tuple[str, str | None]], text: str, subjects: tuple = (), images: tuple[dict, ...] = (),
          attached: int = 0):
    """The router after `history`: each (message, tool) pair is a user's message and the tool its turn called (None:
    answered in words); the conversation's `images` (the last is current) and `attached` photos with `text`."""
    from langchain_core.messages import ToolMessage

    from chatcanvas.agent.router import IMAGE_RULES
    from chatcanvas.agent.subjects import SUBJECT_RULES

    turn = {"attached_image_ids": [f"p{i}" for i in range(attached)],
            "extras": {"images": list(images), "subjects": [{"name": name, "aliases": list(aliases)}
                                                            for name, aliases in subjects]}}
    if images:
        turn.update(current_image_id=images[-1]["id"], current_prompt=images[-1]["prompt"])
    tools = [*TOOLS, {"name": "generate_with_subject"}, {"name": "register_subject"}]
    router = IntentRouter(rules=[*SUBJECT_RULES, *IMAGE_RULES]).bind_tools(tools, turn=turn)
    messages = []
    for i, (said, tool) in enumerate(history):
        messages.append(HumanMessage(said))
        if tool is None:
            messages.append(AIMessage("ok"))
        else:
            messages += [AIMessage("", tool_calls=[{"name": tool, "args": {"name": "x", "prompt": said}, "id": f"c{i}",
                                                     "type": "tool_call"}]),
                         ToolMessage("done", tool_call_id=f"c{i}"), AIMessage("done")]
    return router.invoke([*messages, HumanMessage(text)])


@pytest.mark.parametrize(("history", "text", "subjects", "subject"), [
    ([("these are of my niece, her name is Ana", "register_subject"), ("r u keeping these private?", None)],
     "can you draw her as a knight on a horse", (("Ana", ("my niece",)),), "Ana"),
    ([("my sons birthday is next week", None), ("he's turning 5 and loves trains", None)],
     "could u draw him driving a steam train", (("Tom", ("my son",)), ("Rex", ("the dog",))), "Tom"),
])
def test_her_after_talk_is_the_one_the_talk_was_about(history, text, subjects, subject):
    (call,) = _chat(history, text, subjects).tool_calls
    assert (call["name"], call["args"]["subject"]) == ("generate_with_subject", subject)


def test_her_after_talk_of_no_one_enrolled_is_no_subject():
    message = _chat([("my neighbour just had a baby girl", None)], "draw her in a flower crown",
                    (("Rex", ("the dog",)),))
    assert all(call["name"] != "generate_with_subject" for call in message.tool_calls)


@pytest.mark.parametrize(("text", "name", "aliases"), [
    ("Now my wife. These are pictures of Marta from our holiday in Crete.", "Marta", []),
    ("And these are of her brother, Tomas, he is 9.", "Tomas", ["her brother"]),
    ("ok so we adopted a kitten!! meet her, her names bean", "Bean", ["my kitten"]),
    ("this is Ziggy, our grey tabby, she's 2", "Ziggy", ["our grey tabby", "our tabby"]),
])
def test_a_name_ends_where_what_is_said_of_them_begins(text, name, aliases):
    (call,) = _with_subjects(text, attached=3).tool_calls
    assert (call["name"], call["args"]["name"], call["args"].get("aliases", [])) == ("register_subject", name, aliases)


@pytest.mark.parametrize("text", ["Here they are.", "here u go", "ok sent"])
def test_photos_sent_after_naming_them_in_words_enrol_the_one_named(text):
    (call,) = _turn(text, attached=4, previous="I have some photos of my granddaughter Rosa, she is 5. "
                                               "I will send them now.").tool_calls
    assert (call["name"], call["args"]["name"]) == ("register_subject", "Rosa")


@pytest.mark.parametrize(("text", "subjects", "subject"), [
    ("ok now the cat curled up in a laundry basket", (("Ziggy", ("the tabby",)),), "Ziggy"),
    ("just the horse this time, rolling in the mud", (("Storm", ("my mare",)),), "Storm"),
    ("my girl on a skateboard at the park", (("Ines", ("my daugther",)),), "Ines"),
])
def test_a_kind_said_another_way_is_the_one_enrolled(text, subjects, subject):
    (call,) = _turn(text, subjects=subjects).tool_calls
    assert (call["name"], call["args"]["subject"]) == ("generate_with_subject", subject)


@pytest.mark.parametrize(("text", "current", "subjects"), [
    ("we just adopted a rescue greyhound!!! shes so shy", None, ()),
    ("our bunny chewed through the laptop charger last night lol", None, ()),
    ("Pip stole a whole croissant off the counter this morning", None, (("Pip", ("our dog",)),)),
    ("she actually came first in her spelling bee today!!", "a girl holding a trophy", ()),
    ("guess what, my little brother finally passed his driving test", "a red car on a road", ()),
])
def test_something_that_happened_told_is_talk(text, current, subjects):
    message = _turn(text, subjects=subjects, current=current)
    assert not message.tool_calls and message.content


@pytest.mark.parametrize(("text", "tool"), [
    ("a dragon ate the moon", "generate_image"),
    ("my dog chased a butterfly, can you draw that", "generate_image"),
    ("a knight lost in a dark forest", "generate_image"),
])
def test_a_scene_in_the_past_tense_or_asked_for_is_drawn(text, tool):
    (call,) = _turn(text).tool_calls
    assert call["name"] == tool


@pytest.mark.parametrize(("text", "current", "must", "must_not"), [
    ("she is black with white foots", "a cat on a sofa", ["black", "cat", "white"], ["she"]),
    ("he's got a white blaze on his face tho", "a horse jumping a fence", ["blaze", "horse", "fence"], ["tho"]),
    ("he looks kinda grumpy lol make him happy", "a dog in a garden", ["happy", "dog", "garden"], ["grumpy", "lol"]),
])
def test_what_they_really_look_like_or_a_remark_then_an_ask_changes_the_picture(text, current, must, must_not):
    (call,) = _turn(text, current=current).tool_calls
    assert call["name"] == "edit_image"
    assert all(_has(call["args"]["prompt"], word) for word in must), call["args"]["prompt"]
    assert not any(_has(call["args"]["prompt"], word) for word in must_not), call["args"]["prompt"]


@pytest.mark.parametrize("text", ["he looks so proud", "she's so pink lol", "my kids are gonna lose it"])
def test_a_remark_on_the_picture_is_still_talk(text):
    message = _turn(text, current="a dog on a beach")
    assert not message.tool_calls


@pytest.mark.parametrize(("text", "name"), [
    ("Name's Marcus. Attaching six selfies, I'm after a new work headshot", "Marcus"),
    ("I'm tired of my old profile pic lol. Name is Priya, 5 selfies", "Priya"),
])
def test_a_name_given_with_selfies_is_the_user(text, name):
    (call,) = _with_subjects(text, attached=5).tool_calls
    assert (call["args"]["name"], call["args"].get("aliases")) == (name, ["me"])


@pytest.mark.parametrize(("text", "subject", "must"), [
    ("zoes turn she wants to be an astronaut", "Zoe", ["zoe", "astronaut"]),
    ("ok ivys turn, riding a unicorn over a rainbow", "Ivy", ["ivy", "unicorn"]),
])
def test_whose_turn_it_is_draws_them(text, subject, must):
    (call,) = _turn(text, subjects=(("Zoe", ("my daughter",)), ("Ivy", ("my niece",))), current="Zoe in a garden",
                    shows=("Zoe",)).tool_calls
    assert (call["name"], call["args"]["subject"]) == ("generate_with_subject", subject)
    assert all(_has(call["args"]["prompt"], word) for word in must), call["args"]["prompt"]


@pytest.mark.parametrize(("text", "subjects"), [
    ("leos bday is next saturday", ()),
    ("My daughter Ana have 5 years, party is on sunday", (("Ana", ("my daughter",)),)),
    ("grandmas and grandpas anniversary is in june. any ideas what else i could make them?", (("Rosa", ("grandma",)),)),
    ("could u draw 3 ppl in one pic?? like me my mum and my sister", ()),
])
def test_occasions_told_and_questions_asked_are_talk(text, subjects):
    assert not _turn(text, subjects=subjects).tool_calls


def test_no_him_in_it_draws_without_him():
    (call,) = _turn("my son wants a shark too, just a big shark swimming, no him in it",
                    subjects=(("Leo", ("my son",)),)).tool_calls
    assert call["name"] == "generate_image" and _has(call["args"]["prompt"], "shark")


@pytest.mark.parametrize(("text", "current", "must", "must_not"), [
    ("now a knight fighting it", "a dragon breathing ice", ["dragon", "knight"], []),
    ("a kid climbing it", "an old oak tree in a field", ["oak", "kid", "climbing"], []),
    ("make the background tokyo at night", "an anime girl with pink hair", ["anime", "tokyo", "night"], []),
    ("could she be knitting a really long scarf", "a grandmother in a rocking chair", ["grandmother", "knitting",
                                                                                       "scarf"], ["could", "she"]),
    ("the bear looks way too big make him tiny", "a bear and a fox by a fire", ["tiny", "bear", "fox"], ["big"]),
])
def test_changes_said_around_the_picture_on_screen(text, current, must, must_not):
    (call,) = _turn(text, current=current).tool_calls
    assert call["name"] == "edit_image"
    assert all(_has(call["args"]["prompt"], word) for word in must), call["args"]["prompt"]
    assert not any(_has(call["args"]["prompt"], word) for word in must_not), call["args"]["prompt"]


def test_what_they_were_thinking_of_is_the_picture():
    (call,) = _turn("I was thinking something like a watercolour of a teapot and two cups, soft light").tool_calls
    assert call["name"] == "generate_image"
    assert all(_has(call["args"]["prompt"], word) for word in ("watercolour", "teapot", "cups", "soft"))


def test_back_to_the_subject_with_something_picks_that_picture():
    images = ({"id": "a", "prompt": "Juno on a hill", "operation": "personalize", "subjects": ["Juno"]},
              {"id": "b", "prompt": "Juno on a hill, with balloons", "operation": "edit", "subjects": ["Juno"]},
              {"id": "c", "prompt": "a red kite", "operation": "generate", "subjects": []})
    (call,) = _chat([], "nice. ok back to juno with the balloons", (("Juno", ("my dog",)),), images).tool_calls
    assert call == {**call, "name": "select_image", "args": {"image_id": "b"}}


def test_back_to_my_guy_is_the_subject_drawn_last():
    images = ({"id": "a", "prompt": "Zorg on a bridge", "operation": "personalize", "subjects": ["Zorg"]},
              {"id": "b", "prompt": "a castle map", "operation": "generate", "subjects": []})
    (call,) = _chat([], "ok back to my guy - him fishing off a pier at dawn", (("Zorg", ("my goblin",)),),
                    images).tool_calls
    assert (call["name"], call["args"]["subject"]) == ("generate_with_subject", "Zorg")
    assert _has(call["args"]["prompt"], "fishing") and _has(call["args"]["prompt"], "pier")


def test_photos_of_him_enrol_the_one_named_a_few_messages_back():
    history = [("we just brought home our puppy!!!", None),
               ("hes a beagle named Waffles, 9 weeks old and already chewed my shoe lol", None),
               ("can you make a cute drawing of a beagle puppy in a basket", "generate_image"),
               ("aww. can it look like him exactly if i send pics?", None)]
    (call,) = _chat(history, "ok here are some pics of him", attached=3).tool_calls
    assert (call["name"], call["args"]["name"]) == ("register_subject", "Waffles")


def test_a_picture_of_something_asked_for_plainly_is_drawn_whatever_else_is_said():
    message = _turn("could you do a pic of a cat too, we dont have one but my son wants one lol",
                    current="a hamster dressed as a pirate")
    (call,) = message.tool_calls
    assert call["name"] == "generate_image" and _has(call["args"]["prompt"], "cat")


@pytest.mark.parametrize("text", ["dhanyavad 🙏", "ang cute!!! salamat po", "super vielen dank", "ok shukran habibi 🙏",
                                  "dziękuję bardzo its perfect for the party invitation", "oi",
                                  "teşekkürler 🌹 my daughter very happy", "grazie mille you are very kind",
                                  "terima kasih kak 🙏", "merci beaucoup c'est trop beau"])
def test_thanks_and_greetings_in_other_languages_are_talk(text):
    message = _turn(text, current="a girl dressed as an angel in the clouds")
    assert not message.tool_calls and message.content


def test_accented_words_stay_as_written_in_the_prompt():
    (call,) = _turn("crème brûlée on a plate with a café au lait").tool_calls
    assert call["args"]["prompt"] == "crème brûlée on a plate with a café au lait"


@pytest.mark.parametrize(("text", "current", "shows", "subject", "must"), [
    ("put pickles in it", "a cozy ramen shop at night in the rain", (), "Pickles", ["ramen", "pickles"]),
    ("same poster but put Pickles on it in a tiny crown", "a poster of a castle with fireworks", (), "Pickles",
     ["castle", "fireworks", "crown"]),
    ("put the kids in the boat with him", "Grandpa fishing in a rowing boat", ("Grandpa",), "Kids",
     ["fishing", "boat", "kids"]),
])
def test_putting_a_subject_into_the_picture_on_screen_keeps_the_scene(text, current, shows, subject, must):
    subjects = (("Pickles", ("our hamster",)), ("Kids", ("the kids",)), ("Grandpa", ("grandpa",)))
    (call,) = _turn(text, subjects=subjects, current=current, shows=shows).tool_calls
    assert (call["name"], call["args"]["subject"]) == ("generate_with_subject", subject)
    assert all(_has(call["args"]["prompt"], word) for word in must), call["args"]["prompt"]


def test_putting_a_subject_somewhere_new_is_a_new_scene():
    (call,) = _turn("put pickles in the garden chasing a ball", subjects=(("Pickles", ("our hamster",)),),
                    current="a bakery storefront").tool_calls
    assert call["args"]["prompt"].lower().startswith("pickles in the garden")


@pytest.mark.parametrize(("text", "subjects"), [
    ("Good morning!! ☀️ the twins start school tomorrow 😭😭 where did the time go", (("Twins", ("the twins",)),)),
    ("competitor just launched a bag basically identical to ours smh", ()),
    ("nonna is 90 next month 🎂", (("Pina", ("nonna",)),)),
])
def test_what_is_about_to_happen_or_an_age_told_is_talk(text, subjects):
    assert not _turn(text, subjects=subjects, current="a leather bag on a shelf").tool_calls


@pytest.mark.parametrize(("text", "tool"), [
    ("theo want a picture of a dinosaur for his room can u make a t rex", "generate_image"),
    ("my sister graduate next week make a poster for her with a cap and confetti", "generate_image"),
    ("my niece wedding is next month make something nice for her with white roses", "generate_image"),
    ("lol grandpa looks so serious. give him a big smile", "edit_image"),
])
def test_the_ask_after_what_they_told(text, tool):
    subjects = (("Theo", ("my son",)), ("Walt", ("grandpa",)))
    (call,) = _turn(text, subjects=subjects, current="Walt on a park bench", shows=("Walt",)).tool_calls
    assert call["name"] == tool


@pytest.mark.parametrize(("text", "current", "must", "must_not"), [
    ("rexs collar is red not blue", "Rex asleep by the fire", ["rex", "red", "collar"], ["blue"]),
    ("the scarf green not yellow", "a snowman in a yellow scarf", ["snowman", "green", "scarf"], ["yellow"]),
    ("so cute 😆 make her wear a flower crown", "a bunny in a carrot field", ["bunny", "wearing", "crown"], ["make"]),
])
def test_a_colour_put_right_or_a_thing_to_wear(text, current, must, must_not):
    (call,) = _turn(text, current=current).tool_calls
    assert call["name"] == "edit_image"
    assert all(_has(call["args"]["prompt"], word) for word in must), call["args"]["prompt"]
    assert not any(_has(call["args"]["prompt"], word) for word in must_not), call["args"]["prompt"]


@pytest.mark.parametrize(("text", "subjects", "current", "expect"), [
    ("make dadi cutting a big cake for her birthday", (("Kamla", ("my dadi",)),), "a diwali card", "Kamla"),
    ("hallo so i have a question before i start, the photos of blitz i uploaded, are they private",
     (("Blitz", ("my horse",)),), None, None),
    ("make one for my bff birthday, a cake with strawberries and 'joyeux anniversaire'", (), "a girl in paris",
     "generate_image"),
    ("can i add more foto later to make it more similar", (("Coco", ("the bunny",)),), "Coco in a field", None),
])
def test_newcomers_in_their_own_words(text, subjects, current, expect):
    message = _turn(text, subjects=subjects, current=current)
    if expect is None:
        assert not message.tool_calls and message.content
    else:
        (call,) = message.tool_calls
        assert call["args"].get("subject", call["name"]) == expect


def test_their_own_drawing_sent_to_change_is_an_edit():
    message = _turn("zeynep drew this can u make it colorful", subjects=(("Zeynep", ("my daughter",)),), attached=1)
    assert all(call["name"] != "generate_with_subject" for call in message.tool_calls)


def test_quoted_words_written_somewhere_are_lettering():
    (call,) = _turn("add 'happy birthday' written at the top", current="a mom holding yellow tulips").tool_calls
    assert call["args"]["prompt"] == 'a mom holding yellow tulips, with the text "happy birthday" at the top'


_DRAGON = {"id": "d1", "prompt": "a red dragon coiled on a pile of gold", "operation": "generate", "subjects": []}


@pytest.mark.parametrize(("text", "subjects", "images", "subject", "must"), [
    ("ok stick my ranger right in front of it", (("Wren", ("my ranger",)),), (_DRAGON,), "Wren", ["dragon", "gold"]),
    ("could Biscuit curl up at her feet in that one?", (("Biscuit", ("the old dog",)), ("June", ("my wife",))), (
        {"id": "j1", "prompt": "June reading under an apple tree", "operation": "personalize", "subjects": ["June"]},),
     "Biscuit", ["apple", "tree", "feet"]),
    ("lovely, now Biscuit the same way", (("Biscuit", ("the old dog",)), ("June", ("my wife",))), (
        {"id": "j1", "prompt": "June reading under an apple tree", "operation": "personalize", "subjects": ["June"]},),
     "Biscuit", ["reading", "apple"]),
    ("lol do me too", (("Rex", ("my dog",)), ("Sam", ("me",))), (
        {"id": "r1", "prompt": "Rex as a cowboy in the desert", "operation": "personalize", "subjects": ["Rex"]},),
     "Sam", ["cowboy", "desert"]),
])
def test_a_subject_put_into_the_picture_on_screen_keeps_its_scene(text, subjects, images, subject, must):
    (call,) = _chat([], text, subjects, images).tool_calls
    assert call["name"] == "generate_with_subject" and call["args"]["subject"] == subject
    assert all(_has(call["args"]["prompt"], word) for word in must), call["args"]["prompt"]


@pytest.mark.parametrize(("history", "text", "name"), [
    ([("my son Theo is mad about trains, I'll find some photos of him later", None),
      ("do they have to be face on?", None)], "found a few, here you go", "Theo"),
    ([("want to add my girlfriend so i can make her an anniversary thing, her name is Kaitlyn", None),
      ("oops its Caitlyn with a C", None)], "ok here she is", "Caitlyn"),
    ([], "this is our parrot Kiwi. no wait, Kiki, Kiwi was the old one", "Kiki"),
    ([], "Saving our bestseller, the 'Blue Heron Vase', 6 shots attached", "Blue Heron Vase"),
    ([("how do i add my horse", None)], "biscuit. 5 pics", "Biscuit"),
    ([], "hola this is my wife Ana, i send 3 photo", "Ana"),
    ([], "omg so my cat Pickles is a menace and I want to make her famous, here are some pics", "Pickles"),
])
def test_photos_enrol_the_one_named_for_them(history, text, name):
    (call,) = _chat(history, text, attached=4).tool_calls
    assert (call["name"], call["args"]["name"]) == ("register_subject", name)


@pytest.mark.parametrize("text", [
    "So I'd love some pictures of my daughter Ava for her party, could I send you her photos first?",
    "I'll grab a couple of good photos of him tonight, my phone is a mess",
    "How many photographs would you need of my father?",
    "can i set my nan up so i can make pictures of her?",
    "can i make profile pics of myself here",
    "i want to add my husband to this so i can surprise him",
])
def test_talk_about_enrolling_before_the_photos_is_answered(text):
    message = _chat([], text)
    assert not message.tool_calls and message.content


@pytest.mark.parametrize(("text", "expect"), [
    ("yo make me a viking", "Sam"),
    ("can you make me an astronaut waving from the moon", "Sam"),
    ("make me a birthday card with balloons", "generate_image"),
    ("make me a logo for my bakery", "generate_image"),
])
def test_made_into_someone_is_the_user_enrolled_as_me(text, expect):
    (call,) = _chat([], text, (("Sam", ("me",)), ("Rex", ("my dog",)))).tool_calls
    assert call["args"].get("subject", call["name"]) == expect


def test_both_of_them_together_draws_the_last_two_subjects():
    subjects = (("Mochi", ("the cat",)), ("Pepper", ("the dog",)))
    images = ({"id": "m", "prompt": "Mochi in a scarf by a window", "operation": "personalize", "subjects": ["Mochi"]},
              {"id": "p", "prompt": "Pepper in a scarf by a window", "operation": "personalize", "subjects": ["Pepper"]})
    (call,) = _chat([], "now the two of them together", subjects, images).tool_calls
    assert call["args"]["subject"] == "Mochi"
    assert all(_has(call["args"]["prompt"], w) for w in ("mochi", "pepper", "scarf", "window")), call["args"]["prompt"]
    (call,) = _chat([], "can we get both of them on a sofa by the fire?", subjects, images).tool_calls
    assert call["args"]["subject"] == "Mochi"
    assert all(_has(call["args"]["prompt"], w) for w in ("pepper", "sofa", "fire")), call["args"]["prompt"]
    assert not _has(call["args"]["prompt"], "window")


@pytest.mark.parametrize(("current", "text", "must", "must_not"), [
    ("an old black and white photo of a sailor", "could you colorize it", ["sailor", "color"], ["black", "white"]),
    ("a picture", "this is my nan in 1952, can u make it colour", ["color"], []),
    ("a garden with a fence", "make the sky blue instead of cloudy", ["garden", "blue", "sky"], []),
    ("an elf with silver hair", "hair more green tho", ["elf", "green", "hair"], ["silver"]),
])
def test_colour_changes_said_loosely(current, text, must, must_not):
    prompt = merged_edit_prompt(current, text)
    assert all(_has(prompt, word) for word in must), prompt
    assert not any(_has(prompt, word) for word in must_not), prompt


@pytest.mark.parametrize("text", [
    "biscuit's turning 4 on sunday lol",
    "mochi is not impressed by the kitten, she hisses at her all day",
])
def test_news_of_one_subject_with_another_named_is_talk(text):
    message = _chat([], text, (("Biscuit", ("the dog",)), ("Mochi", ("my cat",)), ("Tofu", ("the kitten",))))
    assert not message.tool_calls and message.content


def test_the_same_picture_for_another_subject_with_more_said():
    subjects = (("Hugo", ("my greyhound",)), ("Clara", ("me",)))
    images = ({"id": "h", "prompt": "a pencil portrait of Hugo, soft shading", "operation": "personalize",
               "subjects": ["Hugo"]},)
    (call,) = _chat([], "same treatment for me, reading a book on a bench", subjects, images).tool_calls
    assert call["args"]["subject"] == "Clara"
    assert all(_has(call["args"]["prompt"], w) for w in ("pencil", "reading", "bench")), call["args"]["prompt"]


def test_none_of_a_subject_leaves_them_out():
    (call,) = _chat([], "a flyer for the village dog show, paw prints and bunting, none of my dog",
                    (("Rex", ("my dog",)),)).tool_calls
    assert call["name"] == "generate_image"


def test_him_after_talk_about_him_is_him_among_two_on_screen():
    subjects = (("Bella", ("me",)), ("Marco", ("my boyfriend", "bf")))
    images = ({"id": "a", "prompt": "Bella and my bf on a ferris wheel", "operation": "personalize",
               "subjects": ["Bella"]},)
    history = [("draw me and my bf on a ferris wheel", "generate_with_subject"),
               ("marco saw it and says he looks tiny lol", None)]
    (call,) = _chat(history, "ok now do just him 🏋️ at the climbing wall", subjects, images).tool_calls
    assert (call["name"], call["args"]["subject"]) == ("generate_with_subject", "Marco")


@pytest.mark.parametrize(("text", "subject"), [
    ("new mug. on a windowsill. rain outside.", "Moss"),
    ("could you show Joanie at the seaside with an ice cream", "Joan"),
])
def test_an_alias_said_without_its_owner(text, subject):
    subjects = (("Moss", ("the new mug", "our mug")), ("Joan", ("my Joanie", "my late wife")))
    (call,) = _chat([], text, subjects).tool_calls
    assert (call["name"], call["args"]["subject"]) == ("generate_with_subject", subject)


def test_a_subject_put_beside_the_picture_on_screen():
    images = ({"id": "b", "prompt": "a wide banner of a desert at dusk", "operation": "generate", "subjects": []},)
    (call,) = _chat([], "drop kit on the right side of it", (("Kit", ("my oc",)),), images).tool_calls
    assert call["args"]["subject"] == "Kit" and _has(call["args"]["prompt"], "desert"), call


@pytest.mark.parametrize("text", [
    "kit rolled a nat 20 last game and saved the whole party lmaooo",
    "fyi sam off sick all week, poor thing",
    "My sister Kit used to drag me to the fair every summer... she always won the goldfish...",
])
def test_news_of_a_subject_is_talk(text):
    message = _chat([], text, (("Kit", ("my oc", "my sister")), ("Sam", ("the barber",))))
    assert not message.tool_calls and message.content


def test_the_sentence_that_names_them_asks_for_them():
    images = ({"id": "h", "prompt": "a headshot of Lee in a grey suit", "operation": "personalize", "subjects": ["Lee"]},)
    (call,) = _chat([], "For the brochure (it goes to every client, so it matters) I'd like me sitting on the steps of a "
                        "brick townhouse with keys in hand. The printer adds the logo later.",
                    (("Lee", ("me",)),), images).tool_calls
    assert (call["name"], call["args"]["subject"]) == ("generate_with_subject", "Lee")
    assert _has(call["args"]["prompt"], "townhouse")


def test_enrolled_with_who_they_are_said_before_the_photos():
    history = [("I'd like to add my late husband Tomas, is that possible? I have old scans", None)]
    (call,) = _chat(history, "Here are five photos of Tomas, some from the seventies", attached=5).tool_calls
    assert call["args"]["name"] == "Tomas" and "my late husband" in call["args"].get("aliases", [])


def test_can_the_subject_on_screen_have_something_is_a_change():
    images = ({"id": "b", "prompt": "Ada riding a unicorn", "operation": "personalize", "subjects": ["Ada"]},)
    (call,) = _chat([], "hmm can Ada bug have green hair in it like her costume", (("Ada", ("Ada bug",)),),
                    images).tool_calls
    assert call["name"] == "edit_image" and _has(call["args"]["prompt"], "unicorn"), call


def test_the_one_named_in_a_ramble_is_drawn_where_the_ask_puts_them():
    (call,) = _chat([], "my son set this up for me and says i can do pictures of pepper so lets try her asleep in a "
                        "laundry basket she loves the warm towels", (("Pepper", ("the cat",)), ("Al", ("me",)))).tool_calls
    assert call["args"]["subject"] == "Pepper" and _has(call["args"]["prompt"], "basket"), call


@pytest.mark.parametrize(("text", "must"), [
    ("Finally, I should be grateful for a watercolour of a lighthouse in a storm, with no boats at all.",
     ["lighthouse", "storm"]),
    ("Some context: we are relaunching the shop in May. What I need right now is a poster of a bicycle against a "
     "yellow wall. It goes in the window next week.", ["bicycle", "wall"]),
])
def test_the_picture_asked_for_inside_a_long_formal_message(text, must):
    (call,) = _chat([], text).tool_calls
    assert call["name"] == "generate_image"
    assert all(_has(call["args"]["prompt"], w) for w in must), call["args"]["prompt"]


@pytest.mark.parametrize("text", ["yo quick q do u keep the pics i upload or nah",
                                  "hii can i make a pfp of myslef here?? how does it work"])
def test_questions_about_ones_own_photos_are_answered(text):
    message = _chat([], text)
    assert not message.tool_calls and message.content


def test_while_im_at_it_is_not_the_picture_on_screen():
    images = ({"id": "a", "prompt": "Rosie as a film star on a red carpet", "operation": "personalize",
               "subjects": ["Rosie"]},)
    (call,) = _chat([], "While I'm at it, my son wants a picture of the pony wearing a crown in the barn",
                    (("Rosie", ("my wife",)), ("Juniper", ("the pony",))), images).tool_calls
    assert call["args"]["subject"] == "Juniper" and not _has(call["args"]["prompt"], "carpet"), call


def test_a_colour_two_words_before_its_thing_is_replaced():
    assert merged_edit_prompt("a dog in a blue wizard hat", "hmm make the hat purple insted of blue") == \
        "a dog in a purple wizard hat"


@pytest.mark.parametrize(("history", "text", "attached", "name"), [
    ([("Great, here are the first three of our lavender candle, I call it Dusk", "register_subject")],
     "and two more from the back, the label shows better", 2, "Dusk"),
    ([("tengo un perro que se llama Toto, can he be in a picture?", None)], "ok ahí van las fotos 🐶", 4, "Toto"),
    ([], "i made a backpack and want it in ads. it's called the Trail Fox, here are pics", 5, "Trail Fox"),
])
def test_enrolments_in_more_ways(history, text, attached, name):
    subjects = (("Dusk", ("our lavender candle",)),) if history and history[0][1] else ()
    (call,) = _chat(history, text, subjects, attached=attached).tool_calls
    assert (call["name"], call["args"]["name"]) == ("register_subject", name)


def test_selfies_named_enrol_the_user_as_me():
    (call,) = _chat([], "I'd like to be in some of these too, attaching a few selfies. Name me Coach Ray.",
                    attached=3).tool_calls
    assert call["args"]["name"] == "Coach Ray" and "me" in call["args"]["aliases"]


@pytest.mark.parametrize("text", [
    "Hello! I sell soap and I'm wondering if I can upload photos of my actual bars and have them in styled scenes?",
    "hi can i put my daughter in these",
    "I would like a birthday picture of my granddaughter Mia. How do I go about that?",
    "aww. wait could it be MY cat instead of a random one",
])
def test_asking_how_to_have_ones_own_in_pictures_is_answered(text):
    message = _chat([], text)
    assert not message.tool_calls and message.content


_HAMSTER = {"id": "h", "prompt": "Nibbles reading a giant book on a beanbag", "operation": "personalize",
            "subjects": ["Nibbles"]}


@pytest.mark.parametrize("text", ["now swap nibbles for pepper, keep everything else",
                                  "swap her out for the tortoise though, he's the real star"])
def test_swapping_one_subject_for_another_keeps_the_scene(text):
    subjects = (("Nibbles", ("the class hamster",)), ("Pepper", ("the tortoise",)))
    (call,) = _chat([], text, subjects, (_HAMSTER,)).tool_calls
    assert call["args"]["subject"] == "Pepper" and _has(call["args"]["prompt"], "beanbag"), call


def test_a_subject_put_into_a_scene_that_left_them_out():
    images = ({"id": "f", "prompt": "a bake sale flyer, a table of cupcakes, no mascot this time",
               "operation": "generate", "subjects": []},)
    (call,) = _chat([], "actually put waddles behind the table selling cupcakes", (("Waddles", ("our mascot",)),),
                    images).tool_calls
    assert call["args"]["subject"] == "Waddles" and "no mascot" not in call["args"]["prompt"], call


@pytest.mark.parametrize(("text", "expect"), [
    ("Will's birthday is saturday so a birthday cake with a dinosaur theme, no people just the cake please",
     "generate_image"),
    ("draw sam's dog surfing a big wave", "Waffles"),
    ("us at a diner at midnight", "Dani"),
    ("can you make a group one of all three of us in a tavern", "Dani"),
])
def test_who_is_meant_among_several(text, expect):
    subjects = (("Dani", ("me",)), ("Will", ("will",)), ("Sam", ("sam",)), ("Waffles", ("sam's dog", "the dog")))
    images = ({"id": "s", "prompt": "Sam skating", "operation": "personalize", "subjects": ["Sam"]},
              {"id": "w", "prompt": "Will in a hat", "operation": "personalize", "subjects": ["Will"]})
    (call,) = _chat([], text, subjects, images).tool_calls
    assert call["args"].get("subject", call["name"]) == expect


def test_update_news_of_a_subject_is_talk():
    message = _chat([], "Update: Pumpkin has a home. Paperwork signed this afternoon.", (("Pumpkin", ("the tabby",)),))
    assert not message.tool_calls and message.content


def test_the_article_of_a_name_is_not_the_name():
    images = ({"id": "r", "prompt": "Gizmo on a podium with confetti", "operation": "personalize",
               "subjects": ["Gizmo"]},)
    (call,) = _chat([], "The confetti please in school colours, orange and navy",
                    (("Gizmo", ("our robot",)), ("The Comet", ("our bus",))), images).tool_calls
    assert call["name"] == "edit_image"


@pytest.mark.parametrize("text", ["Dad would hate the pink icing, can it be dark blue",
                                  "jo thinks the rug should be greener"])
def test_what_someone_thinks_of_the_picture_changes_it(text):
    images = ({"id": "c", "prompt": "a cake with pink icing on a rug", "operation": "generate", "subjects": []},)
    (call,) = _chat([], text, (("Dad", ("my dad",)), ("Jo", ("jo",))), images).tool_calls
    assert call["name"] == "edit_image", call


@pytest.mark.parametrize(("text", "expect"), [
    ("Rex's birthday party in the park with lots of other dogs", "Rex"),
    ("Rex's birthday is on sunday so a cake shaped like a bone, no dogs, just the cake please", "generate_image"),
])
def test_a_subjects_party_is_a_scene_of_them_and_their_birthday_date_is_for_them(text, expect):
    (call,) = _chat([], text, (("Rex", ("my dog",)),)).tool_calls
    assert call["args"].get("subject", call["name"]) == expect


def test_asking_whether_all_of_us_fit_in_one_picture_is_a_question():
    images = ({"id": "k", "prompt": "Kofi as an astronaut", "operation": "personalize", "subjects": ["Kofi"]},)
    subjects = (("Okafors", ("us", "the two of us")), ("Kofi", ("our son",)))
    message = _chat([], "can you draw all three of us in one picture or only one person at a time?", subjects, images)
    assert not message.tool_calls and message.content
    (call,) = _chat([], "ok just the two of us then, picnic in the park", subjects, images).tool_calls
    assert call["args"]["subject"] == "Okafors"


@pytest.mark.parametrize(("text", "name", "alias"), [
    ("here r 5 selfies of me (tam) so you know my face", "Tam", "me"),
    ("my nan turns 95 in june and we're making her a card, 6 photos of her attached, her name is Edna", "Edna", "my nan"),
    ("picked up a 68 camaro last spring, 4 pics attached, call her Roxy", "Roxy", "the camaro"),
])
def test_who_the_photos_show_and_what_they_are_called(text, name, alias):
    (call,) = _chat([], text, attached=4).tool_calls
    assert call["name"] == "register_subject" and call["args"]["name"] == name, call
    assert alias in call["args"].get("aliases", []), call


def test_a_clipped_nickname_of_an_enrolled_car_is_her():
    images = ({"id": "g", "prompt": "a 70s garage, tools on the wall, a neon sign", "operation": "generate",
               "subjects": []},)
    (call,) = _chat([], "now roll the maro in there", (("Roxy", ("the camaro", "my car")),), images).tool_calls
    assert call["args"].get("subject") == "Roxy" and "garage" in call["args"]["prompt"], call


@pytest.mark.parametrize("text", ["yay ok could you put her on a pony ride 🐴", "ok, her flying a kite on a hill, like windy"])
def test_her_right_after_her_photos_is_the_one_enrolled(text):
    (call,) = _chat([("these are of my niece June, 4 pics", "register_subject")], text, (("June", ("my niece",)),)
                    ).tool_calls
    assert call["args"].get("subject") == "June", call


def test_just_him_after_a_picture_of_the_two_of_us_is_the_other_one():
    images = ({"id": "c", "prompt": "me and my husband as astronauts on the moon", "operation": "personalize",
               "subjects": ["Ana"]},)
    subjects = (("Ana", ("me",)), ("Tom", ("my husband",)))
    (call,) = _chat([], "can you do only him now? as a viking", subjects, images).tool_calls
    assert call["args"].get("subject") == "Tom", call


def test_the_two_of_us_added_to_the_scene_on_screen_keep_it_and_its_people_rule_goes():
    images = ({"id": "a", "prompt": "me and my husband as astronauts", "operation": "personalize", "subjects": ["Ana"]},
              {"id": "k", "prompt": "an empty beach hut at sunset, no people", "operation": "generate", "subjects": []})
    subjects = (("Ana", ("me",)), ("Tom", ("my husband",)))
    (call,) = _chat([], "now add the two of us on the deck chairs with cocktails", subjects, images).tool_calls
    prompt = call["args"]["prompt"]
    assert call["args"]["subject"] == "Ana" and "beach hut" in prompt and "Tom" in prompt and "no people" not in prompt


def test_one_of_the_two_of_us_is_both_of_us():
    subjects = (("Ruth", ("my wife",)), ("Ken", ("me",)))
    images = ({"id": "r", "prompt": "Ruth in a rose garden", "operation": "personalize", "subjects": ["Ruth"]},)
    (call,) = _chat([], "And if you would, a painting of the two of us at our wedding dance.", subjects, images).tool_calls
    assert call["args"]["subject"] == "Ken" and "Ruth" in call["args"]["prompt"], call


def test_a_new_place_for_the_one_on_screen_is_a_new_picture_not_an_edit():
    images = ({"id": "b", "prompt": "Flopsy in a candy forest", "operation": "personalize", "subjects": ["Flopsy"]},)
    (call,) = _chat([], "could you make flopsy in the bus station with a little backpack", (("Flopsy", ("the bunny",)),),
                    images).tool_calls
    assert call["name"] == "generate_with_subject" and "station" in call["args"]["prompt"], call
    (call,) = _chat([], "could you make flopsy in the red scarf", (("Flopsy", ("the bunny",)),), images).tool_calls
    assert call["name"] == "edit_image", call


def test_her_portrait_in_the_style_of_mine():
    images = ({"id": "m", "prompt": "a studio headshot of Priya, charcoal suit, soft grey backdrop",
               "operation": "personalize", "subjects": ["Priya"]},)
    subjects = (("Priya", ("me",)), ("Anika", ("my sister",)))
    (call,) = _chat([("my sister Anika, 4 photos", "register_subject")], "Her portrait: same look as mine, but a red dress",
                    subjects, images).tool_calls
    prompt = call["args"]["prompt"]
    assert call["args"]["subject"] == "Anika" and "headshot" in prompt and "red dress" in prompt, call


def test_a_subject_placed_on_part_of_the_scene_on_screen():
    images = ({"id": "s", "prompt": "a still life of lemons and a blue teapot", "operation": "generate", "subjects": []},)
    (call,) = _chat([], "Perch my bird on the lid of the teapot.", (("Kiwi", ("my bird",)),), images).tool_calls
    assert call["args"].get("subject") == "Kiwi" and "lemons" in call["args"]["prompt"], call


@pytest.mark.parametrize("text", ["Next week we sell the old house. I am a little bit sad, 30 years there.",
                                  "my grandson left for college today, im so emotional"])
def test_a_feeling_told_is_talk(text):
    message = _chat([], text, (("House", ("the old house",)),))
    assert not message.tool_calls and message.content


@pytest.mark.parametrize(("text", "expect"), [
    ("simple vase 3 tulips grey bg", "generate_image"),
    ("plain birthday card pink", "generate_image"),
    ("plain background", "edit_image"),
])
def test_a_plain_thing_of_its_own_with_a_picture_on_screen(text, expect):
    (call,) = _chat([("rex at the beach", "generate_with_subject")], text, (("Rex", ("my dog",)),),
                    ({"id": "r", "prompt": "Rex at the beach", "operation": "personalize", "subjects": ["Rex"]},)).tool_calls
    assert call["name"] == expect, call


@pytest.mark.parametrize(("current", "instruction", "must", "must_not"), [
    ("a vintage car in a garage, black paint", "paint's off, she's cherry red not black", ["red"], ["black"]),
    ("a matte black insulated steel travel mug on a desk", "please change the mug colour to sage green", ["sage"],
     ["black"]),
    ("a portrait, navy blazer, plain grey background", "warmer light, and a brick wall backdrop instead", ["brick"],
     ["grey"]),
    ("a beach hut, sunny afternoon", "and evening, lanterns lit", ["evening", "lanterns"], ["afternoon"]),
    ("a kids' card with a lake and a little boat", "could there be a duck next to the boat", ["duck", "boat"], []),
    ("a poster for a blues night, trombone, deep red", "swap trom for a double bass", ["bass"], ["trombone"]),
    ("a label sheet: sugar, flour, salt, rice", "change 'rice' to 'oats'", ["oats"], ["rice"]),
    ("a phone wallpaper, hills, purple gradient sky", "could the sky go pink to orange instead", ["pink", "orange"],
     ["purple"]),
    ("two rabbits on a picnic rug under an apple tree, sunny", "make it a grey snowy day, it's the sad chapter",
     ["snowy"], ["sunny"]),
    ("a cat and a dog in a garden", "move the bench over to the right so there's room for a title on the left",
     ["bench", "right"], []),
    ("a flyer with a cake, the shop name, and space at the bottom for opening hours",
     "Please remove the space for opening hours; we put them online.", ["cake"], ["hours"]),
    ("a plate of pancakes with berries, view from top", "Now the same but with waffles instead pancakes",
     ["waffles"], ["pancakes"]),
    ("a plate of pancakes with berries", "Can you put also cup of coffee beside the plate?", ["coffee", "pancakes"], []),
    ("a plate of pancakes with berries", "the plate please make more dark", ["dark", "plate"], ["please"]),
    ("a lighthouse on a cliff at sunset", "make it nigth with a full moon", ["night", "moon"], ["sunset"]),
    ("a pug on a sofa", "could you maybe make it look more like an old photo though, you know that sepia faded look",
     ["sepia"], []),
    ("a festival poster with the date", "please change the date to 4 May, as the venue moved it", ["may"], ["venue"]),
])
def test_round_28_edits(current, instruction, must, must_not):
    message = route(instruction, current)
    assert [call["name"] for call in message.tool_calls] == ["edit_image"], message
    prompt = message.tool_calls[0]["args"]["prompt"]
    assert [w for w in must if not _has(prompt, w)] == [], prompt
    assert [w for w in must_not if _has(prompt, w)] == [], prompt


def test_a_vague_want_before_the_description_goes_and_its_look_stays():
    (call,) = route("for my sister's wedding I want something elegant — a swan on a lake at dawn", None).tool_calls
    prompt = call["args"]["prompt"]
    assert prompt.startswith("a swan") and "elegant" in prompt and "want" not in prompt, prompt


def test_time_of_day_at_the_end_of_a_description_is_kept():
    (call,) = route("A harbour, fishing boats, gulls over the water, morning", None).tool_calls
    assert _has(call["args"]["prompt"], "morning"), call


def test_a_formal_require_is_a_request():
    (call,) = route("Good morning. Our school fair is on 3 June. I require a poster with children on a bouncy castle, "
                    "the title 'Summer Fair', and room for the date.", None).tool_calls
    assert _has(call["args"]["prompt"], "castle") and "require" not in call["args"]["prompt"], call


@pytest.mark.parametrize("text", ["aww love it. can u do 3 of these", "I would like to see four alternative layouts."])
def test_as_many_again_after_praise_or_by_another_name(text):
    (call,) = route(text, "a pastel wallpaper with clouds").tool_calls
    assert call["args"].get("n") in (3, 4), call


def test_two_letters_swapped_are_read_as_the_word_but_numbers_stay():
    from chatcanvas.agent import language as lang

    assert lang.normalize("a ligthhouse at nigth, three boats") == "a lighthouse at night, three boats"


def test_the_take_picked_before_a_swap_is_the_one_wanted_back():
    from chatcanvas.agent import references

    images = [{"id": "p", "prompt": "a jazz poster, clarinet, blue", "operation": "generate"},
              *[{"id": f"v{i}", "prompt": "a jazz poster, clarinet, blue, neon", "operation": "generate", "seed": i}
                for i in range(3)],
              {"id": "t", "prompt": "a jazz poster, tuba, blue, neon", "operation": "edit", "parent_id": "v2"}]
    assert references.selection("no, back to the clarinet one", references.ledger(images), "t") == "v2"


def test_a_colour_that_contradicts_rules_a_picture_out_and_from_before_looks_past_the_last_takes():
    from chatcanvas.agent import references

    images = [{"id": "a", "prompt": "a card, a pond and a canoe", "operation": "generate"},
              {"id": "b", "prompt": "a card, a pond and a canoe, with a paddle", "operation": "edit", "parent_id": "a"},
              {"id": "c", "prompt": "a card, a pond and a canoe, with a paddle, red trees", "operation": "edit",
               "parent_id": "b"},
              *[{"id": f"v{i}", "prompt": "a card, a pond and a canoe, with a paddle", "operation": "generate",
                 "seed": i} for i in range(3)]]
    said = "hmm, the one from before with the paddle and green trees was still best"
    assert references.selection(said, references.ledger(images), "v2") == "b"


def test_the_one_before_the_snow_again():
    from chatcanvas.agent import references

    images = [{"id": "a", "prompt": "a street", "operation": "generate"},
              {"id": "b", "prompt": "a street, snow", "operation": "edit", "parent_id": "a"},
              {"id": "c", "prompt": "a street, snow, lamps", "operation": "edit", "parent_id": "b"}]
    assert references.selection("can I see the one before the snow again", references.ledger(images), "c") == "a"


def test_a_compound_said_as_one_word_finds_the_picture():
    from chatcanvas.agent import references

    images = [{"id": "a", "prompt": "a boy as a firefighter, with a fire truck behind him", "operation": "generate"},
              {"id": "b", "prompt": "a girl on a stage", "operation": "generate"}]
    assert references.selection("back to the firetruck one", references.ledger(images), "b") == "a"


def test_a_sticker_series_of_a_subject_goes_on_mood_by_mood():
    images = ({"id": "s", "prompt": "emote set, Tofu happy, chibi style, thick outline", "operation": "personalize",
               "subjects": ["Tofu"]},)
    subjects = (("Tofu", ("the cat",)), ("Bean", ("the dog",)))
    (call,) = _chat([("emote set, tofu happy", "generate_with_subject")], "ok now sleepy", subjects, images).tool_calls
    assert call["args"]["subject"] == "Tofu" and "sleepy" in call["args"]["prompt"] and "happy" not in call["args"][
        "prompt"] and "emote" in call["args"]["prompt"], call
    (call,) = _chat([("emote set, tofu happy", "generate_with_subject")], "now do the dog too, angry one first", subjects,
                    images).tool_calls
    assert call["args"]["subject"] == "Bean" and "angry" in call["args"]["prompt"] and "Tofu" not in call["args"][
        "prompt"], call


def test_someone_and_me_draws_the_one_named_first():
    subjects = (("Ruth", ("me",)), ("Walter", ("my husband",)))
    (call,) = _chat([], "Next, one of Walter and me rowing on a lake at dawn", subjects).tool_calls
    assert call["args"]["subject"] == "Walter" and "me" in call["args"]["prompt"], call


@pytest.mark.parametrize(("text", "name", "alias"), [
    ("marco finally sent his photos, he's our bard", "Marco", "our bard"),
    ("oh and we need our cat in it as well, heres biscuit", "Biscuit", "the cat"),
    ("so me and my friends run a podcast (it's called Night Shift, long story) and here's Ade, he's our host", "Ade", None),
])
def test_who_is_enrolled_when_the_message_says_more(text, name, alias):
    (call,) = _chat([], text, attached=4).tool_calls
    assert call["name"] == "register_subject" and call["args"]["name"] == name, call
    assert alias is None or alias in call["args"].get("aliases", []), call


def test_do_her_as_right_after_her_photos_is_a_picture_of_her():
    subjects = (("Jess", ("our cleric",)), ("Priya", ("our wizard",)))
    images = ({"id": "j", "prompt": "Jess as a dwarf cleric", "operation": "personalize", "subjects": ["Jess"]},)
    (call,) = _chat([("priya sent pics, she's our wizard", "register_subject")], "do her as an elf sorceress in a tower",
                    subjects, images).tool_calls
    assert call["args"].get("subject") == "Priya", call


def test_his_own_scene_in_the_same_style_as_the_picture_on_screen():
    images = ({"id": "m", "prompt": "Sam on stage with a guitar, neon 80s synthwave vibe", "operation": "personalize",
               "subjects": ["Sam"]},)
    subjects = (("Sam", ("me",)), ("Lou", ("lou",)))
    (call,) = _chat([], "now lou playing the bass on a rooftop, same style", subjects, images).tool_calls
    prompt = call["args"]["prompt"]
    assert call["args"]["subject"] == "Lou" and "rooftop" in prompt and "synthwave" in prompt and "guitar" not in prompt


def test_the_one_asked_for_among_the_twins_named_in_the_story():
    subjects = (("Rosie", ("my daughter",)), ("Finn", ("my son",)))
    (call,) = _chat([], "Morning! My twins Rosie and Finn love space. Could you do a picture of Rosie on the moon?",
                    subjects).tool_calls
    assert call["args"]["subject"] == "Rosie", call
    (call,) = _chat([], "Morning! My twins Rosie and Finn love space. Could you do a picture of Finn on the moon?",
                    subjects).tool_calls
    assert call["args"]["subject"] == "Finn", call


@pytest.mark.parametrize("text", ["biscuit keeps stealing my socks, the little gremlin",
                                  "ok so biscuit chewed the remote again"])
def test_what_a_subject_keeps_doing_is_news(text):
    message = _chat([], text, (("Biscuit", ("the dog",)),))
    assert not message.tool_calls and message.content


def test_someone_wants_one_of_themselves_as_something():
    subjects = (("Ava", ("my oldest", "aves")), ("Noah", ("my youngest",)))
    (call,) = _chat([], "aves wants one of herself as a fairy, she's 9 and very particular about it", subjects).tool_calls
    assert call["args"]["subject"] == "Ava" and "fairy" in call["args"]["prompt"] and "9" not in call["args"]["prompt"]


def test_a_thing_put_next_to_the_one_on_screen_is_an_edit():
    images = ({"id": "k", "prompt": "Karim in front of the pyramids at sunset", "operation": "personalize",
               "subjects": ["Karim"]},)
    (call,) = _chat([], "This is great. Now put a falcon next to me", (("Karim", ("me",)),), images).tool_calls
    assert call["name"] == "edit_image" and "falcon" in call["args"]["prompt"] and "pyramids" in call["args"]["prompt"]


def test_references_said_in_other_ways():
    from chatcanvas.agent import references

    images = [{"id": "a", "prompt": "Theo on a cloud", "operation": "personalize", "subjects": ["Theo"]},
              {"id": "b", "prompt": "Theo on a cloud, with stars", "operation": "edit", "parent_id": "a"},
              {"id": "c", "prompt": "Rocket guarding the crib", "operation": "personalize", "subjects": ["Rocket"]},
              {"id": "d", "prompt": "Rocket guarding the crib, with a helmet", "operation": "edit", "parent_id": "c"}]
    ledger = references.ledger(images)
    assert references.selection("back to the one without the stars", ledger, "d") == "a"
    assert references.selection("can you put back the helmet", ledger, "d") is None
    images += [{"id": "e", "prompt": "Rocket guarding the crib", "operation": "edit", "parent_id": "d"}]
    assert references.selection("put the helmet back please", references.ledger(images), "e") == "d"
    takes = [{"id": "w", "prompt": "Jo at golden hour", "operation": "edit", "parent_id": None},
             *[{"id": f"t{i}", "prompt": "Jo at golden hour", "operation": "generate", "seed": i} for i in range(3)],
             {"id": "x", "prompt": "Jo in a cafe", "operation": "generate"}]
    assert references.selection("the golden hour one again, the original", references.ledger(takes), "x") == "w"
    assert references.selection("back to the 2nd golden hour one", references.ledger(takes), "x") == "t1"


@pytest.mark.parametrize(("text", "expect"), [
    ("Hola! I need picture for the menu of my cafe, she is small cafe. A cup of cortado on a marble table",
     "a cup of cortado"),
    ("hello, I have flower shop. need picture for window: bouquet of tulips in a glass vase", "bouquet of tulips"),
    ("Merhaba! I need picture of baklava on a copper tray", "baklava on a copper tray"),
    ("Good evening sir. I want to make picture for our choir concert. A big church organ with candles", "a big church"),
])
def test_second_language_briefs_keep_the_picture_and_drop_the_job(text, expect):
    (call,) = route(text, None).tool_calls
    assert call["args"]["prompt"].lower().startswith(expect.lower()), call


@pytest.mark.parametrize(("current", "instruction", "must", "must_not"), [
    ("a cozy kitchen, cat sleeping, window with rain", "Is possible remove the cat? My son is allergic.", ["kitchen"],
     ["cat"]),
    ("a map of a harbour, blue background", "Please make the text bigger. Also the lighthouse should not be shown",
     ["harbour"], ["lighthouse"]),
    ("a portrait, soft watercolor style", "Please change the style to charcoal sketch.", ["charcoal"], ["watercolor"]),
    ("a hand with short nails, red", "change nails to almond shape", ["almond-shaped", "nails"], []),
    ("a cake with pink and gold icing, flowers", "too much gold, take out gold, only pink and white", ["white"],
     ["gold"]),
    ("a pizza, smoke", "Less smoke and more of rocket on top", ["rocket"], []),
    ("old polish car Fiat 126p, red, in front of garage", "ok change color of car to green", ["green"], ["red"]),
    ("a polar bear on the ice", "Could you make it more lonely feeling? Dark sky", ["lonely", "sky"], []),
    ("a poster, robot with a laptop", "bro remove the laptop", ["robot"], ["laptop"]),
    ("a bedroom, window with snow, winter", "same but summer, window open", ["summer"], ["snow"]),
    ("a bedroom, a cat sleeping on the bed", "cat must be ginger color", ["ginger"], []),
    ("a food chain: grass, rabbit, fox, eagle", "move the eagle to the top left and make the fox orange-red",
     ["eagle", "top", "orange-red"], []),
    ("a mug with pumpkins around it, moody", "- swap pumpkins for pinecones - add fairy lights",
     ["pinecones", "lights"], ["pumpkins"]),
])
def test_round_29_edits(current, instruction, must, must_not):
    message = route(instruction, current)
    assert [call["name"] for call in message.tool_calls] == ["edit_image"], message
    prompt = message.tool_calls[0]["args"]["prompt"]
    assert [w for w in must if not _has(prompt, w)] == [], prompt
    assert [w for w in must_not if _has(prompt, w)] == [], prompt


@pytest.mark.parametrize(("text", "words"), [
    ("Caption please: 'Open every Sunday'. Bottom third.", "Open every Sunday"),
    ("Can you write on the poster 'Grand Opening'?", "Grand Opening"),
    ("write SALE NOW in the top left corner in big red letters", "SALE NOW"),
])
def test_lettering_said_in_other_ways(text, words):
    (call,) = route(text, "a shop window with dresses").tool_calls
    assert call["name"] == "edit_image" and words.lower() in call["args"]["prompt"].lower(), call


@pytest.mark.parametrize("text", ["ok gracias amigo, you help me a lot", "can u do the garden next if i send it? same look?",
                                  "ok one more, but something totally different: a lighthouse in a storm"])
def test_talk_and_a_new_picture_are_not_takes(text):
    message = route(text, "a living room, staged")
    assert not message.tool_calls or message.tool_calls[0]["args"].get("n") in (None, 1) and \
        "lighthouse" in message.tool_calls[0]["args"]["prompt"], message


def test_an_uploaded_room_staged_is_an_edit_of_that_room():
    message = _chat([], "Uploading the kitchen at 3 Mill Lane. Stage it: oak table, four chairs, pendant lights",
                    images=({"id": "p0", "prompt": "a picture", "operation": "upload"},), attached=1)
    (call,) = message.tool_calls
    assert call["name"] == "edit_image" and "kitchen" in call["args"]["prompt"] and "oak table" in call["args"]["prompt"]


@pytest.mark.parametrize(("text", "name", "alias"), [
    ("her full name is Lady Penelope Fluffington but just save her as Penny", "Penny", "Lady Penelope Fluffington"),
    ("Can I add my son? It's spelled K-O-F-I, we call him Koko", "Kofi", "koko"),
    ("his name is Bartholomew but everyone calls him Barty. pics attached", "Bartholomew", "barty"),
    ("I rebuilt a 1972 Honda CB750 over two winters and I'd like you to learn her. She's Goldie.", "Goldie", None),
    ("THIS IS ZARA SHE IS MY MIDDLE ONE", "Zara", None),
    ("ok also enrolling mango, the office parrot", "Mango", "the office parrot"),
])
def test_names_said_outright(text, name, alias):
    (call,) = _chat([], text, attached=4).tool_calls
    assert call["name"] == "register_subject" and call["args"]["name"] == name, call
    assert alias is None or alias in call["args"].get("aliases", []), call


def test_a_name_given_after_naming_it():
    (call,) = _chat([("finally finished my robot costume, naming it", None)], "K9-X all caps", attached=4).tool_calls
    assert call["name"] == "register_subject" and call["args"]["name"] == "K9-X", call


def test_a_late_wife_named_with_her_nickname_and_the_photos_after():
    said = "My husband was Frederick. Freddie, to everyone who knew him. My son says you can learn a person from photos."
    message = _chat([], said, (("Ann", ("me",)),))
    assert not message.tool_calls and message.content
    (call,) = _chat([(said, None)], "Here are the photos of him.", (("Ann", ("me",)),), attached=5).tool_calls
    assert call["args"]["name"] == "Frederick" and "freddie" in call["args"].get("aliases", []), call


@pytest.mark.parametrize("text", ["ok so i want u to learn my cat!!!", "Brilliant. My grandson will be thrilled.",
                                  "closed the shop for the last time today. 30 years. strange feeling",
                                  "posting this in #random lol", "gn bot"])
def test_talk_that_names_no_picture(text):
    message = _chat([("x", "generate_image")], text, (), ({"id": "a", "prompt": "a cat on a sofa"},))
    assert not message.tool_calls and message.content, message


def test_two_of_them_together_in_the_order_named():
    images = ({"id": "b", "prompt": "Bess in the field", "operation": "personalize", "subjects": ["Bess"]},
              {"id": "m", "prompt": "Meg herding sheep", "operation": "personalize", "subjects": ["Meg"]})
    (call,) = _chat([], "the two of them together please, Bess and Meg, by the gate", (("Meg", ("the dog",)),
                                                                                     ("Bess", ("the old dog",))),
                    images).tool_calls
    assert call["args"]["subject"] == "Bess", call


def test_a_series_through_the_seasons():
    images = ({"id": "r", "prompt": "a series, Reggie through the seasons, autumn, in a pile of leaves",
               "operation": "personalize", "subjects": ["Reggie"]},)
    (call,) = _chat([], "next one summer", (("Reggie", ("the bunny",)),), images).tool_calls
    assert call["args"]["subject"] == "Reggie" and "summer" in call["args"]["prompt"] and "autumn" not in call["args"][
        "prompt"], call


def test_him_after_a_remark_ending_in_a_full_stop_is_a_new_picture():
    images = ({"id": "r", "prompt": "Reggie in the library", "operation": "personalize", "subjects": ["Reggie"]},)
    (call,) = _chat([], "haha he looks so clever. now him on a beach with sunglasses", (("Reggie", ("the bunny",)),),
                    images).tool_calls
    assert call["name"] == "generate_with_subject" and "beach" in call["args"]["prompt"], call


def test_back_to_the_one_with_a_subject_doing_something_is_that_picture():
    images = ({"id": "s", "prompt": "Luna surfing a wave", "operation": "personalize", "subjects": ["Luna"]},
              {"id": "t", "prompt": "Toast surfing a wave", "operation": "personalize", "subjects": ["Toast"]})
    (call,) = _chat([], "go back to luna surfing", (("Luna", ("the husky",)), ("Toast", ("the pug",))), images).tool_calls
    assert call == {**call, "name": "select_image"} and call["args"]["image_id"] == "s", call


def test_my_beard_isnt_that_red_make_it_brown():
    images = ({"id": "v", "prompt": "Dan as a viking", "operation": "personalize", "subjects": ["Dan"]},)
    (call,) = _chat([], "lol my beard isnt that red. make it brown", (("Dan", ("me",)),), images).tool_calls
    assert call["name"] == "edit_image" and "brown beard" in call["args"]["prompt"], call


@pytest.mark.parametrize(("text", "said"), [
    ("my cat keeps knocking things off the table lol", "Noted"),
    ("what size do I need to print this as a big banner?", "upscaler"),
    ("lol my daughter loves it", "Glad you like it"),
])
def test_replies_fit_what_was_said(text, said):
    message = route(text, "a red square")
    assert not message.tool_calls and said in message.content, message.content


@pytest.mark.parametrize(("text", "name", "aliases"), [
    ("We run a tiny bookshop called Dog Ear Books and the shop cat is a ginger tom. Everyone calls him Sir Pounce.",
     "Sir Pounce", []),  # the sentence that calls him wins over the shop's name, whatever its case
    ("I've got two black labs and nobody can tell them apart. This lot is Bramble (the bigger one).", "Bramble", []),
    ("and here's my flatmate oskar, he's hopeless at selfies", "Oskar", ["my flatmate"]),
    ("Hi! We're Sam and Priti, moving house in May 🎉 We want our cat Pudding on the card", "Pudding", ["our cat"]),
    ("These are of my dad Gerald. We always called him Gerry.", "Gerald", ["my dad", "gerry"]),
    ("pics of me. Ines.", "Ines", ["me"]),
    ("and that's me, tariq", "Tariq", ["me"]),
    ("me too pls, here's me (juno, keys)", "Juno", ["me"]),
    ("my nephew arlo wants in too, these are him", "Arlo", ["my nephew"]),
    ("those are all remy", "Remy", []),
])
def test_who_the_photos_show_when_other_names_are_around(text, name, aliases):
    calls = _with(FAMILY, text, attached=4).tool_calls
    assert [(c["name"], c["args"].get("name")) for c in calls] == [("register_subject", name)], calls
    assert [a for a in aliases if a not in calls[0]["args"].get("aliases", [])] == [], calls


def test_the_name_said_before_the_photos_is_the_one_enrolled():
    said = _chat([("could you learn my godson ezra", None)], "sending now", attached=3).tool_calls
    assert [(c["name"], c["args"]["name"]) for c in said] == [("register_subject", "Ezra")]
    mine = _chat([("can you put me in the next one? i'm odile", None)], "right, here's me", attached=4).tool_calls
    assert [(c["name"], c["args"]["name"], c["args"].get("aliases")) for c in mine] == [("register_subject", "Odile", ["me"])]
    after_thanks = _chat([("a sloth in a hammock", "generate_image")], "haha great. can I add my own dog? his name's Pip",
                         images=({"id": "a", "prompt": "a sloth in a hammock", "operation": "generate"},),
                         attached=3).tool_calls
    assert [(c["name"], c["args"]["name"]) for c in after_thanks] == [("register_subject", "Pip")]


@pytest.mark.parametrize("text", ["my sister nell wants to be in these too, can you learn her?",
                                  "could you put me in the next one? i'm wes"])
def test_asking_to_add_someone_without_photos_asks_for_them(text):
    message = _chat([], text, images=({"id": "a", "prompt": "a birthday cake", "operation": "generate"},))
    assert message.tool_calls == [] and "photos" in message.content


@pytest.mark.parametrize(("current", "text", "tool", "must", "must_not"), [
    ("a lighthouse on a cliff at dusk", "could you do an oil painting version", "edit_image", ["lighthouse", "oil"], []),
    ("a lighthouse on a cliff at dusk", "can you do a winter one", "edit_image", ["lighthouse", "winter"], []),
    ("a lighthouse on a cliff at dusk", "also can you do a teapot shaped like an owl", "generate_image", ["teapot", "owl"],
     ["lighthouse"]),
    ("a lighthouse on a cliff at dusk", "could you make a different one", "generate_image", ["lighthouse"], []),
])
def test_a_version_of_this_or_another_picture(current, text, tool, must, must_not):
    calls = route(text, current).tool_calls
    assert [c["name"] for c in calls] == [tool]
    prompt = calls[0]["args"]["prompt"]
    assert [w for w in must if not _has(prompt, w)] == [] and [w for w in must_not if _has(prompt, w)] == [], prompt


@pytest.mark.parametrize(("current", "instruction", "must", "must_not"), [
    ("Nico skating in a park, wearing his dinosaur hoodie", "give him a rainbow hoodie", ["rainbow hoodie", "skating"],
     ["dinosaur"]),
    ("Nico skating in a park, wearing his dinosaur hoodie", "he'd want a rainbow hoodie", ["rainbow hoodie"], ["dinosaur"]),
    ("a knight with a red cape on a horse", "give him a green cape", ["green cape", "knight"], ["red"]),
    ("a cat on a sofa", "give it a bow tie", ["cat", "bow tie"], []),
])
def test_a_new_thing_to_wear_takes_the_old_ones_place(current, instruction, must, must_not):
    merged = merged_edit_prompt(current, instruction)
    assert [w for w in must if not _has(merged, w)] == [] and [w for w in must_not if _has(merged, w)] == [], merged


def test_the_same_scene_for_another_subject_with_what_differs():
    band = (("Jo", ("our drummer",)), ("Remi", ("the singer",)))
    drums = ({"id": "a", "prompt": "Jo playing drums on a rooftop at night", "operation": "personalize",
              "subjects": ["Jo"]},)
    own_act = _chat([("jo playing drums on a rooftop at night", "generate_with_subject")],
                    "now same shot but remi singing into a mic", band, drums).tool_calls
    assert [(c["name"], c["args"]["subject"]) for c in own_act] == [("generate_with_subject", "Remi")]
    assert "singing into a mic on a rooftop" in own_act[0]["args"]["prompt"] and "drums" not in own_act[0]["args"]["prompt"]
    kids = (("Nico", ("my son",)), ("Ada", ("my daughter",)))
    hoodie = ({"id": "b", "prompt": "Nico skating in a park, wearing his dinosaur hoodie", "operation": "personalize",
               "subjects": ["Nico"]},)
    changed = _chat([("nico skating in a park in his dinosaur hoodie", "generate_with_subject")],
                    "same for ada but she'd want a rainbow hoodie", kids, hoodie).tool_calls
    assert [(c["name"], c["args"]["subject"]) for c in changed] == [("generate_with_subject", "Ada")]
    assert "rainbow hoodie" in changed[0]["args"]["prompt"] and "dinosaur" not in changed[0]["args"]["prompt"]
    scene = _chat([], "ok one of ada too, she'll sulk otherwise. her as an astronaut", kids).tool_calls
    assert [(c["name"], c["args"]["subject"], c["args"]["prompt"]) for c in scene] == [
        ("generate_with_subject", "Ada", "Ada as an astronaut")]


@pytest.mark.parametrize(("current", "instruction", "must", "must_not"), [
    ("a bakery counter with a cake stand", "could the cake stand have some candles on it", ["cake stand", "candles"], []),
    ("a map of an island", "add a compass rose in the bottom right so the kids can find north", ["compass"], ["kids"]),
    ("a simple cartoon of a tractor", "could you turn it into black and white line art please", ["line art", "tractor"],
     []),
    ("a robot with a cape", "no a GREEN cape", ["green", "cape", "robot"], []),
    ("a bedroom, soft sage green walls", "the sage fights with the rug. try pale grey walls instead",
     ["pale grey walls"], ["sage", "rug"]),
    ("a hall with a blue door", "ugh, the blue doesn't go with the tiles. make the door yellow", ["yellow door"],
     ["blue", "tiles"]),
])
def test_edits_with_their_reasons_and_corrections(current, instruction, must, must_not):
    merged = merged_edit_prompt(current, instruction)
    assert [w for w in must if not _has(merged, w)] == [] and [w for w in must_not if _has(merged, w)] == [], merged


def test_a_take_picked_by_its_number_alone():
    takes = tuple({"id": f"t{i}", "prompt": "a castle on a hill", "operation": "generate", "seed": i, "batch": "b"}
                  for i in range(3))
    for text, picked in [("#2 is the one", "t1"), ("ok we're going with 3!", "t2"), ("let's do 1", "t0")]:
        calls = _chat([("show me 3 takes", "generate_image")], text, images=takes).tool_calls
        assert [(c["name"], c["args"].get("image_id")) for c in calls] == [("select_image", picked)], text


def test_what_another_picture_got_goes_on_this_one():
    ledger = ({"id": "a", "prompt": "a porch with a red door", "operation": "generate"},
              {"id": "b", "prompt": "a porch with a red door, with a lantern", "operation": "edit", "parent_id": "a"},
              {"id": "a", "prompt": "a porch with a red door", "operation": "generate"})
    calls = _chat([("go back to the first", "select_image")], "put the lantern on this one too", images=ledger).tool_calls
    assert [(c["name"], c["args"].get("image_id")) for c in calls] == [("edit_image", None)]
    assert _has(calls[0]["args"]["prompt"], "lantern")
    brass = _chat([], "brass knobs on this one too please", images=ledger[:1]).tool_calls
    assert [c["name"] for c in brass] == ["edit_image"] and _has(brass[0]["args"]["prompt"], "porch")


@pytest.mark.parametrize(("current", "instruction", "must", "must_not"), [
    ("a van on a road", "cheers. make the sky a bit greyer while you're at it", ["grey", "van"], ["cheers", "while"]),
    ("a bench by a graffiti-covered fence", "take the graffiti off please", ["fence", "bench"], ["graffiti", "covered"]),
    ("a barn, misty dawn", "change the mist to bright sunshine", ["barn", "sunshine"], ["misty"]),
    ("a quilt pattern of stars, red and green", "make it all green, no red", ["green", "stars"], ["red"]),
])
def test_edits_with_fillers_compounds_and_weather_words(current, instruction, must, must_not):
    merged = merged_edit_prompt(current, instruction)
    assert [w for w in must if not _has(merged, w)] == [] and [w for w in must_not if _has(merged, w)] == [], merged


def test_subjects_meant_by_role_nickname_or_going_back():
    me = (("Ola", ("me",)),)
    calls = _chat([], "make me a grumpy mechanic in a garage", me).tool_calls
    assert [(c["name"], c["args"]["subject"]) for c in calls] == [("generate_with_subject", "Ola")]
    assert _chat([], "make me a toastie", me).tool_calls[0]["name"] == "generate_image"
    truck = (("Dottie", ("my truck",)),)
    shown = ({"id": "a", "prompt": "Dottie parked at a farm stand", "operation": "personalize", "subjects": ["Dottie"]},)
    calls = _chat([("draw dottie at the farm stand", "generate_with_subject")], "now paint my old girl in a snowy field",
                  truck, shown).tool_calls
    assert [(c["name"], c["args"]["subject"]) for c in calls] == [("generate_with_subject", "Dottie")]
    back = _chat([("draw dottie at the farm stand", "generate_with_subject")],
                 "Lovely. Going back to the farm stand one, could you pop some pumpkins beside her?", truck, shown).tool_calls
    assert [c["name"] for c in back] == ["edit_image"] and _has(back[0]["args"]["prompt"], "pumpkins")
    tee = (("Moth Tee", ("my shirt",)),)
    plain = _chat([], "draw a pattern of moth wings, beige and brown, no shirt", tee).tool_calls
    assert [c["name"] for c in plain] == ["generate_image"]


def test_a_photo_to_clean_up_is_no_enrolment():
    calls = _chat([], "here's my shop counter, can you clean up the clutter and get rid of the wires", attached=1).tool_calls
    assert [c["name"] for c in calls] != ["register_subject"]
    dusk = route("could you kindly render the scene at dawn with mist rising", "a canal with narrowboats").tool_calls
    assert [c["name"] for c in dusk] == ["edit_image"] and _has(dusk[0]["args"]["prompt"], "canal")


def test_a_message_written_as_a_letter_is_read_without_its_letter():
    from chatcanvas.agent import language as lang

    assert lang.without_letter("Dear assistant,\n\nCould the gate be green?\n\nWarm regards,\nEdith") == \
        "Could the gate be green?"
    assert lang.without_letter("Good morning,\n\nA rowing boat on a lake, please.\n\nYours faithfully,\nR. T. Hale") == \
        "A rowing boat on a lake, please."
    assert lang.without_letter("a fox in the snow") == "a fox in the snow"
    assert lang.without_letter("Dear assistant, could the gate be green? Kind regards, Edith") == "could the gate be green?"
    asked = route("Dear Assistant,\n\nI would like a picture of a windmill for my brother, who loves tulips.\n\n"
                  "Best wishes,\nJoan", None).tool_calls
    assert [c["name"] for c in asked] == ["generate_image"]
    prompt = asked[0]["args"]["prompt"]
    assert _has(prompt, "windmill") and _has(prompt, "tulips") and not _has(prompt, "joan") and not _has(prompt, "dear")
    hat = merged_edit_prompt("Rufus dressed as a sea captain", "A fine effort. Might he also wear a pipe?")
    assert _has(hat, "pipe") and not _has(hat, "effort") and not _has(hat, "might")
    off = merged_edit_prompt("Rufus dressed as a sea captain, with a pipe",
                             "On second thought, take the pipe away; it looks silly.")
    assert not _has(off, "pipe") and _has(off, "captain")


@pytest.mark.parametrize(("text", "current"), [
    ("evening. is this the app that makes pictures?", None),
    ("Good day. Is possible to make picture of my parrot?", None),
    ("that's the sort of cottage we'd love to live in one day. after the kids leave", "a cottage by a stream"),
])
def test_talk_of_the_app_and_of_life_gets_words(text, current):
    message = route(text, current)
    assert message.tool_calls == [] and message.content


def test_photos_announced_then_asked_about_and_ranked_in_two_sentences():
    upload = ({"id": "u", "prompt": None, "operation": "upload"},)
    calls = _chat([], "here's the nursery, can you paint clouds on the wall", images=upload, attached=1).tool_calls
    assert [c["name"] for c in calls] == ["edit_image"] and _has(calls[0]["args"]["prompt"], "clouds")
    assert not _has(calls[0]["args"]["prompt"], "paint")
    takes = tuple({"id": f"t{i}", "prompt": "a harbour at dawn", "operation": "generate", "seed": i, "batch": "b"}
                  for i in range(3))
    calls = _chat([("three more of that please", "generate_image")],
                  "The third of those three is best. Could I have it back?", images=takes).tool_calls
    assert [(c["name"], c["args"].get("image_id")) for c in calls] == [("select_image", "t2")]
    rolls = merged_edit_prompt("a bowl of soup", "add spring rolls on a plate")
    assert _has(rolls, "spring rolls") and not _has(rolls, "in spring")


@pytest.mark.parametrize(("current", "text", "must", "must_not"), [
    ("Grandad Ray in his workshop", "He always had a flat cap on, even indoors.", ["flat cap", "workshop"], ["indoors"]),
    ("Nan at the seaside", "her hair was whiter by then though", ["white", "seaside"], []),
    ("Rufus on the sofa", "he'd have his red ball, always that ball", ["red ball", "sofa"], ["always"]),
])
def test_a_change_told_as_a_memory_edits_the_picture(current, text, must, must_not):
    calls = route(text, current).tool_calls
    assert [c["name"] for c in calls] == ["edit_image"]
    prompt = calls[0]["args"]["prompt"]
    assert [w for w in must if not _has(prompt, w)] == [] and [w for w in must_not if _has(prompt, w)] == [], prompt


@pytest.mark.parametrize(("text", "current"), [
    ("lmaooo", "a goose in a tuxedo"),
    ("ok lowkey not bad", "a goose in a tuxedo"),
    ("omg his tiny bow tie", "a goose in a tuxedo"),
    ("oh my god so fancy lol", "a goose in a tuxedo"),
    ("wow so fancy 💀 he'd bite you irl", "a goose in a tuxedo"),
    ("My uncle retires next month after 40 years at the docks. I want a funny card for him, is that something you can "
     "do?", None),
    ("we've got loads of old photos of her somewhere", None),
])
def test_reactions_and_stories_get_words(text, current):
    message = route(text, current)
    assert message.tool_calls == [] and message.content


@pytest.mark.parametrize(("text", "name", "aliases"), [
    ("this is my van. call it bluebell", "Bluebell", ["my van"]),
    ("ok so my gf nadia's graduation is friday 😭 these are her", "Nadia", ["my gf"]),
    ("this is my mate kofi he still owes me a pint", "Kofi", ["my mate"]),
    ("These are of him. Wilf. (Wilfred really but nobody used it)", "Wilf", []),
    ("Attached. She is Rosalind, though the whole office calls her 'the Boss'.", "Rosalind", ["the boss"]),
    ("My neighbour's dog Crumpet passed away on Sunday. She sent me these.", "Crumpet", []),
])
def test_more_ways_people_name_who_the_photos_show(text, name, aliases):
    calls = _with(FAMILY, text, attached=4).tool_calls
    assert [(c["name"], c["args"].get("name")) for c in calls] == [("register_subject", name)], calls
    assert [a for a in aliases if a not in calls[0]["args"].get("aliases", [])] == [], calls


def test_subjects_in_new_places_parts_of_them_and_no_videos():
    crew = (("Ines", ("bestie",)), ("Tomas", ("tom",)))
    cake = ({"id": "c", "prompt": "Ines and Tomas on a rooftop", "operation": "personalize", "subjects": ["Ines"]},)
    calls = _chat([("ines and tom on a rooftop", "generate_with_subject")], "ok now put her on a camel in the desert", crew,
                  cake).tool_calls
    assert [(c["name"], c["args"].get("subject")) for c in calls] == [("generate_with_subject", "Ines")]
    dress = _chat([("ines and tom on a rooftop", "generate_with_subject")], "put her in a green jumpsuit", crew, cake).tool_calls
    assert [c["name"] for c in dress] == ["edit_image"]
    hair = _chat([("ines and tom on a rooftop", "generate_with_subject")], "make tom hair more curly, he has curls irl",
                 crew, cake).tool_calls
    assert [c["name"] for c in hair] == ["edit_image"] and _has(hair[0]["args"]["prompt"], "rooftop")
    video = _chat([("ines and tom on a rooftop", "generate_with_subject")], "can u make her dance in a video", crew,
                  cake)
    assert video.tool_calls == [] and "still" in video.content
    old = _chat([("draw a portrait of her", None)], "could you do a portrait of her by the window",
                (("Mabel", ("mum",)),), (), 0)
    assert [c["name"] for c in old.tool_calls] in (["generate_with_subject"], ["generate_image"])


def test_the_one_asked_for_and_kin_said_at_enrolment():
    family = (("Maureen", ("mam",)), ("Scout", ("the dog",)))
    calls = _chat([], "mam's birthday is next week and I want a print for her. the dog's in here already, can you do Scout "
                      "on the pier at Howth", family).tool_calls
    assert [(c["name"], c["args"]["subject"]) for c in calls] == [("generate_with_subject", "Scout")]
    calls = _with([{"name": "Aldo", "aliases": ["nonno"]}], "ok adding nonna too, here are pics of her, her name is Rita",
                  attached=4).tool_calls
    assert [(c["name"], c["args"]["name"]) for c in calls] == [("register_subject", "Rita")]
    assert "nonna" in calls[0]["args"].get("aliases", [])
    kin = (("Aldo", ("nonno",)), ("Rita", ("nonna",)))
    calls = _chat([], "nonna in a red dress at the market", kin).tool_calls
    assert [(c["name"], c["args"]["subject"]) for c in calls] == [("generate_with_subject", "Rita")]


def test_a_new_place_for_the_one_on_screen_and_one_more_thing_on_it():
    pup = (("Biscuit", ("my dog",)),)
    shown = ({"id": "b", "prompt": "Biscuit in the snow with a ball", "operation": "personalize", "subjects": ["Biscuit"]},)
    calls = _chat([("draw biscuit in the snow", "generate_with_subject")], "now make him in Lisbon on a tram", pup,
                  shown).tool_calls
    assert [(c["name"], c["args"].get("subject")) for c in calls] == [("generate_with_subject", "Biscuit")]
    scarf = _chat([("draw biscuit in the snow", "generate_with_subject")], "make him in a woolly scarf", pup, shown).tool_calls
    assert [c["name"] for c in scarf] == ["edit_image"]
    cape = _chat([("draw biscuit in the snow", "generate_with_subject")], "my daughter says Biscuit needs a bandana, can u add one",
                 pup, shown).tool_calls
    assert [c["name"] for c in cape] == ["edit_image"] and _has(cape[0]["args"]["prompt"], "bandana")


@pytest.mark.parametrize(("text", "n"), [
    ("could you give us a few to choose between", 3), ("show me a couple", 2), ("few more?", 3),
    ("my husband says make a few so he can pick", 3), ("do some different", 3), ("4 to compare", 4),
])
def test_a_number_of_takes_said_without_a_noun(text, n):
    calls = route(text, "a lighthouse on a cliff").tool_calls
    assert [(c["name"], c["args"].get("n")) for c in calls] == [("generate_image", n)]


@pytest.mark.parametrize(("history", "text", "name", "alias"), [
    ([], "and these are her cousin Marta, she is 9. she'll want one too", "Marta", "her cousin"),
    ([], "our hamster pics, his official name is Lord Whiskerton but we all call him Tater", "Tater", "Lord Whiskerton"),
    ([], "this is Pip hes 4 months", "Pip", None),
    ([], "snapped a few of us on the trip. call us 'Ana y Luis'", "Ana y Luis", "us"),
    ([], "my cat pumpkin photos, she's a ginger tabby, 3 yrs", "Pumpkin", "my cat"),
    ([("hey i'm dara i'm 12, can i make pics", None)], "ok these are me", "Dara", "me"),
])
def test_names_said_beside_what_is_told_of_them(history, text, name, alias):
    calls = _chat(history, text, attached=4).tool_calls
    assert [(c["name"], c["args"]["name"]) for c in calls] == [("register_subject", name)]
    if alias:
        assert alias in calls[0]["args"].get("aliases", [])


@pytest.mark.parametrize(("text", "must"), [
    ("this is the spare room, could you show me it with bunk beds and a desk", ["bunk", "desk"]),
    ("I'd love to see it with a hammock between the trees", ["hammock"]),
    ("snapped this at the lake yesterday and a boat photobombed it, could you remove it", ["lake"]),
])
def test_one_photo_with_a_change_asked_is_edited_not_enrolled(text, must):
    upload = ({"id": "p0", "prompt": "a picture", "operation": "upload"},)
    calls = _chat([], text, images=upload, attached=1).tool_calls
    assert [c["name"] for c in calls] == ["edit_image"]
    assert all(_has(calls[0]["args"]["prompt"], word) for word in must), calls[0]["args"]["prompt"]


@pytest.mark.parametrize(("text", "current", "must", "must_not"), [
    ("make the lantern brighter and a bit warmer", "a cabin, a dim lantern on the porch", ["brighter", "lantern"], []),
    ("make the rug wool", "a bedroom with a grey rug", ["wool rug"], ["grey"]),
    ("make the table plain oak again but keep the flowers", "a kitchen, a white table, flowers", ["oak table", "flowers"],
     ["white", "keep", "again"]),
    ("make the sea a little more stormy", "a lighthouse on a cliff", ["stormy sea", "lighthouse"], []),
    ("make the blinds bamboo", "a sunroom with a sofa", ["bamboo blinds", "sofa"], []),
])
def test_what_is_said_of_a_thing_goes_before_it(text, current, must, must_not):
    prompt = merged_edit_prompt(current, text)
    assert [w for w in must if not _has(prompt, w)] == [], prompt
    assert [w for w in must_not if _has(prompt, w)] == [], prompt


@pytest.mark.parametrize(("text", "current", "must", "must_not"), [
    ("put her nonna next to her at the table", "a nonno at a table with pasta", ["nonna", "pasta"], []),
    ("no sword actually my sister says it's too violent for the nursery", "a knight with a sword, a shield",
     ["knight", "shield"], ["sword", "violent"]),
    ("change the fish to a turtle, she doesn't like fish honestly", "a girl at an aquarium looking at a fish",
     ["turtle", "aquarium"], ["fish", "like"]),
    ("looks nice but warmer", "a cabin in the woods", ["warmer", "cabin"], ["nice"]),
    ("make the pillow the green velvet one from the shop", "a bed with a pillow, a lamp", ["green velvet pillow", "lamp"],
     ["shop"]),
])
def test_edits_keep_the_words_and_drop_the_reasons(text, current, must, must_not):
    prompt = merged_edit_prompt(current, text)
    assert [w for w in must if not _has(prompt, w)] == [], prompt
    assert [w for w in must_not if _has(prompt, w)] == [], prompt


def test_a_take_picked_with_praise_and_questions_about_the_world():
    takes = [{"id": "a", "prompt": "a fox in a hat", "operation": "generate", "seed": 1},
             *({"id": f"t{i}", "prompt": "a fox in a hat, at night", "operation": "generate", "seed": 10 + i}
               for i in range(3))]
    picked = route("oh wow the second one of those is gorgeous", takes[-1]["prompt"], takes)
    assert [(c["name"], c["args"]["image_id"]) for c in picked.tool_calls] == [("select_image", "t1")]
    for text in ("oh wow his little hat", "lmao look at his face"):
        reply = route(text, "a fox in a hat")
        assert reply.tool_calls == [] and "Glad you like it" in reply.content
    for text in ("honestly do bright colours make a kids room feel busy?",
                 "honest opinion, watercolour or pencil for the nursery print"):
        reply = route(text, "a nursery with a crib")
        assert reply.tool_calls == [] and "compare" in reply.content, text


@pytest.mark.parametrize(("text", "name", "alias"), [
    ("these r my tiger stripe vans i customised", "Tiger Stripe Vans", "my tiger stripe vans"),
    ("this is my bike zephyr, i restored her from scrap over the winter", "Zephyr", None),
    ("ok this is bramble 🌱 my fiddle leaf fig, she is 2 and very dramatic", "Bramble", "my fiddle leaf fig"),
    ("this is pickle his hamster, very chonky", "Pickle", "his hamster"),
    ("here he is. otto. the whole street calls him big o", "Otto", None),
])
def test_things_and_pets_named_among_what_is_told_of_them(text, name, alias):
    calls = _chat([], text, attached=4).tool_calls
    assert [(c["name"], c["args"]["name"]) for c in calls] == [("register_subject", name)]
    if alias:
        assert alias in calls[0]["args"].get("aliases", [])


def test_takes_of_a_subject_on_screen_and_letters_said_once():
    pup = (("Biscuit", ("my dog",)),)
    shown = ({"id": "b", "prompt": "Biscuit on a sofa", "operation": "personalize", "subjects": ["Biscuit"]},)
    for text, n in (("can we see a couple of him", 2), ("make 3 from this one", 3), ("do 4 more", 4)):
        calls = _chat([("biscuit on a sofa", "generate_with_subject")], text, pup, shown).tool_calls
        assert [(c["name"], c["args"].get("n")) for c in calls] == [("generate_with_subject", n)], text
    calls = route("a red ballon over a snowy vilage", None).tool_calls
    assert _has(calls[0]["args"]["prompt"], "balloon")


@pytest.mark.parametrize(("text", "current", "must", "must_not"), [
    ("put a mug of coca *cocoa on the table lol autocorrect", "a cabin kitchen, a table", ["cocoa", "table"],
     ["coca", "autocorrect"]),
    ("make it snowy outside comma really cosy inside", "a cabin kitchen", ["snowy", "cosy"], ["comma"]),
    ("visor up actually", "a knight on a horse, visor down", ["visor up", "horse"], ["down"]),
    ("sky = stormy purple", "a castle on a hill", ["stormy", "purple", "castle"], ["="]),
    ("mountains in back", "a lake with a canoe", ["mountains", "background", "canoe"], []),
    ("could u do like a sticker version, white outline", "a corgi in a raincoat", ["sticker", "outline", "corgi"],
     ["do"]),
    ("make it nighttime", "a city street", ["nighttime", "street"], []),
])
def test_edits_typed_in_a_hurry(text, current, must, must_not):
    message = route(text, current)
    assert [c["name"] for c in message.tool_calls] == ["edit_image"], message.content
    prompt = message.tool_calls[0]["args"]["prompt"]
    assert [w for w in must if not _has(prompt, w)] == [], prompt
    assert [w for w in must_not if _has(prompt, w)] == [], prompt


@pytest.mark.parametrize(("text", "replies"), [
    ("ok saving it as my wallpaper bye", "Bye"), ("ok bed now goodnight", ""), ("oooh", ""),
    ("ooh pretty", "Glad you like it"),
])
def test_short_replies_typed_in_a_hurry(text, replies):
    message = route(text, "a corgi in a raincoat")
    assert message.tool_calls == [] and replies in message.content


def test_news_then_an_ask_and_one_for_a_purpose():
    twins = (("Lily", ("lil",)), ("Rose", ("rosie",)))
    news = _chat([], "rosie is going to be so jealous lol", twins)
    assert news.tool_calls == []
    asked = _chat([], "Rose is going to be so jealous lol. draw rose as a pirate queen", twins).tool_calls
    assert [(c["name"], c["args"].get("subject")) for c in asked] == [("generate_with_subject", "Rose")]
    assert lang_fixed("bluer") == "bluer" and lang_fixed("blosom") == "blossom"


def lang_fixed(word: str) -> str:
    from chatcanvas.agent import language

    return language._fix_slip(word)


@pytest.mark.parametrize(("history", "text", "name", "alias"), [
    ([], "here are some of him. his name was arthur but the kids called him grumps", "Arthur", "grumps"),
    ([], "so this is my rabbit pudding shes a lionhead and very grumpy", "Pudding", "my rabbit"),
    ([], "he is waffles, he's a pug", "Waffles", None),
    ([], "our pony biscuit turned 30 today, here she is", "Biscuit", "our pony"),
    ([], "selfies of me attached (rio). want new profile pics", "Rio", "me"),
    ([], "them pics are me, Dale. for the darts club poster", "Dale", "me"),
    ([("our coach mr okafor is retiring and we want to surprise him", None)],
     "these are from the team photo and sports day", "Mr Okafor", "our coach"),
])
def test_names_said_in_lower_case_and_the_user_named(history, text, name, alias):
    calls = _chat(history, text, attached=4).tool_calls
    assert [(c["name"], c["args"]["name"]) for c in calls] == [("register_subject", name)]
    if alias:
        assert alias in calls[0]["args"].get("aliases", [])


def test_after_enrolment_her_is_the_one_enrolled_and_a_video_game_is_no_video():
    mare = (("Duchess", ("my horse",)),)
    photo = ({"id": "p0", "prompt": None, "operation": "upload"},)
    calls = _chat([("my horse duchess, here she is", "register_subject"), ("idk what i want tbh", None)],
                  "maybe her in a meadow at sunrise", mare, photo).tool_calls
    assert [(c["name"], c["args"].get("subject")) for c in calls] == [("generate_with_subject", "Duchess")]
    me = (("Jayden", ("me", "myself")),)
    calls = _chat([], "bro draw me as a wizard in a video game", me).tool_calls
    assert [(c["name"], c["args"].get("subject")) for c in calls] == [("generate_with_subject", "Jayden")]
    assert "bro" not in calls[0]["args"]["prompt"]


def test_a_brother_called_bro_and_questions_before_the_photos():
    bro = (("Leo", ("bro", "my brother")),)
    calls = _chat([], "bro as an astronaut on the moon", bro).tool_calls
    assert [(c["name"], c["args"].get("subject")) for c in calls] == [("generate_with_subject", "Leo")]
    asked = _chat([], "ok so my cat is called tofu and i want her as a superhero. do u need a few pics or just one")
    assert asked.tool_calls == [] and "photos" in asked.content
    mug = (("Clayjar", ("my jar",)),)
    photo = ({"id": "p0", "prompt": None, "operation": "upload"},)
    calls = _chat([("here are 5 photos of my jar, call it Clayjar", "register_subject")],
                  "show it on a shelf next to some books", mug, photo).tool_calls
    assert [(c["name"], c["args"].get("subject")) for c in calls] == [("generate_with_subject", "Clayjar")]
    assert lang_fixed("blosoms") == "blossoms"


@pytest.mark.parametrize(("text", "name", "aliases"), [
    ("my top seller is a blue enamel teapot we call the Morning Pot, attaching a few shots", "Morning Pot", []),
    ("everyone at the yard calls her the Duchess. 4 pics of my mare", "Duchess", []),
])
def test_a_name_called_with_its_article_is_the_name(text, name, aliases):
    calls = _with_subjects(text, attached=4).tool_calls
    assert [(c["name"], c["args"]["name"]) for c in calls] == [("register_subject", name)]
    assert set(aliases) <= set(calls[0]["args"].get("aliases", []))


@pytest.mark.parametrize(("talk", "enrol", "name", "later", "kind"), [
    ("we adopted a kitten from the shelter on sunday, shes tiny!", "ok these are of her, her name is Olive", "Olive",
     "can you paint our kitten asleep in a teacup", "the kitten"),
    ("Our shop is launching a canvas tote bag in the spring, how many photos would you need?",
     "sending them now. save it as Carryall", "Carryall", "the bag on a picnic table in a sunny orchard",
     "the bag"),
])
def test_what_the_talk_before_the_photos_called_them_is_theirs(talk, enrol, name, later, kind):
    calls = _chat([(talk, None)], enrol, attached=4).tool_calls
    assert calls[0]["name"] == "register_subject" and calls[0]["args"]["name"] == name
    aliases = calls[0]["args"].get("aliases", [])
    assert kind in aliases
    (call,) = _chat([(talk, None), (enrol, "register_subject")], later, ((name, tuple(aliases)),)).tool_calls
    assert (call["name"], call["args"]["subject"]) == ("generate_with_subject", name)


TARTS = [
    {"id": "a", "prompt": "a lemon tart on a slate board", "operation": "generate", "seed": 5},
    {"id": "b", "prompt": "a lemon tart on a slate board, with mint leaves", "operation": "edit", "parent_id": "a",
     "seed": 9},
    {"id": "c", "prompt": "a lemon tart on a slate board, with mint leaves", "operation": "generate", "seed": 40},
    {"id": "d", "prompt": "a lemon tart on a slate board, with mint leaves", "operation": "generate", "seed": 41},
    {"id": "e", "prompt": "a lemon tart on a slate board, with mint leaves", "operation": "generate", "seed": 42},
]


@pytest.mark.parametrize(("text", "current", "selected"), [
    ("nah i liked the one before more", "e", "b"),
    ("meh, none of them top it. go back", "e", "b"),
    ("undo", "e", "b"),
    ("sorry, I prefer the previous", "d", "b"),
    ("i want the first one you made with the mint", "e", "b"),
])
def test_the_one_before_a_batch_of_takes_is_the_one_they_came_from(text, current, selected):
    prompt = next(image["prompt"] for image in TARTS if image["id"] == current)
    message = IntentRouter().bind_tools(TOOLS, turn={
        "current_image_id": current, "current_prompt": prompt, "extras": {"images": TARTS}}
    ).invoke([HumanMessage(text)])
    assert [(call["name"], call["args"]) for call in message.tool_calls] == [("select_image", {"image_id": selected})]


def test_a_single_new_take_still_steps_back_to_the_take_before():
    images = [{"id": "a", "prompt": "a lemon tart", "operation": "generate", "seed": 5},
              {"id": "b", "prompt": "a lemon tart", "operation": "generate", "seed": 77}]
    message = IntentRouter().bind_tools(TOOLS, turn={
        "current_image_id": "b", "current_prompt": "a lemon tart", "extras": {"images": images}}
    ).invoke([HumanMessage("the one before was nicer")])
    assert [(call["name"], call["args"]) for call in message.tool_calls] == [("select_image", {"image_id": "a"})]


TRIO = (("Pip", ("the grey one",)), ("Squeak", ("the white one",)), ("Gus", ("the hamster",)))


@pytest.mark.parametrize(("text", "current", "tool", "subject", "must"), [
    ("give squeak a tiny banjo", "Pip and Squeak as a folk duo on a porch", "edit_image", None, ["banjo", "porch"]),
    ("lol ok gus next. he's a lumberjack", "Pip and Squeak as a folk duo on a porch", "generate_with_subject", "Gus",
     ["lumberjack"]),
    ("now pip, but she's a ballerina, same style", "Gus as a lumberjack in a forest", "generate_with_subject", "Pip",
     ["ballerina"]),
])
def test_one_of_several_named_in_the_picture_or_next(text, current, tool, subject, must):
    image = {"id": "p1", "prompt": current, "operation": "personalize", "subjects": [current.split()[0]], "seed": 3}
    (call,) = _chat([("draw them", "generate_with_subject")], text, TRIO, (image,)).tool_calls
    assert call["name"] == tool and call["args"].get("subject") == subject
    assert [w for w in must if not _has(call["args"]["prompt"], w)] == [], call["args"]["prompt"]


@pytest.mark.parametrize(("text", "kind"), [
    ("here is a photo of my knitted scarf but the light in our hall is awful, can you make it look like a studio "
     "shot", "scarf"),
    ("my husband built this bird box last weekend, could you show it painted sage green", "bird box"),
    ("our class photo from the trip, can you brighten the sky", "class"),
])
def test_an_upload_is_described_by_what_the_user_says_it_shows(text, kind):
    upload = ({"id": "p0", "prompt": "a picture", "operation": "upload"},)
    (call,) = _chat([], text, images=upload, attached=1).tool_calls
    assert call["name"] == "edit_image" and kind in call["args"]["prompt"], call["args"]["prompt"]


@pytest.mark.parametrize(("current", "text", "must", "must_not"), [
    ("a fox and a crow on a fence", "make the crow hold a shiny key", ["crow holding a shiny key", "fox"], []),
    ("a puppy on a rug", "can you make the puppy wag its tail", ["puppy wagging its tail", "rug"], []),
    ("a knight at a castle gate", "make him wave at us", ["him waving", "knight"], []),
    ("a knight at a castle gate", "make the sky pink", ["pink sky", "knight"], []),
])
def test_someone_made_to_do_something_is_shown_doing_it(current, text, must, must_not):
    _edits_to(text, current, must, must_not)


@pytest.mark.parametrize(("text", "must", "must_not"), [
    ("my daughter's class is putting on a play about a lost penguin, can you draw him? wearing a scarf, snowy",
     ["penguin", "scarf", "snowy"], ["draw", "him"]),
    ("there's this old windmill near my gran's house, could you paint it at dusk", ["old windmill", "dusk"], ["paint"]),
])
def test_him_or_it_with_nothing_on_screen_is_the_thing_said_before_the_ask(text, must, must_not):
    (call,) = route(text, None).tool_calls
    assert call["name"] == "generate_image"
    assert [w for w in must if not _has(call["args"]["prompt"], w)] == [], call["args"]["prompt"]
    assert [w for w in must_not if _has(call["args"]["prompt"], w)] == [], call["args"]["prompt"]


@pytest.mark.parametrize("text", [
    "OK SO MY GRANDAUGHTER SAYS YOU CAN MAKE PICTURES OF OUR DOG. SHE SET IT ALL UP FOR ME",
    "my neighbour told me this app can draw anything you ask it",
    "solid. appreciate it, coach out",
    "appreciate it!!",
])
def test_what_someone_said_it_can_do_and_thanks_are_answered_in_words(text):
    message = route(text, "a dog on a beach")
    assert message.tool_calls == [] and message.content


def test_a_message_in_capitals_is_read_as_words():
    (call,) = route("CAN YOU DRAW A LIGHTHOUSE ON A ROCKY ISLAND AT NIGHT", None).tool_calls
    assert call["name"] == "generate_image" and call["args"]["prompt"] == "a lighthouse on a rocky island at night"
    (call,) = route('ADD A BANNER THAT SAYS "HAPPY 90TH NAN"', "a cake on a table").tool_calls
    assert call["name"] == "edit_image" and "HAPPY 90TH NAN" in call["args"]["prompt"]


def test_a_look_compared_to_old_photos_changes_the_picture_on_screen():
    images = [{"id": "a", "prompt": "an old bench in a rose garden", "operation": "generate"},
              {"id": "b", "prompt": "a bride in a lace dress", "operation": "generate"}]
    (call,) = route("make it sepia like the old photos from back then", "a bride in a lace dress", images).tool_calls
    assert call["name"] == "edit_image" and call["args"].get("image_id") in (None, "b")


@pytest.mark.parametrize(("text", "name"), [
    ("Thanks for waiting. I dug out five photographs of Albert from the loft and my daughter helped me to put them "
     "on the computer. Margaret Hughes", "Albert"),
    ("we want a poster for our netball club, the Comets. heres our mascot bear bramble from the last tournament",
     "Bramble"),
])
def test_the_one_the_photos_present_is_named_not_the_team_or_the_signature(text, name):
    calls = _with_subjects(text, attached=4).tool_calls
    assert [(c["name"], c["args"]["name"]) for c in calls] == [("register_subject", name)]


@pytest.mark.parametrize(("text", "n"), [
    ("give me 3 versions, my players get to vote on the scariest", 3),
    ("show me a couple of options so my sister can choose", 2),
])
def test_takes_asked_with_a_reason_are_takes_of_the_picture(text, n):
    (call,) = route(text, "a swamp witch with glowing eyes").tool_calls
    assert call["name"] == "generate_image" and call["args"] == {"prompt": "a swamp witch with glowing eyes", "n": n}


@pytest.mark.parametrize(("text", "subjects", "current", "shows", "subject", "must"), [
    ("gran keeps asking for her own one where she's a rock star lol", (("Edna", ("gran", "my gran")),
                                                                      ("Milo", ("my son",))),
     "Milo as a wizard in a tower", ("Milo",), "Edna", ["rock star"]),
    ("jojo's gonna sulk that he wasnt in it. do him as a pirate on a raft", (("Jojo", ()), ("Bea", ())),
     "Bea as a pilot over the clouds", ("Bea",), "Jojo", ["pirate", "raft"]),
    ("evening! need something for my husband's retirement. him as a captain at the wheel of a ship",
     (("Dev", ("my husband", "hubby")),), None, (), "Dev", ["captain", "ship"]),
])
def test_one_asked_for_by_what_was_said_of_them_before(text, subjects, current, shows, subject, must):
    (call,) = _turn(text, subjects, current, shows).tool_calls
    assert (call["name"], call["args"]["subject"]) == ("generate_with_subject", subject)
    assert [w for w in must if not _has(call["args"]["prompt"], w)] == [], call["args"]["prompt"]


@pytest.mark.parametrize(("text", "must"), [
    ("he's a lefty haha can the bat be in his left hand", ["bat in his left hand", "batter"]),
    ("could the lantern be on the table", ["lantern on the table", "batter"]),
])
def test_can_the_thing_be_somewhere_is_a_change(text, must):
    _edits_to(text, "a batter at home plate", must, [])


@pytest.mark.parametrize(("text", "name", "alias"), [
    ("my partner's dog pip passed in june. here are some photos of her", "Pip", "my dog"),
    ("right let me add our son as well, these are arlo", "Arlo", "our son"),
])
def test_names_after_a_possessive_or_an_announced_addition(text, name, alias):
    calls = _with_subjects(text, attached=4).tool_calls
    assert [(c["name"], c["args"]["name"]) for c in calls] == [("register_subject", name)]
    assert alias in calls[0]["args"].get("aliases", [])


@pytest.mark.parametrize(("text", "must", "must_not"), [
    ("can you draw my nephew as a racing driver, he's just passed his driving test and he's over the moon",
     ["racing driver"], ["passed", "test", "moon"]),
    ("a cat asleep on a piano, she loves sleeping there", ["cat", "piano"], ["loves"]),
    ("a girl on a swing, she's wearing yellow wellies", ["swing", "yellow wellies"], []),
])
def test_what_is_told_of_them_after_the_picture_is_not_drawn(text, must, must_not):
    (call,) = route(text, None).tool_calls
    prompt = call["args"]["prompt"]
    assert [w for w in must if not _has(prompt, w)] == [] and [w for w in must_not if _has(prompt, w)] == [], prompt


THEMES = [
    {"id": "a", "prompt": "Nell as a ballerina on a stage", "operation": "personalize", "seed": 4, "subjects": ["Nell"]},
    {"id": "b", "prompt": "Nell as a ballerina on a stage, with roses", "operation": "edit", "parent_id": "a", "seed": 5,
     "subjects": ["Nell"]},
    {"id": "c", "prompt": "Nell as a bride in a lace veil", "operation": "personalize", "seed": 6, "subjects": ["Nell"]},
    {"id": "s", "prompt": "Nell as an astronaut on the moon", "operation": "personalize", "seed": 9, "subjects": ["Nell"]},
    {"id": "d", "prompt": "Nell as an astronaut on the moon", "operation": "personalize", "seed": 70, "subjects": ["Nell"]},
    {"id": "e", "prompt": "Nell as an astronaut on the moon", "operation": "personalize", "seed": 71, "subjects": ["Nell"]},
]


@pytest.mark.parametrize(("text", "selected"), [
    ("back to the ballet one please, I want to print it for her room", "b"),
    ("the wedding one again", "c"),
    ("neither of these beats the space one from before", "s"),
    ("actually her first one was cuter", "a"),
    ("the first of those two, she looks so determined haha", "d"),
])
def test_pictures_named_by_their_theme_and_whose_they_are(text, selected):
    message = IntentRouter().bind_tools(TOOLS, turn={
        "current_image_id": "e", "current_prompt": THEMES[-1]["prompt"], "extras": {"images": THEMES}}
    ).invoke([HumanMessage(text)])
    assert [(call["name"], call["args"]) for call in message.tool_calls] == [("select_image", {"image_id": selected})]


def test_a_take_picked_by_its_number_in_words():
    images = [{"id": "p", "prompt": "a kite over a hill", "operation": "generate", "seed": 3}] + [
        {"id": f"t{i}", "prompt": "a kite over a hill", "operation": "generate", "seed": 50 + i} for i in range(3)]
    for text, picked in (("Option two.", "t1"), ("I'll take number three", "t2"), ("- #1 is the one", "t0")):
        message = IntentRouter().bind_tools(TOOLS, turn={
            "current_image_id": "t2", "current_prompt": "a kite over a hill", "extras": {"images": images}}
        ).invoke([HumanMessage(text)])
        assert [(c["name"], c["args"]) for c in message.tool_calls] == [("select_image", {"image_id": picked})], text


@pytest.mark.parametrize(("current", "text", "must"), [
    ("a volcano by the sea", "make the volcano erupt", ["erupt"]),
    ("a sticker, a sun on a blue background", "make the blue background a sunset gradient", ["sunset gradient"]),
    ("a cake on a pink background", "make the background mint green instead", ["mint green background"]),
])
def test_a_change_said_with_make_is_not_read_as_someone_doing_something(current, text, must):
    _edits_to(text, current, must, [])


@pytest.mark.parametrize(("text", "n", "must"), [
    ("give me three takes on a big black cross on a yellow and white striped background", 3,
     ["black cross", "striped"]),
    ("4 takes on a red circle", 4, ["red circle"]),
    ("could u do a few takes on a cat in a hat", 3, ["cat in a hat"]),
    ("ok now two different takes on a lighthouse at dusk pls", 2, ["lighthouse"]),
    ("let's see 3 variations on an old sailing ship in a storm", 3, ["sailing ship", "storm"]),
])
def test_takes_on_something_new_draw_it_not_the_picture_on_screen(text, n, must):
    (call,) = route(text, "a pink star on a white background").tool_calls
    assert call["name"] == "generate_image" and call["args"].get("n") == n, call
    assert [w for w in must if not _has(call["args"]["prompt"], w)] == [] and "star" not in call["args"]["prompt"]


@pytest.mark.parametrize("text", ["3 variations on a blue background", "two versions on a green backdrop"])
def test_takes_on_a_background_are_takes_of_the_picture_on_it(text):
    (call,) = route(text, "a pink star on a white background").tool_calls
    assert call["name"] == "generate_image" and "pink star" in call["args"]["prompt"], call
    assert "white" not in call["args"]["prompt"] and call["args"]["n"] in (2, 3)


@pytest.mark.parametrize(("text", "n", "ground"), [
    ("give me 3 versions on a dark background please", 3, "dark background"),
    ("a few versions on a black background", 3, "black background"),
    ("2 more on a light grey background", 2, "light gr"),
    ("can I get a couple more on a starry backdrop?", 2, "starry backdrop"),
    ("4 options against a dark background", 4, "dark background"),
])
def test_takes_on_a_new_ground_keep_the_picture_and_lose_the_old_ground(text, n, ground):
    (call,) = route(text, "a pink star on a white background").tool_calls
    assert call["name"] == "generate_image" and call["args"].get("n") == n, call
    prompt = call["args"]["prompt"]
    assert "pink star" in prompt and ground in prompt and "white" not in prompt, prompt


@pytest.mark.parametrize(("current", "change", "expected"), [
    ("a pink star on a white background", "put it on a dark background", "a pink star on a dark background"),
    ("a pink star on a white background", "on dark background", "a pink star on a dark background"),
    ("a pink star on a white background", "dark background please", "a pink star on a dark background"),
    ("a pink star on a white background", "against a starry background", "a pink star against a starry background"),
    ("a pink star on a white background", "put it on a blue background maybe", "a pink star on a blue background"),
    ("a pink star on a white background", "on the same background i think", "a pink star on a white background"),
    ("a fox in a forest, dark background", "on a foggy backdrop instead", "a fox in a forest, on a foggy backdrop"),
    ("a pink star on a white background", "make the background darker", "a pink star on a light grey background"),
    ("a pink star on a white background", "make the background dark", "a pink star on a dark grey background"),
    ("a red circle on a blue background", "make the background a bit darker", "a red circle on a dark blue background"),
    ("a red circle on a light blue background", "darker background", "a red circle on a blue background"),
    ("a red circle on a dark blue background", "make the background lighter", "a red circle on a blue background"),
    ("a red circle on a blue background", "make the background pale", "a red circle on a pale blue background"),
    ("a pink star on a white background", "make the star darker", "a dark pink star on a white background"),
    ("a fox in a forest, dark background", "make the background light", "a fox in a forest, light background"),
    ("a green circle on a blue background", "smaller circle", "a small green circle on a blue background"),
    ("a green circle on a blue background", "make the circle a bit bigger", "a big green circle on a blue background"),
    ("a green circle on a blue background", "a smaller circle", "a small green circle on a blue background"),
    ("a green circle on a striped background", "make it red and white stripes",
     "a green circle on a red and white striped background"),
    ("a green circle on a blue and yellow striped background", "make the stripes red and white",
     "a green circle on a red and white striped background"),
    ("a green circle on a blue and yellow striped background", "make the background checkered",
     "a green circle on a blue and yellow checkered background"),
])
def test_a_new_ground_or_a_lighter_or_darker_colour_replaces_the_old_words(current, change, expected):
    from chatcanvas.agent import rewrite

    assert rewrite.edit_prompt(current, change) == expected


@pytest.mark.parametrize("text", ["now a red cross on green and white stripes",
                                  "ok now a small white ring on a blue background",
                                  "next: a green square in the top left corner"])
def test_now_a_whole_new_description_after_edits_and_takes_is_the_next_picture(text):
    said = "a big yellow triangle in the top right corner on a black background"
    images = [{"id": "i1", "prompt": "a yellow triangle on a purple background", "operation": "generate", "seed": 1},
              {"id": "i2", "prompt": said, "operation": "edit", "seed": 2},
              {"id": "i3", "prompt": said, "operation": "generate", "seed": 3}]
    history = [("hey can you make me a picture of a yellow triangle on a purple background", "generate_image"),
               ("hmm put it in the top right corner", "edit_image"),
               ("try it on a black background instead", "edit_image"),
               ("give me 2 more like this", "generate_image"), ("the second one", "select_image")]
    (call,) = _chat(history, text, (), tuple(images)).tool_calls
    assert call["name"] == "generate_image" and "triangle" not in call["args"]["prompt"], call


@pytest.mark.parametrize(("text", "expected"), [
    ("now a red cross on yellow", "a red cross on a yellow background"),
    ("draw a green ring on red and white stripes", "a green ring on a red and white striped background"),
    ("can u do a small blue star on black pls", "a small blue star on a black background"),
])
def test_a_shape_on_a_colour_is_on_a_background_of_that_colour(text, expected):
    (call,) = route(text, None).tool_calls
    assert call["name"] == "generate_image" and call["args"]["prompt"] == expected, call
