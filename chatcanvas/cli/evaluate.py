"""`chatcanvas eval agent`: run the scripted conversations through the agent and print how well it decided."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from chatcanvas.cli.chat import BaseUrlOpt, LlmOpt
from chatcanvas.cli.common import DataDirOpt, app, quiet_libraries
from chatcanvas.errors import InvalidInput

ApiKeyOpt = Annotated[Optional[str], typer.Option("--llm-api-key", help="Key for --llm-base-url.")]
SplitOpt = Annotated[Optional[str], typer.Option(help="dev (default), test (the held-out half) or all.")]
FileOpt = Annotated[Optional[Path], typer.Option("--file", help="A conversations JSON file instead of a split.")]
JsonOpt = Annotated[Optional[Path], typer.Option("--json", help="Also write the numbers and failures here.")]
ShowFailuresOpt = Annotated[bool, typer.Option("--show-failures", help="One line per wrong turn.")]

eval_app = typer.Typer(help="Measure chatcanvas on fixed suites.", no_args_is_help=True,
                       pretty_exceptions_enable=False)
app.add_typer(eval_app, name="eval")


@eval_app.command("agent")
def agent(
    llm: LlmOpt = None,
    llm_base_url: BaseUrlOpt = None,
    llm_api_key: ApiKeyOpt = None,
    split: SplitOpt = None,
    file: FileOpt = None,
    data_dir: DataDirOpt = None,
    json_path: JsonOpt = None,
    show_failures: ShowFailuresOpt = False,
) -> None:
    """Run the agent on scripted conversations; print decision accuracy, edit lineage and prompt fidelity per
    category (draw, edit, chat, reference, variations, subject). Defaults: --llm from the settings (router), a
    temporary data folder."""
    from chatcanvas.config import get_settings
    from chatcanvas.eval.agent import format_report, load_conversations, run_suite

    if split is not None and file is not None:
        raise InvalidInput("split", "give --split or --file, not both")
    conversations = load_conversations(split, file)
    quiet_libraries()
    settings = get_settings()
    report = run_suite(conversations, llm=llm or settings.llm, llm_base_url=llm_base_url, llm_api_key=llm_api_key,
                       data_dir=data_dir, settings=settings, progress=lambda line: typer.echo(line, err=True))
    typer.echo(format_report(report, show_failures=show_failures))
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(report.to_dict(), indent=2) + "\n")
