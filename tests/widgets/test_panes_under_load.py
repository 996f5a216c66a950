"""The phase tracker and the agent pane with a thousand runs: a refresh redraws what changed, not everything."""

from __future__ import annotations

import time

from textual.app import App, ComposeResult
from textual.widgets import Markdown, OptionList

from tests.screens.helpers import until
from tests.screens.seeding import NOW, T0
from warroom.data.models import AgentRun, RunState
from warroom.widgets.agent_output import AgentOutput
from warroom.widgets.phase_tracker import PhaseTracker, StepRow

RUNS = 1_000


def _steps(count: int, running: int = -1) -> list[StepRow]:
    return [StepRow("agents", "Agents", f"step {i}", "running" if i == running else "done") for i in range(count)]


def _runs(count: int, running_last: bool = True) -> dict[str, AgentRun]:
    runs = {}
    for i in range(count):
        state = RunState.RUNNING if running_last and i == count - 1 else RunState.FINISHED
        runs[f"r{i}"] = AgentRun(run_id=f"r{i}", step_id=f"step{i}", role="analyst", backend="offline", state=state,
                                 started_at=T0, ended_at=None if state is RunState.RUNNING else NOW, output=f"finding {i}")  # fmt: skip
    return runs


class PanesApp(App[None]):
    def compose(self) -> ComposeResult:
        yield PhaseTracker(id="phases")
        yield AgentOutput(id="agents")


async def test_a_thousand_steps_render_only_the_lines_in_view() -> None:
    app = PanesApp()
    async with app.run_test(size=(80, 30)) as pilot:
        tracker = app.query_one(PhaseTracker)
        rendered: list[int] = []
        original = tracker.render_line
        tracker.render_line = lambda y: rendered.append(y) or original(y)  # type: ignore[method-assign]
        started = time.perf_counter()
        for running in range(20):  # the tracker re-shown as runs finish, one batch after another
            tracker.show(_steps(RUNS, running), "agents")
            await pilot.pause()
        assert time.perf_counter() - started < 5
        assert tracker.virtual_size.height == RUNS + 1  # a phase line, then one per step
        assert "step 999  done" in tracker.text and "Agents  999/1000" in tracker.text
        assert rendered and max(rendered) < tracker.size.height  # never a line out of view
        rendered.clear()
        tracker.show(_steps(RUNS, 19), "agents")  # nothing changed: no repaint
        await pilot.pause()
        assert rendered == []


async def test_new_runs_are_appended_and_a_stream_is_appended_to_the_markdown() -> None:
    app = PanesApp()
    async with app.run_test(size=(80, 30)) as pilot:
        pane = app.query_one(AgentOutput)
        options = pane.query_one(OptionList)
        pane.show(_runs(RUNS - 1, running_last=False), {}, NOW)
        await pilot.pause()
        first = options.get_option_at_index(0)
        runs = _runs(RUNS)
        streamed = ""
        for n in range(30):  # the newest run streams while the others stay as they were
            streamed += f"token {n} "
            pane.show(runs, {f"r{RUNS - 1}": streamed}, NOW)
            await pilot.pause()
        assert options.option_count == RUNS and options.get_option_at_index(0) is first  # appended, not rebuilt
        assert options.highlighted == RUNS - 1 and pane.selected == f"r{RUNS - 1}"
        markdown = pane.query_one(Markdown)
        await until(pilot, lambda: markdown.source in (streamed, streamed.strip()))  # the stream's repaint comes
        assert "token 29" in " ".join(str(block.render()) for block in markdown.query("MarkdownBlock"))
        finished = dict(runs)
        finished[f"r{RUNS - 1}"] = runs[f"r{RUNS - 1}"].model_copy(update={"state": RunState.FINISHED, "ended_at": NOW,
                                                                             "output": "final answer"})  # fmt: skip
        pane.show(finished, {f"r{RUNS - 1}": streamed}, NOW)
        await pilot.pause(0.2)
        assert markdown.source == "final answer"  # the finished output replaces the stream
        assert "✓" in str(options.get_option_at_index(RUNS - 1).prompt)
