"""Evaluate the `shapes` model on combinations it never saw in training.

    python -m chatcanvas.eval.shapes                  # the full evaluation, printed as a table
    python -m chatcanvas.eval.shapes --scenes 24 --json scores.json

Everything runs through chatcanvas's own engine (the path users take): generation from the canonical caption of
each held-out scene, edits as img2img with the description the `router` merges ("make the circle green"), and a
LoRA subject (a red ring with a white middle) enrolled from rendered pictures. Pictures are read back with
`chatcanvas.eval.reading` and scored against what was asked.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from chatcanvas.agent.intents import merged_edit_prompt
from chatcanvas.engine.catalog import instance_prompt
from chatcanvas.eval.reading import Reading, read
from chatcanvas.models.shapes.scenes import (
    COLORS,
    HELD_OUT,
    POSITIONS,
    SIZES,
    SUBJECT,
    Background,
    Scene,
    Thing,
    describe,
    subject_references,
)


def held_out_scenes(count: int, seed: int = 0) -> list[Scene]:
    """`count` single-object scenes on plain backgrounds, cycling through the held-out (shape, color, background)
    triples, each with a seeded size and position."""
    rng = random.Random(seed)
    triples = sorted(HELD_OUT)
    rng.shuffle(triples)
    scenes = []
    for i in range(count):
        shape, color, ground = triples[i % len(triples)]
        thing = Thing(shape, color, rng.choice(list(SIZES)), rng.choice(list(POSITIONS)))
        scenes.append(Scene((thing,), Background(ground)))
    return scenes


def is_subject(reading: Reading) -> bool:
    """Both of the subject's colors make up at least 15% of the object (a plain red ring is not the subject)."""
    return reading.colors.get(SUBJECT.color, 0) >= 0.15 and reading.colors.get(SUBJECT.inner or "", 0) >= 0.15


def has_light_middle(reading: Reading) -> bool:
    """A looser reading of the subject: red, with a light middle (white, or white blended with the red into pink)
    making up at least 15% of the object, where a plain ring shows the background."""
    light = reading.colors.get(SUBJECT.inner or "", 0) + reading.colors.get("pink", 0)
    return reading.colors.get(SUBJECT.color, 0) >= 0.15 and light >= 0.15


@dataclass
class Scores:
    counts: dict[str, list[int]] = field(default_factory=dict)  # metric -> [hits, total]
    seconds_per_image: float | None = None

    def add(self, metric: str, hit: bool) -> None:
        entry = self.counts.setdefault(metric, [0, 0])
        entry[0] += int(hit)
        entry[1] += 1

    def rate(self, metric: str) -> float:
        hits, total = self.counts.get(metric, [0, 0])
        return hits / total if total else 0.0

    def as_dict(self) -> dict:
        rates = {metric: round(self.rate(metric), 4) for metric in self.counts}
        return {"rates": rates, "counts": self.counts, "seconds_per_image_one_core": self.seconds_per_image}


TARGETS = {"object_color": 0.90, "background_color": 0.95, "position": 0.80, "edit_changed": 0.85,
           "edit_kept": 0.90}


def _images(engine, requests) -> list[Image.Image]:
    """Run the requests, keeping as many queued as one user may (so the worker can batch them)."""
    window = min(engine.settings.max_jobs_per_user, engine.settings.queue_size)
    jobs, pictures = [], []
    for request in requests:
        if len(jobs) == window:
            pictures.append(engine.store.open(jobs.pop(0).wait()[0]))
        jobs.append(engine.submit(request))
    pictures.extend(engine.store.open(job.wait()[0]) for job in jobs)
    return pictures


def evaluate(engine, scenes: list[Scene], *, seed: int = 0, edits: bool = True, subject: bool = True,
             subject_images: int = 16, strength: float | None = None, work: Path | None = None) -> Scores:
    from chatcanvas.engine.jobs import EditRequest, GenerateRequest, SubjectAdapter, TrainLoraRequest

    scores = Scores()
    captions = [describe(scene) for scene in scenes]
    pictures = _images(engine, [GenerateRequest(prompt=c, seed=seed + i) for i, c in enumerate(captions)])
    readings = [read(picture) for picture in pictures]
    good = []
    for scene, reading, picture, caption in zip(scenes, readings, pictures, captions):
        thing = scene.things[0]
        scores.add("background_color", reading.background == scene.background.color)
        scores.add("object_color", reading.color == thing.color)
        scores.add("position", reading.position == thing.position)
        scores.add("shape", reading.shape == thing.shape)
        if (reading.background, reading.color, reading.position) == (scene.background.color, thing.color,
                                                                      thing.position):
            good.append((scene, picture, caption, reading))

    if edits and good:
        rng = random.Random(seed + 1)
        requests, checks = [], []
        for i, (scene, picture, caption, before) in enumerate(good):
            thing, ground = scene.things[0], scene.background.color
            new_color = rng.choice([c for c in COLORS if c not in (thing.color, ground)])
            new_ground = rng.choice([c for c in COLORS if c not in (thing.color, ground)])
            for instruction, attribute, wanted in ((f"make the {thing.shape} {new_color}", "color", new_color),
                                                   (f"make the background {new_ground}", "background", new_ground)):
                requests.append(EditRequest(prompt=merged_edit_prompt(caption, instruction), image=picture,
                                            strength=strength, seed=seed + 1000 + i))
                checks.append((before, attribute, wanted))
        for picture, (before, attribute, wanted) in zip(_images(engine, requests), checks):
            after = read(picture, with_shape=False)
            changed = getattr(after, attribute) == wanted
            others = [name for name in ("background", "color", "position") if name != attribute]
            kept = all(getattr(after, name) == getattr(before, name) for name in others)
            scores.add("edit_changed", changed)
            scores.add("edit_kept", kept)
            scores.add(f"edit_{attribute}_changed", changed)

    if subject:
        work = work or Path(tempfile.mkdtemp(prefix="shapes-eval-"))
        started = time.perf_counter()
        trigger = f"sks {SUBJECT.shape}"  # the phrase `SubjectService` gives a LoRA subject of this kind
        engine.submit(TrainLoraRequest(images=tuple(subject_references()), output=work / "lora", seed=seed,
                                       instance_prompt=instance_prompt(engine.default_model, trigger))).wait()
        scores.counts["subject_enroll_seconds"] = [round(time.perf_counter() - started, 1), 1]
        adapter = SubjectAdapter("evaluation-subject", "lora", work / "lora")
        grounds = [g for g in COLORS if g not in (SUBJECT.color, SUBJECT.inner)]
        asks = [grounds[i % len(grounds)] for i in range(subject_images)]
        requests = [GenerateRequest(prompt=f"{trigger} on a {ground} background", seed=seed + 2000 + i,
                                    subject=adapter) for i, ground in enumerate(asks)]
        for picture, ground in zip(_images(engine, requests), asks):
            reading = read(picture, with_shape=False)
            scores.add("subject_fidelity", is_subject(reading))
            scores.add("subject_light_middle", has_light_middle(reading))
            scores.add("subject_background", reading.background == ground)
    return scores


def seconds_per_image(engine, repeats: int = 5) -> float:
    """One 64x64 generation with the model's default steps, on one CPU thread, through the engine."""
    import torch

    from chatcanvas.engine.jobs import GenerateRequest

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        engine.run(GenerateRequest(prompt="a red circle on a blue background", seed=0))
        started = time.perf_counter()
        for i in range(repeats):
            engine.run(GenerateRequest(prompt="a red circle on a blue background", seed=i))
        return (time.perf_counter() - started) / repeats
    finally:
        torch.set_num_threads(threads)


def report(scores: Scores) -> str:
    lines = [f"{'metric':<26}{'score':>8}{'n':>6}  target"]
    for metric, (hits, total) in scores.counts.items():
        if metric.endswith("_seconds"):
            lines.append(f"{metric:<26}{hits:>7}s{total:>6}")
            continue
        target = TARGETS.get(metric)
        verdict = "" if target is None else f">= {target:.0%} {'ok' if scores.rate(metric) >= target else 'MISSED'}"
        lines.append(f"{metric:<26}{scores.rate(metric):>8.1%}{total:>6}  {verdict}")
    if scores.seconds_per_image is not None:
        verdict = "ok" if scores.seconds_per_image < 0.5 else "MISSED"
        lines.append(f"{'64x64, one core':<26}{scores.seconds_per_image:>7.3f}s{'':>6}  < 0.5 s {verdict}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="shapes", help="built-in id or diffusers folder to evaluate")
    parser.add_argument("--scenes", type=int, default=2 * len(HELD_OUT), help="held-out scenes to draw")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-edits", action="store_true")
    parser.add_argument("--no-subject", action="store_true")
    parser.add_argument("--subject-images", type=int, default=16, help="pictures of the enrolled subject to read")
    parser.add_argument("--strength", type=float, help="edit strength (default: the model's)")
    parser.add_argument("--json", type=Path, help="also write the scores here")
    args = parser.parse_args(argv)
    from chatcanvas.cli.common import quiet_libraries

    quiet_libraries()
    from chatcanvas.config import get_settings
    from chatcanvas.engine import Engine

    with tempfile.TemporaryDirectory(prefix="shapes-eval-") as folder:
        settings = get_settings().model_copy(update={"model": args.model, "data_dir": Path(folder) / "data"})
        with Engine(settings) as engine:
            scores = evaluate(engine, held_out_scenes(args.scenes, args.seed), seed=args.seed,
                              edits=not args.no_edits, subject=not args.no_subject, strength=args.strength,
                              subject_images=args.subject_images,
                              work=Path(folder))
            scores.seconds_per_image = seconds_per_image(engine)
    print(report(scores))
    if args.json:
        args.json.write_text(json.dumps(scores.as_dict(), indent=2))


if __name__ == "__main__":
    main()
