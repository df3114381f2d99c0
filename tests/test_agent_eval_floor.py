"""The offline router on the held-out half of the agent evaluation: conversations no design decision looked at.
It must stay above a floor, per category and overall, so a change that makes the router worse for people fails."""

from __future__ import annotations

from chatcanvas.eval.agent import format_report, load_conversations, run_suite

# A few points under the router's measured scores on this half (95% decisions, 90% fidelity, the weakest category,
# subject, 81%; the README has the table), so a change that makes it worse for people fails. The target of
# 90% in every category is not met yet (subject): raise these as the router gets there.
OVERALL_FLOOR = {"decision": 94.0, "fidelity": 89.0}
CATEGORY_FLOOR = 80.0


def test_the_router_on_the_held_out_conversations(settings, one_torch_thread):
    report = run_suite(load_conversations("test"), llm="router", data_dir=settings.data_dir / "eval",
                       settings=settings)
    print(format_report(report, show_failures=True))
    assert report.overall.decision_pct >= OVERALL_FLOOR["decision"]
    assert report.overall.fidelity_pct >= OVERALL_FLOOR["fidelity"]
    for name, score in report.categories.items():
        assert score.decision_pct >= CATEGORY_FLOOR, name
