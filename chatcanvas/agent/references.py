"""Conversation references on the image ledger: "undo", "go back to the first one", "the second picture",
"the red one" name an earlier image; "another one", "3 variations" ask for more takes of the current one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from chatcanvas.agent import language as lang


@dataclass(frozen=True)
class LedgerImage:
    """One image of the conversation, as the router sees it (oldest first, ordinal from 1)."""

    id: str
    ordinal: int
    prompt: str | None
    operation: str
    parent_id: str | None = None
    seed: int | None = None
    subjects: tuple[str, ...] = ()  # the names of the subjects drawn in it ("the picture of Halo")
    subject_aliases: tuple[str, ...] = ()  # what else the user calls them ("the one of grandma")
    in_set: bool = False  # one of several photos sent together (a subject's enrollment), not a picture to count

    @property
    def words(self) -> str:
        """What the picture shows, to match a description against: its prompt and its subjects' names."""
        return " ".join([self.prompt or "", *self.subjects, *self.subject_aliases]).lower()


ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "fifth": 5,
            "5th": 5, "sixth": 6, "6th": 6, "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10, "last": -1,
            "latest": -1, "original": 1}
_IMAGE_NOUN = r"(?:one|picture|pic|image|photo|photograph|version|option|take|variation|variant|drawing|attempt|try|" \
              r"shot|draft|painting|sketch|upload|thing)"
UNDO = re.compile(
    r"^(?:(?:and\s+)?(?:prev|step\s+back(?:\s+one)?|back\s+one|back(?:\s+again)?)|undo(?:\s+(?:that|it|this|"
    r"the\s+last\s+(?:change|edit|step|one)|last))?|revert(?:\s+(?:that|it|this))?|"
    r"go\s+back(?:\s+(?:one|a\s+step|to\s+(?:the\s+)?(?:previous|last|earlier|old|older|other|one\s+before)"
    r"(?:\s+" + _IMAGE_NOUN + r")?|to\s+(?:how|what)\s+it\s+was(?:\s+before)?|to\s+before))?|"
    r"(?:take|put|change|switch|set)\s+(?:that|it)\s+back|step\s+back|back\s+to\s+(?:the\s+)?(?:previous|last|"
    r"old|earlier|other)(?:\s+" + _IMAGE_NOUN + r")?|(?:the\s+)?(?:previous|earlier|old|older|prior)(?:\s+" +
    _IMAGE_NOUN + r")?(?:\s+(?:was|is|looked)\s+(?:better|nicer|best))?|(?:the\s+)?(?:last|other)\s+" +
    _IMAGE_NOUN + r"\s+(?:was|is|looked)\s+(?:better|nicer)|(?:i|we)\s+(?:liked|preferred|prefer|like)\s+"
    r"(?:it|that|the\s+(?:previous|old|other|earlier)(?:\s+" + _IMAGE_NOUN + r")?)\s*(?:better\s+)?"
    r"(?:before|more)?|(?:i|we)\s+(?:liked|preferred)\s+the\s+last(?:\s+" + _IMAGE_NOUN + r")?\s*(?:better\s+)?"
    r"(?:before|more)?|restore(?:\s+(?:the\s+)?(?:previous|last)(?:\s+" + _IMAGE_NOUN + r")?)?|"
    r"(?:the\s+)?one\s+before(?:\s+(?:that|this|it))?|(?:the\s+)?other\s+(?:one|version)|(?:bring|"
    r"put)\s+back\s+the\s+(?:previous|last|old)(?:\s+" +
    _IMAGE_NOUN + r")?|ctrl\s*\+?\s*z|nope,?\s+undo|revert\s+to\s+(?:the\s+)?(?:previous|last)(?:\s+" +
    _IMAGE_NOUN + r")?)(?:\s+(?:please|pls|thanks|then|again|instead))*$", re.I)
_COUNT = r"(?:two|three|four|five|2|3|4|5)"
UNDO_STEPS = re.compile(
    r"^(?:(?:go|step|jump|move|roll)\s+back|back|undo|revert|rewind)\s+(?:(?P<n1>" + _COUNT + r")(?:\s+(?:steps?|times|"
    r"changes|edits|versions|pictures|images|pics|ones))?(?:\s+back)?|(?P<twice>twice|2x|x2|two\s+times)|(?:(?:the\s+)?"
    r"(?:last|past|previous)\s+(?P<n2>" + _COUNT + r")(?:\s+(?:changes|edits|steps|things|versions|ones))?))"
    r"(?:\s+(?:please|pls|then|again))*$|^(?P<n3>" + _COUNT + r")\s+(?:steps?|versions|changes|edits)\s+back"
    r"(?:\s+(?:please|pls))*$|^undo[,.!\s]+undo\W*$", re.I)
"""Undo more than once: "step back twice", "revert the last two changes", "undo the last 3 edits", "2 steps back"."""
_STEP_COUNTS = {"two": 2, "three": 3, "four": 4, "five": 5, "twice": 2, "2x": 2, "x2": 2, "two times": 2}
_PICK = (r"^(?:(?:chat|they|he|she|everyone|everybody|we|the\s+\w+|my\s+\w+|our\s+\w+)\s+(?:picked|chose|voted\s+for|"
         r"went\s+with|prefers?|preferred|liked|loved|wants?)\s+|"
         r"(?:i\s+)?(?:think\s+)?(?:i\s+)?(?:want|like|love|prefer|pick|choose|select|take|'ll\s+take|will\s+take|"
         r"'ll\s+go\s+with|will\s+go\s+with|go\s+with)\s+|let's\s+(?:go\s+with|use|take|pick|see)\s+|"
         r"(?:want|like|'d\s+like|would\s+like)\s+to\s+|to\s+(?=return\b|go\b|switch\b)|return\s+|"
         r"(?:go|going|switch|jump|return|revert|come)\s+(?:back\s+)?to\s+|back\s+to\s+|(?:show|"
         r"give)\s+me\s+(?:again\s+)?|"
         r"(?:(?:can|could|would)\s+(?:you|u)\s+(?:please\s+)?)?"
         r"(?:use|pick|choose|select|open|keep|bring\s+back|restore|reuse|pull\s+up|bring\s+up|dig\s+up|stick\s+with|"
         r"stay\s+with|settle\s+on|(?:i'll|we'll|i\s+will|we\s+will)\s+(?:stick|stay|go)\s+with)\s+|(?:can|could|may|m"
         r"ight)\s+(?:we|"
         r"i)\s+(?:please\s+)?(?:go\s+back\s+to|see|"
         r"have|use|get)\s+(?:again\s+)?|actually,?\s+|hmm+,?\s+|no,?\s+)*")
_PICK_END = (r"(?:\s+(?:again|instead|please|(?:is|was|looks?|looked|seems?|seemed|feels?|felt)\s+(?:the\s+|so\s+|"
             r"much\s+|way\s+|a\s+lot\s+)?(?:better|best|nicer|more\s+\w+|most\s+\w+|\w+est|\w+er|(?:my|his|her|our|their)\s+"
             r"favou?rite|"
             r"the\s+(?:one|winner|keeper)|(?:so\s+|really\s+|super\s+)?(?:sick|fire|perfect|great|amazing|cute|"
             r"gorgeous|lovely|beautiful|awesome|cool|nice|good|best|stunning)(?:\s*,?\s*(?:that|this)(?:\s+one)?)?)|"
             r"(?:\w+\s+)?(?:better|best)\b.*|then|back|one|,?\s*thanks|"
             r",?\s*(?:i|we)\s+(?:like|love|prefer)\s+(?:it|that(?:\s+one)?|this(?:\s+one)?)\s+(?:the\s+)?(?:most|best|"
             r"more)|,?\s*(?:use|take|keep|pick)\s+(?:that|this|it)(?:\s+one)?))*$")
ORDINAL_REF = re.compile(
    _PICK + r"(?:the\s+|his\s+|her\s+|my\s+|our\s+|their\s+)?(?:(?P<ord>first|1st|second|2nd|third|3rd|fourth|4th|"
            r"fifth|5th|sixth|6th|seventh|eighth|"
    r"ninth|tenth|last|latest|original|very\s+first)\s*(?:" + _IMAGE_NOUN + r")?|"
    r"(?P<side>left|right|middle|leftmost|rightmost)"
    r"\s*(?:one|option|image|picture|pic|take|version)|(?:" + _IMAGE_NOUN +
    r"|number|no\.?|#)\s*(?:#\s*)?(?P<num>\d+)|#(?P<hash>\d+))(?:\s+(?:one|of\s+(?:(?:them|those|these)(?:\s+(?:two|three|four|"
    r"five|six|[2-9]))?|(?:the\s+)?"
    r"(?:new|last|latest|recent|newest)\s+(?:ones|batch|set|pictures|images|takes|versions)))|\s+from\s+(?:them|those|"
    r"these|that\s+batch|the\s+batch|the\s+last\s+(?:batch|set)))?"
    r"(?:\s+you\s+(?:made|drew|did))?" + _PICK_END, re.I)
NUMBER_PICKED = re.compile(r"^(?:(?:i'?m|we'?re|i\s+am|we\s+are)\s+)?(?:going\s+with|go\s+with|(?:i'll|we'll|i\s+will|we\s+will)\s+"
                           r"(?:take|go\s+with|pick)|let'?s\s+(?:go\s+with|do|take)|take|pick|choose)\s+(?:number\s+|no\.?\s*|"
                           r"#\s*)?(?P<num>[1-9])(?:\s+(?:it\s+is|please|pls|then))*\W*$|^#?(?P<alone>[1-9])\s+it\s+is\W*$", re.I)
"""A take picked by its number alone: "ok going with 4!", "let's do 2", "3 it is"."""
DESCRIBED_REF = re.compile(
    _PICK + r"the\s+(?:(?P<desc>[\w\s'-]+?)\s+" + _IMAGE_NOUN + r"|" + _IMAGE_NOUN +
    r"\s+(?:with|where|that\s+(?:has|had|was|is)|in|of|showing)\s+(?P<desc2>[\w\s'-]+?))" + _PICK_END, re.I)
_COUNT_WORD = (r"(?P<count>\d+|two|three|four|five|six|seven|eight|a\s+few|a\s+couple(?:\s+of)?|couple(?:\s+of)?|"
               r"several|some)")
_VARIANT = r"(?:variations?|versions?|options?|alternatives?|alternates?|takes?|variants?|tries|attempts|ideas|" \
           r"choices|" \
           r"rerolls?|interpretations?|renditions?|renderings?|spins|goes|rolls|looks|designs|picks|compositions|" \
           r"layouts|arrangements|mockups|mock-ups|shots|" \
           r"different\s+ones|more(?:\s+like\s+(?:this|that|it))?|iterations?|concepts?|drafts?|samples?|pictures?|" \
           r"images?|pics?|ones|vars?|of\s+(?:that|this|it|those|them|these))"
VARIATIONS = re.compile(rf"\b{_COUNT_WORD}\s+(?:(?:more|new|other|different|alternative|alternate|quick|further|"
                        rf"fresh|extra|additional|separate)\s+)*(?:[\w-]+\s+){{0,3}}?{_VARIANT}\b", re.I)
PLAIN_VARIATIONS = re.compile(r"^(?:(?:some|more)\s+)?(?:variations?|alternatives?|options?|versions?)\b", re.I)
AGAIN = re.compile(
    r"^(?:(?:and\s+)?another(?:\s+(?:one|version|take|variation|variant|try|attempt|go|shot|option|pic|picture|"
    r"image|roll|1))?|one\s+more(?:\s+(?:time|version|take|try|go|like\s+(?:this|that|it)))?|(?:try|do\s+it|run\s+it|"
    r"draw\s+it|give\s+it\s+a\s+go)\s+again|(?:try|do|draw|make)\s+(?:that|it|this|one)\s+(?:once\s+more|one\s+more\s+"
    r"time)|"
    r"again|once\s+more|re-?roll(?:\s+(?:it|that|the\s+seed))?|redo(?:\s+it)?|"
    r"regenerate(?:\s+it)?|(?:a\s+)?(?:new|different)\s+seed|same\s+(?:prompt|thing|idea)(?:\s+again)?(?:,?\s+"
    r"(?:new|different)\s+seed)?|give\s+it\s+another\s+(?:go|try|shot|spin)|(?:a\s+)?(?:variation|variant|"
    r"alternative)(?:\s+(?:of|on)\s+(?:this|that|it))?|more\s+like\s+(?:this|that|it)|something\s+similar|"
    r"similar(?:\s+one)?|shuffle(?:\s+it)?|spin\s+again|another\s+spin|take\s+two|try\s+(?:a\s+)?(?:different|new)"
    r"\s+(?:one|version|seed)|(?:show|give)\s+me\s+another(?:\s+one)?|new\s+version|"
    r"(?:(?:do|make|draw|give\s+me|show\s+me)\s+)?(?:a\s+)?(?:new|different|fresh)\s+(?:one|take)|not\s+quite,?\s+try\s+again|"
    r"(?:can|could)\s+(?:you|i)\s+(?:get|have|see|try)\s+another(?:\s+one)?|try\s+(?:one\s+)?more)"
    r"(?:\s+(?:one|please|time|pls|then|of\s+(?:that|this|it|her|him|them)|of\s+(?:that|this)\s+one|"
    r"like\s+(?:that|this|it)|of\s+the\s+same\s+(?:scene|thing|picture|image|one|idea)|(?:just\s+)?to\s+compare|"
    r"with\s+a\s+(?:new|different)\s+seed))*$", re.I)


# "go back i want no wings", "undo, it was better before": the undo, then why
UNDO_WITH_REASON = re.compile(r"^(?:go\s+back|undo|revert|back\s+up)(?:\s+(?:one|please))?[,.!;:\s]+(?:i|we|it|that|"
                              r"this|because|since|cause|the\s+\w+\s+(?:was|is|looks?|looked))\b")
# "I liked it better before the stars", "undo the checkered thing", "go back to before the hat"
BEFORE_FEATURE = re.compile(
    r"^(?:(?:i|we)\s+(?:liked|preferred|prefer|like)\s+(?:it|that|this)\s+(?:better\s+|more\s+)?before\s+|"
    r"(?:go\s+)?back\s+to\s+(?:how\s+it\s+was\s+)?before\s+|(?:it\s+)?(?:was|looked)\s+better\s+before\s+|"
    r"(?:undo|remove|revert|take\s+back|lose)\s+(?=the\s+\w+(?:\s+\w+)?\s+(?:thing|part|change|bit|edit|stuff)\b)|"
    r"(?:(?:go\s+back|return|revert|get\s+back)\s+to\s+)?(?:the\s+|that\s+)?(?:version|one|picture|image|pic)\s+"
    r"(?:from\s+)?before\s+(?:i\s+added\s+|you\s+added\s+|adding\s+|we\s+changed\s+|you\s+changed\s+)?|"
    r"before\s+(?:i\s+added\s+|you\s+added\s+|adding\s+)?)(?:the\s+|that\s+|those\s+)?"
    r"(?P<what>[\w\s'-]+?)(?:\s+(?:thing|part|change|bit|edit|stuff|was\s+added|got\s+added))?"
    r"(?P<changed>\s+(?:was|were|got)\s+(?:changed|recolou?red|swapped|altered|replaced|modified|edited|made\s+\w+))?"
    r"(?:\s+(?:was|looked)\s+(?:better|nicer))?$")
# "the chef ones, the first", "the first of the chef ones"
DESCRIBED_ORDINAL = re.compile(
    r"^(?:the\s+)?(?P<desc>[\w\s'-]+?)\s+(?:ones|pictures|images|versions|pics|takes)[,\s]+(?:the\s+)?"
    r"(?P<ord>first|second|third|fourth|last|1st|2nd|3rd|4th)(?:\s+one)?$|"
    r"^(?:the\s+)?(?P<ord2>first|second|third|fourth|last|1st|2nd|3rd|4th)(?:\s+one)?\s+of\s+the\s+"
    r"(?P<desc2>[\w\s'-]+?)\s+(?:ones|pictures|images|versions|pics|takes)$")


def ledger(images: list[dict]) -> list[LedgerImage]:
    ledger_images: list[LedgerImage] = []
    drawn: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    for i, image in enumerate(images):
        # an edit of a picture of Halo still shows Halo
        shown = (tuple(image.get("subjects") or ()), tuple(image.get("subject_aliases") or ()))
        subjects, aliases = shown if shown[0] else drawn.get(image.get("parent_id") or "", ((), ()))
        drawn[image.get("id")] = (subjects, aliases)
        ledger_images.append(LedgerImage(ordinal=i + 1, subjects=subjects, subject_aliases=aliases, **{
            k: image.get(k) for k in ("id", "prompt", "operation", "parent_id", "seed")}))
    uploads = [image.operation == "upload" for image in ledger_images]
    return [replace(image, in_set=uploads[i] and (i > 0 and uploads[i - 1] or
                                                              i + 1 < len(uploads) and uploads[i + 1]))
            for i, image in enumerate(ledger_images)]


def _next_take(earlier: LedgerImage, later: LedgerImage) -> bool:
    """Whether `later` is the take one job made right after `earlier` (n > 1: one prompt and operation, the next
    seed)."""
    return earlier.prompt == later.prompt and earlier.operation == later.operation and \
        later.operation in ("generate", "personalize") and earlier.seed is not None and later.seed is not None and \
        earlier.seed == later.seed - 1


def last_batch(images: list[LedgerImage]) -> list[LedgerImage]:
    """The last takes of one prompt: the images the last job made together (n > 1: same prompt and operation,
    consecutive seeds); else a single re-roll with the takes of its prompt before it ("try that again" after "mochi
    chasing a laser dot": "the first one" is the first of those two)."""
    if not images:
        return []

    def run(same: Callable[[LedgerImage, LedgerImage], bool]) -> list[LedgerImage]:
        batch = [images[-1]]
        for image in reversed(images[:-1]):
            if not same(image, batch[0]):
                break
            batch.insert(0, image)
        return batch

    job = run(_next_take)
    if len(job) > 1:
        return job
    return run(lambda image, head: image.prompt == head.prompt and image.operation == head.operation and
               head.operation in ("generate", "personalize") and not image.parent_id and not head.parent_id)


def selection(text: str, images: list[LedgerImage], current_id: str | None) -> str | None:
    """The earlier image the message points back to, or None when it points at none."""
    if not images:
        return None
    said = lang.strip_politeness(lang.normalize(lang.leading_small_talk(text)))
    said = re.sub(r"^(?:(?:hmm+|hm+|ok(?:ay)?|actually|no|nope|nah|ugh|meh|wait|oh|um+|honestly|tbh|yeah|sorry|just|"
                  r"nvm|"
                  r"nevermind|never\s+mind|"
                  r"to\s+be\s+honest|not\s+going\s+to\s+lie|in\s+my\s+opinion|on\s+reflection|on\s+second\s+thoughts?|"
                  r"thinking\s+about\s+it|come\s+to\s+think\s+of\s+it|in\s+hindsight|after\s+all|"
                  r"so|i\s+think|i\s+guess|i\s+feel\s+like|i\s+believe|i\s+reckon|personally|imo)[,.!\s]+)+", "", said).strip()
    said = re.sub(r"[,\s]+(?:actually|then|tho|though|honestly|i\s+think|after\s+all|instead)\W*$", "", said)
    why = re.search(r"[,\s]+(?:(?:i|we)\s+(?:want|need|wanna|'m\s+going|am\s+going|'ll|will|gotta|have)\b|so\s+(?:i|we)\s+can\b|"
                    r"because\b|cause\b|cuz\b|coz\b)", said)
    if why and _BACK_CUE.search(said[:why.start()]):  # "Go back to the ballet one I want to send it to my daughter
        said = said[:why.start()]  # first": the picture, not why (nor "first")
    earlier = re.search(r"\s+(?:from\s+)?(?:before|earlier)(?=\s+(?:with|without|where|that\s+had)\b)|\s+from\s+(?:before|"
                        r"earlier)\W*$", said)
    batch = last_batch(images)
    if earlier and len(batch) > 1 and current_id in {image.id for image in batch}:
        images = [image for image in images if image not in batch or image.id == current_id]  # not one of these takes
    said = re.sub(r"\s+(?:from\s+)?(?:before|earlier)(?=\s+(?:with|without|where|that\s+had)\b)", "", said)
    said = re.sub(r"\b(was|is|were)\s+still\s+(?=(?:the\s+)?(?:best|better|nicer|my\s+fav))", r"\1 ", said)
    # "the one from before with the rod and green trees was still best": the one with them
    said = re.sub(r"(\bbefore\s+(?:the\s+|i\s+added\s+the\s+|adding\s+the\s+)?[\w-]+(?:\s+[\w-]+)?)\s+(?:again|back|please)\W*$",
                  r"\1", said)  # "can I see the one before the rain again": before the rain
    original = re.match(r"^(?:the\s+)?(?P<desc>.+?)\s+(?:one|version|pic|picture)(?P<again>\s+again)?,\s*(?:the\s+)?(?:original|first)"
                        r"(?:\s+one)?\W*$", said)
    if original:  # "the golden hour one again, original": the original golden hour one
        said = f"the original {original.group('desc')} one{original.group('again') or ' again'}"
    said = re.sub(r"\b(one|pic|picture|image|version|option|take)'s\b", r"\1 is", said)  # "first one's the winner"
    # "he says the one without the cake was better", "and can you bring back ...": who says it is no part of it
    said = re.sub(r"^(?:(?:omg|lol|haha\w*|and|also|so|but|plus)[,!\s]+)*(?:(?:can|could|would|will)\s+(?:you|u)\s+|"
                  r"(?:he|she|they|my\s+\w+|the\s+\w+)\s+(?:says?|said|thinks?|reckons?|feels?)\s+(?:that\s+)?)?", "",
                  said)
    said = re.sub(r"\s+(?:lol|lmao|haha\w*)(?:\s+\w+)?\W*$", "", said)  # "... was better lol kids"
    current = next((image for image in images if image.id == current_id), images[-1])
    if not re.search(r"\b(?:photos?|uploads?|uploaded|sent|pics?\s+i)\b", said):
        images = [image for image in images if not image.in_set or image.id == current.id] or images
    back = re.search(r"\b(?:put|bring)\s+(?:back\s+(?:the\s+|my\s+)?(?P<a>[\w-]+)|(?:the\s+|my\s+)(?P<b>[\w-]+)\s+back)\b"
                     r"(?!\s+(?:on|in|into|onto|to|but|and)\b)", said)
    parent = next((image for image in images if image.id == current.parent_id), None)
    if back and parent is not None and current.operation == "edit":
        thing = back.group("a") or back.group("b")
        if thing not in ("it", "that", "this", "one", "them", "those", "picture", "version") and \
                _shows(parent, thing) and not _shows(current, thing):
            return parent.id  # "Put back the cat please" right after the cat was taken out: the picture with it
    wanted = _WANTED_BACK.match(said)
    if not wanted and "," in said:  # "bring back the apple poster with the rainbow, i forgot to download it"
        wanted = _WANTED_BACK.match(said.split(",")[0].strip())
    if wanted:  # "i want the red triangle back": the picture it describes, not the one before
        described = _by_description(wanted.group("desc") or wanted.group("desc2"), images, current)
        if described is not None:
            return described
    numbered = NUMBER_PICKED.match(said)
    number = int(numbered.group("num") or numbered.group("alone")) if numbered else 0
    if numbered and len(batch) >= number > 0:  # "ok going with 4!" after four takes: the fourth
        return batch[number - 1].id
    ranked = next((part for part in lang.sentences(said)[:-1] if ORDINAL_REF.match(part.strip(" .!?"))), None)
    if ranked:  # "The second of those three is the one. Can I have that one back up?": the sentence that ranks it
        said = ranked.strip(" .!?")
    head = said.split(",")[0].strip(" .!?")
    ranks = ORDINAL_REF.match(head) if "," in said else None
    if ranks and ranks.end() == len(head):  # "the second one, the coffee is more near, i like": the second
        said = head
    found = _select(said, images, current)
    framed = lang.strip_frame(said)[1].strip()
    if found is None and framed and framed != said:  # "would you kindly go back to the version before ..."
        found = _select(framed, images, current)
    if found is None and (_BACK_CUE.search(said) or _PREFER_CUE.search(said)):
        named = _NAMED_ONE.search(said)  # "none of those beat the original starfish one. bring it back"
        if named:
            found = _by_description(re.sub(r"\b(?:original|old|first|earlier)\s+", "", named.group("desc")), images,
                                    current)
    if found is None and "," in said and not _ACTS.search(said):
        # "i think the red lanterns was better, please show me that picture again"
        found = next((f for f in (_select(part.strip(), images, current) for part in said.split(",")) if f), None)
    return found


_WANTED_BACK = re.compile(
    r"^(?:i\s+(?:want|need|'d\s+like|would\s+like)\s+|can\s+i\s+(?:have|get)\s+|give\s+me\s+)?the\s+"
    r"(?P<desc>(?!one\b|last\b|first\b|previous\b|other\b)[\w\s-]+?)(?:\s+(?:one|version|pic|picture))?\s+back"
    r"\W*$|^(?:bring|pull|put)\s+back(?:\s+up)?\s+the\s+(?P<desc2>(?!one\b|last\b|first\b|previous\b|other\b)[\w\s-]+?)"
    r"(?:\s+(?:one|version|pic|picture))?\W*$")
"""A picture wanted back by what it shows: "i want the red triangle back", "bring back the apple poster"."""


def picks_back(text: str) -> bool:
    """ "bring that back up", "go back to it": words that choose a picture rather than change one."""
    return bool(_BACK_CUE.search(lang.normalize(text)))


def _select(said: str, images: list[LedgerImage], current: LedgerImage) -> str | None:
    theirs = re.search(r"\b(?:his|her|their)\s+(?:very\s+)?(?:first|original|1st)(?:\s+(?:one|picture|pic|version|image|drawing))?\b",
                       said)
    if theirs and current.subjects and (_BACK_CUE.search(said) or _PREFER_CUE.search(said) or _AGAIN_CUE.search(said)):
        shown = [image for image in images if set(image.subjects) & set(current.subjects) and not image.in_set]
        if shown and shown[0].id != current.id:  # "actually i liked her first one better": the first picture of her
            return shown[0].id
    if _MY_UPLOAD.search(said) and (_BACK_CUE.search(said) or _PREFER_CUE.search(said) or _AGAIN_CUE.search(said)):
        uploads = [image for image in images if image.operation == "upload" and not image.in_set]
        if uploads and uploads[-1].id != current.id:  # "go back to my real drawing, the one i sent"
            return uploads[-1].id
    made = _FIRST_MADE.search(said)
    if made and (_BACK_CUE.search(said) or _PREFER_CUE.search(said) or re.search(r"\b(?:keep|have|take|use)\b", said)):
        drawn = [image for image in images if image.operation != "upload" and not image.in_set]
        told = re.match(r"\s+(?:with|showing|where|that\s+had)\s+(?P<desc>[\w\s-]+)", said[made.end():])
        wanted = [w for w in lang.words(told.group("desc")).tokens if w not in _SKIP and w not in _PICK_WORDS] if told else []
        if wanted:  # "i prefer the first one you did with the flowers": the first of those with them
            drawn = [image for image in drawn if all(_shows(image, w) for w in wanted)]
        if drawn and drawn[0].id != current.id:  # "I shall keep the first picture you made for me after all"
            return drawn[0].id
    option = _OPTION.search(said)
    if option and (_CHOOSING.search(said) or re.fullmatch(r"\W*" + re.escape(option.group(0)) + r"\W*", said)):
        batch = last_batch(images)  # "going with option 3": the third of the takes just made
        pool = batch if len(batch) > 1 else images
        number = int(option.group("n"))
        if 1 <= number <= len(pool):
            return pool[number - 1].id
    start = re.search(r"\b(?:from|at)\s+the\s+(?:very\s+)?(?:start|beginning)\b", said)
    if start and (_BACK_CUE.search(said) or _PREFER_CUE.search(said)):
        # "go back to the white ones from the very start": the first picture that fits, else the first of all
        wanted = [t for t in lang.words(said[:start.start()]).tokens if t not in _PICK_WORDS and t not in _SKIP]
        drawn = [image for image in images if not image.in_set]
        found = next((image for image in drawn if wanted and all(_shows(image, w) for w in wanted)), None) or \
            (drawn[0] if drawn and not wanted else None)
        if found is not None and found.id != current.id:
            return found.id
    ranked = _ORDINAL_DESCRIBED.search(said)
    if ranked and (_PREFER_CUE.search(said) or _CHOOSING.search(said) or _BACK_CUE.search(said)):
        # "the first snowy one beats all four": the first of the pictures that are snowy
        wanted = [w for w in lang.words(ranked.group("desc")).tokens if w not in _SKIP]
        pool = [image for image in images if wanted and all(_shows(image, w) for w in wanted)]
        number = ORDINALS.get(ranked.group("ord"), 0)
        takes = [image for image in pool if _one_of_several_takes(image, pool)]
        last_takes = [image for image in takes if takes and image.prompt == takes[-1].prompt]
        if number > 1 and len(last_takes) >= number and not re.search(r"\b(?:very|original)\b", said):
            pool = last_takes  # "back to the 3rd wizard one" after three takes of the wizard: the third take
        found = pool[number - 1 if number > 0 else -1] if pool and (number == -1 or 1 <= number <= len(pool)) else None
        if found is not None and found.id != current.id:
            return found.id
    verdict = ORDINAL_VERDICT.match(said)
    if verdict:  # "The third is magnifique."
        batch = last_batch(images)
        pool = batch if len(batch) > 1 and not re.search(r"\b(?:very|original)\b", said) else images
        number = ORDINALS.get(verdict.group("ord"), 0)
        if number == -1 or 1 <= number <= len(pool):
            return pool[number - 1 if number > 0 else -1].id
    middle = re.search(r"\bthe\s+(?:one|pic|picture|image|version)\s+in\s+the\s+middle\b", said)
    if middle and len(last_batch(images)) > 1:  # "ok I take the one in the middle from these three"
        return _nth(last_batch(images), "middle")
    first_of = _FIRST_OF.search(said)
    if first_of and (_BACK_CUE.search(said) or _AGAIN_CUE.search(said) or ORDINAL_REF.match(said) or
                     _PREFER_CUE.search(said)):
        wanted = [w for w in lang.words(first_of.group("desc")).tokens if w not in _SKIP]
        found = next((image for image in images if wanted and _has_words(image, wanted)), None)
        if found is not None and found.id != current.id:  # "pull up the original swallow again"
            return found.id
    steps = UNDO_STEPS.match(said)
    if steps:
        count = next((word for word in steps.groups() if word), "two")
        found: str | None = current.id
        by_id = {image.id: image for image in images}
        for _ in range(int(count) if count.isdigit() else _STEP_COUNTS.get(count, 2)):
            earlier = _before(by_id[found], images) if found in by_id else None
            if earlier is None:
                break
            found = earlier
        return found if found != current.id else None
    if UNDO.match(said) or UNDO_WITH_REASON.match(said):
        return _before(current, images)
    feature = BEFORE_FEATURE.match(said.rstrip("?.! "))
    if feature:
        found = (_before_change if feature.group("changed") else _before_feature)(feature.group("what"), images,
                                                                                    current)
        if found:
            return found
    better = _BETTER_WITH.match(said)
    if better:  # "I preferred it with the black door"
        found = _by_description(better.group("desc"), images, current)
        if found:
            return found
    grouped = DESCRIBED_ORDINAL.match(said)
    if grouped:
        found = _ordinal_among(grouped.group("desc") or grouped.group("desc2"), grouped.group("ord") or
                               grouped.group("ord2"), images)
        if found:
            return found
    match = ORDINAL_REF.match(said)
    if match:
        return _by_ordinal(match, said, images, current)
    match = DESCRIBED_REF.match(said)
    if match:
        found = _by_description(match.group("desc") or match.group("desc2") or "", images, current)
        if found:
            return found
    return _loose(said, images, current) or _scan(said, images, current)


_CUE = re.compile(r"\b(?:go(?:ing)?\s+back|back\s+to|revert|return\s+to|(?:was|were|is|looked|looks|felt)\s+(?:so\s+|"
                  r"way\s+|much\s+|the\s+)?(?:better|nicer|best|\w+er|\w+est|more\s+\w+)|\w+s\s+better|again|"
                  r"use\s+that|the\s+[\w-]+\s+(?:one|version)|"
                  r"prev|original|go\s+with|from\s+before|from\s+earlier)\b|\b(?:liked|preferred|prefer|"
                  r"like)\b.*\b(?:better|"
                  r"more)\b|\b(?:was|is|were)\s+(?:my|his|her|our|their|the)\s+favou?rites?\b")
_PICK_WORDS = frozenset(
    "go going goes back to revert return use using let's lets us we we're i i'll i'd i'm with the a an one ones "
    "version versions picture pictures image images pic pics option options take pick choose select like love "
    "liked loved preferred enjoyed "
    "prefer want keep was were is are looked looks better best nicer nice strongest stronger favorite favourite "
    "winner converts convert again please that this it of two three four five them those these see show me could "
    "pull up bring "
    "can may have get actually hmm nah tbh honestly think one's s really much more so very and then just "
    "splendid great perfect lovely beautiful thank thanks you okay ok cool yes yeah ah oh fine good let "
    "previous earlier other old older instead already".split())
_ORDINAL_WORDS = {w: n for w, n in ORDINALS.items() if w not in ("original", "latest")}


def _loose(said: str, images: list[LedgerImage], current: LedgerImage) -> str | None:
    """ "the third one's the strongest", "nah snake was better", "go back to dark mode"."""
    if re.search(r"\bvery\s+first\s+(?:one|picture|pic|image|version|drawing)\b", said) and images[0].id != current.id and \
            (_CUE.search(said) or _BACK_CUE.search(said)):
        return images[0].id  # "ngl the very first one, before the rain, was better": the conversation's first
    tokens = [re.sub(r"'s$", "", t) for t in lang.words(said).tokens if t not in lang.SMALL_TALK or t in _ORDINAL_WORDS]
    ordinal = next((t for t in tokens if t in _ORDINAL_WORDS), None)
    leftover = [t for t in tokens if t not in _PICK_WORDS and t not in _ORDINAL_WORDS and not t.isdigit()]
    if ordinal is not None and not leftover:
        number = _ORDINAL_WORDS[ordinal]
        batch = last_batch(images)
        pool = batch if len(batch) > 1 and "back" not in tokens and "very" not in said else images
        if number == -1:
            return pool[-1].id if pool is batch and not _PREFER_CUE.search(said) else _before(current, images)
        return pool[number - 1].id if 1 <= number <= len(pool) else None
    if ordinal is not None and leftover and _CUE.search(said) and not any(t in _EDITS for t in leftover) and not any(
            t in ("before", "without", "no", "not", "after", "until") for t in tokens):
        # "I preferred the very first picture, of her reading beneath the oak tree": the first of those that fit
        pool = [image for image in images if 2 * sum(_shows(image, w) for w in leftover) >= len(leftover)]
        number = _ORDINAL_WORDS[ordinal]
        if pool and (number == -1 or number <= len(pool)):
            return pool[number - 1 if number > 0 else -1].id
    named = re.fullmatch(r"the\s+(\w+(?:\s+\w+)?)", said)
    if named and all("NOUN" in lang.pos_of(t) for t in named.group(1).split()) and not _has_words(
            current, named.group(1).split()):
        return _by_description(named.group(1), images, current)  # "the samurai": the picture of it
    if not leftover or not _CUE.search(said) or any(t in _EDITS for t in leftover):
        return None
    return _by_description(" ".join(leftover), images, current)


_ORD = r"(?:first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|sixth|6th|last|middle)"
_BATCH_ORDINAL = re.compile(
    rf"\bof\s+(?:those|these|them|the\s+(?:new|last)\s+ones)(?:\s+\w+)?[,\s]+(?:the\s+)?(?P<o1>{_ORD})\b|"
    rf"\b(?:the\s+)?(?P<o2>{_ORD})(?:\s+one)?\s+of\s+(?:those|these|them|(?:that|the|this)\s+(?:batch|set|lot)|the\s+"
    r"(?:\d+|two|three|four|five|six)\s+(?:new\s+|last\s+|latest\s+)?(?:ones|images|pictures|takes|versions|options|"
    r"variations))\b|"
    r"(?:#\s*|\bnumber\s+|\bno\.?\s*)(?P<n>\d+)\s+(?:from|of)\s+(?:that|the|this|those|these)\b|"
    rf"\b(?:the\s+)?(?P<o3>{_ORD})(?:\s+one)?\s+(?:of|from)\s+(?:the\s+)?(?:new|last|latest|recent)\s+(?:\d+|two|three|"
    r"four|five|six|ones|batch|set|lot)\b")
_BEFORE_BATCH = re.compile(
    r"\b(?:the\s+)?(?:one|pic|picture|image|version|drawing)\s+(?:from\s+|right\s+|just\s+)?before\s+(?:these|those|"
    r"them|the\s+(?:variations|new\s+ones|takes|options|alternatives|batch|re-?rolls?))\b|"
    r"\b(?:none|neither|not\s+one)\s+of\s+(?:those|these|them)\b.*\bthe\s+(?:one|pic|picture|image|version)\s+"
    r"(?:from\s+|right\s+|just\s+)?before\b")
"""The picture the last batch was made from: "go back to the one before these"."""
_BACK_CUE = re.compile(
    r"\b(?:(?:wants?|needs?|get|have)\s+(?:[\w'-]+\s+){0,3}back\b|go(?:ing)?\s+back|goes\s+back|take\s+(?:me|us|"
    r"it)\s+back|back\s+to|bring\s+(?:it\s+|that\s+)?back|"
    r"have\s+(?:that|it|this)\s+(?:one\s+)?back|return(?:\s+to)?|revert(?:\s+to)?|restore|undo|switch\s+back)\b")
_FIRST_MADE = re.compile(r"\b(?:the\s+)?(?:very\s+)?first\s+(?:picture|one|image|version|drawing|pic)\s+(?:that\s+)?(?"
                         r":you|u)\s+"
                         r"(?:made|drew|did|created|gave\s+me|produced|painted)\b")
ORDINAL_VERDICT = re.compile(r"^(?:(?:from|of)\s+(?:these|those|the)\s+(?:new\s+|last\s+)?(?:ones|images|pictures|take"
                             r"s)\s+)?"
                             r"(?:the\s+)?(?:very\s+)?(?P<ord>first|1st|second|2nd|third|3rd|fourth|4th|last)(?:\s+(?:"
                             r"one|pic|"
                             r"picture|image|version|option|take))?\s+(?:still\s+|really\s+|definitely\s+)?(?:is|was|l"
                             r"ooks|'s|seems|slaps|wins|rocks|hits|works|rules|goes\s+hard|goes)\b\s*(?!not\b|too\b|"
                             r"bad\b|worse\b|awful\b|terrible\b|wrong\b|off\b|weird\b|ugly\b|boring\b|meh\b)[\w\s!]*?("
                             r"?:\s*,?\s*i\s+think)?$")
"""A take judged well: "the third is magnifique", "second one looks perfect" (not "the second is too dark")."""
_FIRST_OF = re.compile(r"\b(?:original|first|very\s+first|earliest)\s+(?P<desc>(?!(?:one|picture|pic|image|version|"
                       r"drawing|photo|take|attempt|try)\b)[a-z][\w-]*(?:\s+(?!(?:one|picture|pic|image|version|again|"
                       r"back|please)\b)[a-z][\w-]*)?)")
"""The first picture of something: "the original swallow", "my first koi"."""
_MY_UPLOAD = re.compile(r"\b(?:(?:my|the)\s+(?:og|orig)\s+(?:pic|photo|picture|image|one|drawing)|"
                        r"my\s+(?:real|own|actual|original|first|old)?\s*(?:drawing|photo|picture|pic|image|upload|"
                        r"sketch|painting)s?|the\s+(?:one|picture|photo|drawing|image|pic)\s+(?:that\s+)?i\s+(?:sent|"
                        r"uploaded|attached|gave\s+you|shared)|(?:my|the)\s+upload(?:ed\s+(?:one|photo|picture|image))"
                        r"?)\b")
"""The user's own picture: "my real drawing", "the one i sent", "my upload"."""
_AGAIN_CUE = re.compile(r"\b(?:once\s+more|again)\b")
_PREFER_CUE = re.compile(
    r"\b(?:was|were|is|looked|looks|felt|seemed)\s+(?:so\s+|way\s+|much\s+|a\s+lot\s+|far\s+)?(?:better|nicer|best|"
    r"\w+er|\w+est|more\s+\w+)\b|\b(?:suited|worked|fit|fitted|read|performs?|performed|converts?)\s+(?:\w+\s+)?"
    r"better\b|\b(?:liked|preferred|prefer|loved)\b|\b(?:was|is|were)\s+(?:his|her|my|our|their|the)\s+favou?rites?\b")
_SCAN_ORDINAL = re.compile(rf"\b(?:the\s+)?(?P<very>very\s+)?(?P<o>{_ORD})\s*(?:one|picture|pic|image|version|photo|"
                           r"take|drawing|attempt)?\b")
_SCAN_DESCRIBED = re.compile(
    r"\bthe\s+(?:(?P<d>[\w'-]+(?:\s+[\w'-]+){0,2}?)\s+(?:one|version|picture|pic|image|photo|drawing)|(?:one|picture|"
    r"version|image|photo|drawing)\s+(?:of|with|where|showing)\s+(?P<d2>[\w'-]+(?:\s+[\w'-]+){0,2}?))"
    r"(?:\s+(?:with|of|where|showing)\s+(?:the\s+|a\s+|an\s+)?(?P<d3>[\w'-]+(?:\s+[\w'-]+)?))?"
    r"(?=\s*(?:$|[,.!?;]|\s+(?:was|is|looked|again|once|back|better|please|suited|i|we|could|can|instead)\b))")
_SCAN_BEFORE = re.compile(r"\bbefore\s+(?:(?:i|you|we)\s+added\s+|adding\s+)?(?:the\s+|that\s+)?"
                          r"(?P<b>[\w'-]+(?:\s+[\w'-]+)?)")
_ACTS = re.compile(r"(?:^|[.,;:!?]\s*|\band\s+)(?:make|add|remove|change|swap|replace|turn|put|give|draw|paint|create|"
                   r"edit|"
                   r"generate|render|move|recolou?r)\b")


def _scan(said: str, images: list[LedgerImage], current: LedgerImage) -> str | None:
    """A reference said in a longer message: "actually can we go back to the first one, before the dress", "I think
    the calm version suited him better. Could we return to it?", "of those three, the middle one"."""
    batch = last_batch(images)
    grouped = _BATCH_ORDINAL.search(said)
    if grouped and len(batch) > 1:
        if grouped.group("n"):
            number = int(grouped.group("n"))
            return batch[number - 1].id if 1 <= number <= len(batch) else None
        return _nth(batch, grouped.group("o1") or grouped.group("o2") or grouped.group("o3"))
    if _BEFORE_BATCH.search(said) and len(batch) > 1:
        return _before(batch[0], images)
    back = _BACK_CUE.search(said)
    if not (back or _PREFER_CUE.search(said) or _AGAIN_CUE.search(said)) or _ACTS.search(said):
        return None
    version = re.search(r"\bversion\s+(\d+)\b", said)
    if version:
        number = int(version.group(1))
        return images[number - 1].id if 1 <= number <= len(images) else None
    if re.search(r"\boriginal\b", said):
        return _lineage(current, images)[-1].id if current.parent_id else images[0].id
    ordinal = _SCAN_ORDINAL.search(said)
    if ordinal:
        pool = batch if len(batch) > 1 and not re.search(r"\b(?:back|very|whole|all)\b", said) else images
        if ordinal.group("o") == "last" and _PREFER_CUE.search(said):
            return _before(current, images)
        return _nth(pool, ordinal.group("o"))
    described = _SCAN_DESCRIBED.search(said)
    if described:
        description = " ".join(filter(None, (described.group("d") or described.group("d2"), described.group("d3"))))
        if description in ("previous", "earlier", "old", "older", "other", "last", "prior"):
            return _before(current, images)
        return _by_description(description, images, current) or _before(current, images)
    before = _SCAN_BEFORE.search(said)
    if before:
        what = before.group("b")
        if re.match(r"^(?:was|is|looked|it|that|this|one)\b", what):
            return _before(current, images)  # "before was more beautiful"
        return _before_feature(what, images, current)
    return _before(current, images) if back else None  # "return please", "could we have that back?"


_OPTION = re.compile(r"\b(?:option|number|no\.|#|take|variation|variant)\s*(?P<n>\d{1,2})\b")
"""A take named by its number: "option 3", "#2", "number 4"."""
_CHOOSING = re.compile(r"\b(?:go(?:ing)?\s+with|went\s+with|pick(?:ing)?|choos(?:e|ing)|take|taking|use|using|"
                       r"keep(?:ing)?|"
                       r"(?:i|we)(?:'ll|\s+will)?\s+(?:like|love|want)|beats?|wins?|winner)\b")
"""Words that choose one picture among others: "going with", "keep that one", "beats all four"."""
_ORDINAL_DESCRIBED = re.compile(rf"\bthe\s+(?:very\s+)?(?P<ord>{_ORD})\s+(?P<desc>(?!one\b|of\b)[a-z][\w-]*(?:\s+(?!one"
                                r"\b)[a-z][\w-]*)?)\s+(?:one|version|picture|pic|image|take)s?\b")
"""An ordinal among pictures of a kind: "the first snowy one", "the second red version"."""


def _nth(pool: list[LedgerImage], word: str) -> str | None:
    word = {"left": "first", "leftmost": "first", "right": "last", "rightmost": "last"}.get(word, word)
    number = (len(pool) + 1) // 2 if word == "middle" else ORDINALS.get(word)
    if number == -1:
        return pool[-1].id
    return pool[number - 1].id if number and 1 <= number <= len(pool) else None


_EDITS = frozenset("make add remove change swap replace turn put give draw paint move more less".split())


def _lineage(current: LedgerImage, images: list[LedgerImage]) -> list[LedgerImage]:
    """The current image and its ancestors, newest first."""
    by_id = {image.id: image for image in images}
    chain, seen = [current], {current.id}
    while chain[-1].parent_id in by_id and chain[-1].parent_id not in seen:
        chain.append(by_id[chain[-1].parent_id])
        seen.add(chain[-1].id)
    return chain


def _has_words(image: LedgerImage, words: list[str]) -> bool:
    prompt = image.words
    return all(re.search(rf"\b{re.escape(w)}", prompt) for w in words)


def _stem(word: str) -> str:
    """ "brighter" -> "bright", "ladybugs" -> "ladybug": enough of a word to find its other forms."""
    for ending in ("est", "er", "ed", "ing", "es", "s"):
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            return word[: -len(ending)]
    if re.fullmatch(r"[a-z]{3,}[^aeiouy]y", word) and lang.pos_of(word) == {"ADJ"}:
        return re.sub(r"([^aeiou])\1$", r"\1", word[:-1])  # "snowy" -> "snow", "sunny" -> "sun"
    return word


def _shows(image: LedgerImage, word: str, related: bool = False) -> bool:
    """Whether the picture shows what a word of a loose description names: a form of it in its words, or a subject
    for him/her/them ("the first version of him"); with `related`, a word of the same theme ("the ballet one": a
    ballerina)."""
    if word in ("him", "her", "them"):
        return bool(image.subjects)
    return bool(re.search(rf"\b{re.escape(_stem(word))}", image.words)) or (
        len(word) >= 7 and not lang.pos_of(word) and _stem(word) in image.words.replace(" ", "")) or related and any(
        re.search(rf"\b{re.escape(other)}", image.words) for other in _RELATED.get(word, ()))  # "firetruck"


_FAMILIES = (("ballet", "ballerina", "tutu"), ("space", "astronaut", "rocket", "spaceship"),
             ("wedding", "bride", "groom", "veil"), ("christmas", "xmas", "santa", "reindeer", "elf", "elves"),
             ("halloween", "pumpkin", "jack-o-lantern"), ("football", "soccer"), ("sea", "ocean"),
             ("beach", "seaside"), ("pirate", "pirates"), ("birthday", "bday", "cake"), ("knight", "armour", "armor"),
             ("snow", "snowy", "winter", "snowman"), ("night", "nighttime", "evening", "moonlit"),
             ("princess", "tiara"), ("superhero", "cape", "hero"))
"""Words that name the same picture's theme: "the ballet one" is the picture of a ballerina."""
_RELATED = {word: tuple(other for other in family if other != word) for family in _FAMILIES for word in family}


_COLOURS = ("red", "orange", "yellow", "green", "blue", "purple", "pink", "brown", "black", "white", "gray", "grey",
            "gold", "golden", "silver", "teal", "violet", "navy", "beige", "turquoise")


def _other_colour(image: LedgerImage, wanted: list[str]) -> bool:
    """The picture has, in another colour, a thing the description gives a colour ("green trees" against "orange
    trees")."""
    for colour, noun in zip(wanted, wanted[1:]):
        if colour in _COLOURS and noun not in _COLOURS and re.search(
                rf"\b(?!{colour}\b)(?:{'|'.join(_COLOURS)})\s+{re.escape(_stem(noun))}", image.words) and not re.search(
                rf"\b{colour}\b(?:\s+(?:and|&)?\s*[\w-]+){{0,3}}?\s+{re.escape(_stem(noun))}", image.words):
            return True  # not "purple and green tail" for "the purple tail"
    return False


def _best_described(wanted: list[str], images: list[LedgerImage], current: LedgerImage) -> str | None:
    """The earlier picture a loose description fits best ("the volcano with the brighter lava", "the card picture
    with the ladybug"): most of its words found, counting only words that tell the pictures apart; latest wins."""
    images = [image for image in images if not _other_colour(image, wanted)]
    telling = [w for w in wanted if not all(_shows(image, w) for image in images)]
    best, best_score = None, 0
    for image in images:
        if image.id == current.id:
            continue
        hits = [w for w in wanted if _shows(image, w)]
        score = sum(w in telling for w in hits)
        if score and 2 * len(hits) >= len(wanted) and score >= best_score:
            best, best_score = image.id, score
    return best


def _before_feature(what: str, images: list[LedgerImage], current: LedgerImage) -> str | None:
    """The latest picture of the current one's line that does not have `what` yet ("before the stars")."""
    wanted = [w for w in lang.words(what).tokens if w not in _SKIP]
    if not wanted:
        return None
    having = [image for image in images if _has_words(image, wanted)]
    if having and not any(_has_words(image, wanted) for image in _lineage(current, images)):
        # "back to the one without stars" when the stars were added to another picture: that one, before them
        found = next((image for image in _lineage(having[-1], images)[1:] if not _has_words(image, wanted)), None)
        if found is not None and found.id != current.id:
            return found.id
    for image in _lineage(current, images)[1:]:
        if not _has_words(image, wanted):
            return image.id
    earlier = [image for image in images if image.ordinal < current.ordinal and not _has_words(image, wanted)]
    return earlier[-1].id if earlier and _has_words(current, wanted) else None


def _before_change(what: str, images: list[LedgerImage], current: LedgerImage) -> str | None:
    """The picture of the current one's line from before `what` last changed ("before the door was changed")."""
    wanted = [w for w in lang.words(what).tokens if w not in _SKIP]
    if not wanted:
        return None

    def around(image: LedgerImage) -> str | None:
        found = re.search(rf"((?:[\w-]+\s+){{0,3}})\b{re.escape(_stem(wanted[-1]))}\w*", image.words)
        return found.group(0) if found else None

    line = _lineage(current, images)
    for child, parent in zip(line, line[1:]):
        if around(child) != around(parent):
            return parent.id
    return None


_BETTER_WITH = re.compile(r"^(?:(?:i|we)\s+(?:preferred|liked|loved|prefer)\s+(?:it|this|that|him|her)|(?:it|that)\s+"
                          r"(?:was|looked)\s+(?:better|nicer))\s+(?:better\s+|more\s+)?with\s+(?P<desc>[\w\s'-]+?)"
                          r"(?:\s+(?:better|more))?[.!]*$")


def _ordinal_among(description: str, word: str, images: list[LedgerImage]) -> str | None:
    wanted = [w for w in lang.words(description).tokens if w not in _SKIP]
    pool = [image for image in images if wanted and _has_words(image, wanted)]
    number = ORDINALS.get(word)
    if not pool or number is None:
        return None
    if number == -1:
        return pool[-1].id
    return pool[number - 1].id if number <= len(pool) else None


def _takes_with(current: LedgerImage, images: list[LedgerImage]) -> list[LedgerImage]:
    """The takes one job made together with `current` (one prompt, consecutive seeds), in order; [current] alone."""
    at = next((i for i, image in enumerate(images) if image.id == current.id), None)
    if at is None:
        return [current]
    start = end = at
    while start > 0 and _next_take(images[start - 1], images[start]):
        start -= 1
    while end + 1 < len(images) and _next_take(images[end], images[end + 1]):
        end += 1
    return images[start:end + 1]


def _before(current: LedgerImage, images: list[LedgerImage]) -> str | None:
    by_id = {image.id: image for image in images}
    if current.parent_id in by_id:
        return current.parent_id
    takes = _takes_with(current, images)
    if len(takes) > 1:
        current = takes[0]  # "give me 2 more", then "sorry i prefer the one before": the one they were made from
    earlier = [image for image in images if image.ordinal < current.ordinal]
    return earlier[-1].id if earlier else None


def _by_ordinal(match: re.Match, said: str, images: list[LedgerImage], current: LedgerImage) -> str | None:
    word = (match.group("ord") or "").replace("very ", "")
    batch = last_batch(images)
    if match.group("side"):  # "the left one!!": of the takes just made
        return _nth(batch if len(batch) > 1 else images, match.group("side"))
    number = ORDINALS.get(word) if word else int(match.group("num") or match.group("hash"))
    pool = batch if len(batch) > 1 and not re.search(r"\b(?:back|original|very)\b", said) and word != "last" else images
    if number == -1:
        if re.search(r"\b(?:was|is|looked)\s+better\b", said) or "back" in said:
            return _before(current, images)
        return pool[-1].id
    if word == "original":  # the picture this line of edits began from: the upload or the first drawing
        root = _lineage(current, images)[-1]
        return root.id if root.id != current.id else images[0].id
    if number is None or not 1 <= number <= len(pool):
        return None
    return pool[number - 1].id


_SKIP = frozenset("one picture image pic version the a an with of in that has had was is where showing".split())


def _by_description(description: str, images: list[LedgerImage], current: LedgerImage) -> str | None:
    wanted = [re.sub(r"'s$", "", w) for w in lang.words(description).tokens if w not in _SKIP]
    if not wanted:
        return None
    negated = re.fullmatch(r"(?:no|without)\s+(?:the\s+|a\s+|an\s+)?(\w+)|un(\w{3,})", " ".join(wanted))
    if negated and not any(_has_words(image, wanted) for image in images):
        # "unlit was better", "no wings was better": the latest of this line without it
        found = _before_feature(negated.group(1) or negated.group(2), images, current)
        if found:
            return found
    only = [w for w in wanted if w not in ("just", "only")]
    fits = [image for image in images if image.id != current.id and only and all(
        re.search(rf"\b{re.escape(w)}", image.words) or _shows(image, w) for w in only) and not _other_colour(image, only)]
    if not fits and not any(_shows(image, w) for image in images for w in only):  # "the ballet one": no picture says
        fits = [image for image in images if image.id != current.id and only and all(  # ballet, one shows a ballerina
            _shows(image, w, related=True) for w in only) and not _other_colour(image, only)]
    if fits:
        return _likeliest(fits, images, minimal=len(only) < len(wanted), current=current).id
    return _best_described(wanted, images, current)


def _one_of_several_takes(image: LedgerImage, images: list[LedgerImage]) -> bool:
    """Whether `image` was one of the takes one job made (n > 1: the same prompt and operation, seeds next to each
    other), as `last_batch` tells them apart."""
    return any(other.id != image.id and other.prompt == image.prompt and other.operation == image.operation and
               other.seed is not None and image.seed is not None and abs(other.seed - image.seed) == 1
               for other in images)


def _likeliest(fits: list[LedgerImage], images: list[LedgerImage], minimal: bool,
               current: LedgerImage | None = None) -> LedgerImage:
    """Of the earlier pictures a description fits, the one meant: the latest, or with "just"/"only" ("the one with
    just the briefcase") the one that shows least besides; a picture re-rolled from another with the same prompt
    stands for the one it was drawn again from ("back to the massive goose" after "reroll that x2")."""
    chosen = min(fits, key=lambda image: (len((image.prompt or "").split()), -image.ordinal)) if minimal else fits[-1]
    same = [image for image in images if image.ordinal <= chosen.ordinal and image.prompt == chosen.prompt
            and image.subjects == chosen.subjects]
    parent = next((image for image in same if current is not None and image.id == current.parent_id and
                   _one_of_several_takes(image, images)), None)
    return parent or same[0]  # "4 versions", "2nd", "swap sax for trumpet", "back to the sax one": the take picked


_NAMED_ONE = re.compile(r"\bthe\s+(?P<desc>[\w-]+(?:\s+[\w-]+)?)\s+(?:one|picture|pic|image|version|drawing)\b")


def edit_target(text: str, images: list[LedgerImage], current_id: str | None) -> tuple[LedgerImage, str] | None:
    """An edit aimed at an earlier picture than the current one, and the instruction with the pointer read:
    "make the boat one yellow" -> (the boat picture, "make the boat yellow"); "add raindrops to the crane" when
    only an earlier picture has a crane -> (that picture, the text)."""
    if len(images) < 2:
        return None
    said = lang.normalize(text)
    if re.search(r"\b(?:in|on|to|into)\s+(?:this|this\s+one|this\s+picture|this\s+version)(?:\s+(?:too|as\s+well|also))?\W*$", said):
        return None  # "put the floor lamp in this one too": this one, whatever else showed the lamp
    current = next((image for image in images if image.id == current_id), images[-1])
    named = _NAMED_ONE.search(said)
    if named:
        found = _by_description(named.group("desc"), images, current)
        if found:
            target = next(image for image in images if image.id == found)
            lead = re.match(r"^(?:edit|change|take|use|on|in|for)\s+$", said[:named.start()])
            if lead:  # "edit the owl one, not this: give it a monocle"
                return target, re.sub(r"^[,;:\s]*(?:not\s+(?:this|that)(?:\s+one)?)?[,;:\s]*", "", said[named.end():])
            return target, said[:named.start()] + f"the {named.group('desc')}" + said[named.end():]
    for found in re.finditer(r"\bthe\s+([\w-]+)", said):
        noun = found.group(1)
        if "NOUN" not in lang.pos_of(noun) or "ADJ" in lang.pos_of(noun) or noun in _NOT_THINGS or \
                _has_words(current, [noun]) or re.search(r"\b(?:like|as\s+in)\s+$", said[:found.start()]):
            continue  # "make it black and white like the old photos": a look, not the picture with "old" in it
        for image in reversed(images):
            if image.id != current.id and _has_words(image, [noun]) and image.prompt:
                return image, said
    return None


_NOT_THINGS = frozenset("background foreground sky picture image photo colors color colour palette style mood light "
                        "lighting scene left right top bottom middle center corner side front back edge whole same "
                        "rest end first second third last other one".split())


_JUST_BECAUSE = re.compile(r"[,\s]+(?:but\s+(?:a\s+bit\s+|slightly\s+|a\s+little\s+)?(?:different|new|fresh)|(?:just\s"
                           r"+|purely\s+)?"
                           r"(?:for\s+(?:science|fun|the\s+lulz|kicks|luck|comparison|good\s+"
                           r"measure|the\s+record|me|us)|to\s+(?:compare|see|be\s+sure|check)|because\s+why\s+not|"
                           r"why\s+not|just\s+because|i\s+guess|i\s+suppose))\W*$")


_FEW_ALONE = re.compile(
    r"^(?:(?:can|could)\s+(?:i|we)\s+(?:see|get|have)\s+)?(?P<n>[2-8]|two|three|four|five|six|a\s+few|few|a\s+couple(?:\s+of)?|"
    r"couple|several|some)(?:\s+(?:more|different|others?|diff))*(?:\s+(?:more|different|others?))?"
    r"(?:\s+(?:of|from|based\s+on|like)\s+(?:her|him|them|it|this|that|this\s+one|that\s+one))?"
    r"(?:\s+(?:to|so)\s+(?:(?:i|we|she|he|they)\s+)?(?:can\s+)?(?:pick|choose|compare|select|decide)(?:\s+(?:from|between|among))?|"
    r"\s+for\s+(?:me|us|her|him|them)\s+to\s+(?:pick|choose)(?:\s+(?:from|between|among))?|\s+(?:please|pls|then))?$", re.I)
"""A number of takes said with no noun: "give me a few to pick from", "few more", "show me some different"."""


def variation_count(text: str) -> tuple[int, str] | None:
    """How many more takes the message asks for, and what is left of it ("for a bakery logo"); None if it asks
    for none. "another one" -> (1, ""); "give me 3 variations" -> (3, ""); "4 options for a logo" -> (4, "for a logo")."""
    said = lang.strip_politeness(lang.normalize(lang.leading_small_talk(text)))
    if re.search(r"\b(?:totally|completely|entirely|something|a\s+whole(?:ly)?|wholly)\s+(?:other|different|new|else)\b|"
                 r"\bsomething\s+(?:other|different|new|else)\b", said) and re.search(r"[:\-\u2014]\s*(?:an?|the|some)\s+\w", said):
        return None  # "One more, but totally other: a taco truck in the night": a new picture, not another take
    said = re.sub(r"^(?:he|she|they|my\s+\w+|chat|the\s+client|everyone)\s+(?:says?|said|wants?)\s+(?=(?:(?:do|make|"
                  r"give|show)\s+(?:me\s+|us\s+|her\s+|him\s+)?)?(?:another|one\s+more|again|more|\d|two|three|four|"
                  r"a\s+few|some))", "", said)  # "he says another one but different", "my wife says do a few"
    _, body = lang.strip_frame(said)
    framed = body.rstrip("?.! ")
    body = re.sub(r"^(?:make|draw|generate|create|render|do|try|produce|show|give)\s+(?:me\s+|us\s+)?", "", body)
    twice = re.match(r"^(?:re-?roll|redo|retry|regen(?:erate)?|again|another|more|(?:do|try)\s+(?:it|that|this)\s+again)"
                     r"(?:\s+(?:that|this|it|one))?\s*(?:x\s*(\d+)|(\d+)\s*(?:x|times))\W*$", framed)
    if twice:
        return int(twice.group(1) or twice.group(2)), ""  # "reroll that x2"
    if any(AGAIN.match(form) or AGAIN.match(_JUST_BECAUSE.sub("", form)) for form in (body, said, framed)):
        return 1, ""  # "try again, for science"
    if re.search(r"\b(?:show|give|make)\s+(?:me\s+|us\s+)?(?:some|a\s+few)\s+others?\b|\bsome\s+other\s+(?:ones|versio"
                 r"ns|"
                 r"options)\b", said):
        return 3, ""  # "maybe you can show me some other, so i choose"
    alone = _FEW_ALONE.match(body.rstrip("?.! "))
    if alone:  # "give me a few to pick from", "few more?", "show me some different"
        word = re.sub(r"\s+of$", "", alone.group("n"))
        return (int(word) if word.isdigit() else lang.NUMBER_WORDS.get(word, 3)), ""
    times = re.search(r"\b(?:variants?|variations?|versions?|options?|takes?|vars?)\s*(?:x|\*|times)\s*(\d+)\b",
                      body) or re.fullmatch(r"(?:(?:some\s+)?more(?:\s+(?:variations?|options?|alternatives?|versions?|"
                                            r"takes?))?|variations?|options?|alternatives?)"
                                            r"(?:\s+like\s+(?:this|that|it))?[,:\s]+(?:(?:like|maybe|say|about|around|"
                                            r"perhaps)\s+)?(\d+)", body)  # "more options, like 5"
    if times:
        return int(times.group(1)), ""
    if any(AGAIN.match(lang.strip_politeness(form.split(",")[0].strip())) for form in (body, said)) and "," in said:
        return 1, ""  # "one more go please, the letters are bad"
    match = VARIATIONS.search(body)
    if match and match.start() <= 12:
        word = match.group("count").replace(" of", "")
        count = lang.NUMBER_WORDS.get(word, 3) if not word.isdigit() else int(word)
        if not word.isdigit() and word not in ("two", "three", "four", "five", "six", "seven", "eight"):
            exact = re.search(r"\b(\d+|two|three|four|five|six)\b", body[match.end():])  # "a few? maybe three?"
            if exact:
                count = int(exact.group(1)) if exact.group(1).isdigit() else lang.NUMBER_WORDS[exact.group(1)]
        rest = re.sub(rf"^{_VARIANT}\b", "", body[match.end():].strip()).strip()  # "4 hero image options"
        rest = re.sub(r"\b(?:in\s+(?:that|the\s+same|this)\s+(?:vein|style|spirit|mood)|along\s+(?:those|these|"
                      r"the\s+same)\s+lines)\b", "", rest).strip(" ,")
        rest = re.sub(r"^(?:of\s+(?:this|that|these|those)\s+ones?|of\s+(?:this|that|it|these|those|them)|"
                      r"on\s+(?:this|that|it)|like\s+(?:this|that|it)|"
                      r"please)\b\s*", "", rest).strip(" ,")
        rest = re.sub(r"^(?:for|of|with|showing)\s+(?=(?:an?|the|some|my|our)\b)", "", rest)
        if re.search(rf"\b{_TAKE_IDIOM}$", body[:match.end()]):
            # "three takes on a big black cross": what to draw (a take on a subject), unless it is where the current
            # picture goes ("3 variations on a blue background")
            rest = re.sub(r"^on\s+(?=an?\s+(?!(?:[\w-]+\s+){0,4}?(?:background|backdrop|bg|theme|canvas|surface|"
                          r"colou?r)\b))", "", rest)
        rest = re.sub(r"^(?:(?:so|because|cause|cuz|coz|since|as|then)\s+|(?:i|we|he|she|they|you|u)\s+(?!(?:a|an|the)\b)|"
                      r"(?:my|our|the)\s+[\w-]+\s+(?:wants?|will|can|could|needs?|gets?|is|are|'s|likes?)\s+).*$", "", rest)
        # "give me 3 versions, I show players the most scary one": why, not what
        return count, rest
    plain = PLAIN_VARIATIONS.match(body)
    if plain:
        rest = re.sub(r"^(?:of\s+(?:this|that|it)|on\s+(?:this|that|it)|please)\b\s*", "", body[plain.end():].strip())
        return 3, rest.strip(" ,")
    return None


_TAKE_IDIOM = r"(?:takes?|variations?|interpretations?|spins|riffs|renditions?)"
"""The words of "a take on something": "three takes on a big black cross" names what to draw."""
TAKES_ON = re.compile(rf"\b{_TAKE_IDIOM}\s+on\s+an?\s")
"""Takes on something new, in the idiom's words."""


_FIRST_WORDS = frozenset("first 1st original og orig earliest".split())


def likely_pick(text: str, images: list[LedgerImage], current_id: str | None) -> str | None:
    """The earlier picture a message most likely means when it is known to pick one but says it loosely ("nah prev
    was better", "go bak to the one befor", "hmm, I preferred the ring actually"): what `selection` finds; else
    the first picture for first/original; an ordinal of the last takes; the picture its words describe best; else
    the one before the current picture."""
    found = selection(text, images, current_id)
    if found is not None or len(images) < 2:
        return found
    current = next((image for image in images if image.id == current_id), images[-1])
    tokens = [re.sub(r"'s$", "", t) for t in lang.words(lang.normalize(text)).tokens]
    if any(t in _FIRST_WORDS for t in tokens):
        return images[0].id if images[0].id != current.id else None
    batch = last_batch(images)
    number = next((int(t) if t.isdigit() else lang.NUMBER_WORDS[t] for t in re.findall(r"#?\s*(\d+|[a-z]+)", lang.normalize(text))
                   if (t.isdigit() or t in lang.NUMBER_WORDS and t not in ("one", "few", "couple", "several"))), None)
    if number is not None and len(batch) > 1 and 1 <= number <= len(batch):
        return batch[number - 1].id  # "Option two.", "I like the number two", "- #3 is the one": that take
    ordinal = next((t for t in tokens if t in _ORDINAL_WORDS or t in ("left", "right", "middle")), None)
    if ordinal is not None:
        return _nth(batch if len(batch) > 1 else images, ordinal)
    wanted = [t for t in tokens if len(t) > 2 and t not in lang.SMALL_TALK and t not in _PICK_WORDS and
              "NOUN" in lang.pos_of(t)]
    described = _best_described(wanted, images, current) if wanted else None
    if described is None and wanted and re.search(
            rf"\b(?:a|an|some|any)\s+(?:[\w-]+\s+){{0,2}}(?:{'|'.join(map(re.escape, wanted))})\b", lang.normalize(text)):
        return None  # "and one with a generic dachshund": something new that no picture shows, not a way back
    return described or _before(current, images)
