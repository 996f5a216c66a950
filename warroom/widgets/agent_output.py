"""The agent output pane: the selected agent run as Markdown, streaming as it arrives.

A one-line list of runs sits on top (``[`` / ``]`` or the list itself switch
runs), then the run's role, backend/model, duration and tokens, then its text.
Until the user picks a run, the pane follows the newest one.

A refresh touches only what changed: new runs are appended to the list, only the
runs whose state changed get a new prompt, and a streaming run's new text is
appended to the Markdown (at most every :data:`STREAM_REPAINT_SECONDS`) rather
than the whole text parsed again. The pane holds
its children from construction, so a refresh never queries for them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Markdown, OptionList, Static
from textual.widgets.option_list import Option

from warroom.data.durations import format_duration
from warroom.data.models import AgentRun, RunState
from warroom.data.text import strip_control

__all__ = ["AgentOutput", "run_meta"]

NO_OUTPUT = "_(no output yet)_"
#: A streaming run's new text is shown at most this often: each append to the Markdown lays the
#: screen out again, and a keystroke that lands behind a layout per chunk waits for it.
STREAM_REPAINT_SECONDS = 0.5

_RUN_MARK = {
    RunState.RUNNING: "▶", RunState.FINISHED: "✓", RunState.FAILED: "✗",
    RunState.INTERRUPTED: "!", RunState.CANCELLED: "–",
}  # fmt: skip


def run_meta(run: AgentRun, now: datetime) -> str:
    """Role, backend/model, duration and tokens of ``run`` on one line."""
    if run.ended_at is not None:
        duration = format_duration(run.ended_at - run.started_at)
    else:  # no per-second ticking here: the idle screen stays quiet
        duration = f"started {run.started_at:%H:%M:%S}Z"
    parts = [
        strip_control(run.role or "agent"),
        strip_control("/".join(p for p in (run.backend, run.model) if p) or "unknown backend"),
        duration,
        run.state.value,
    ]
    if run.input_tokens or run.output_tokens:
        parts.append(f"{run.input_tokens:,} in / {run.output_tokens:,} out tokens")
    if run.error:
        parts.append("error: " + strip_control(run.error).splitlines()[0][:200] if run.error.strip() else "error")
    return " · ".join(parts)


class AgentOutput(Vertical):
    """The runs of the incident and the text of the one selected."""

    BINDINGS = [
        Binding("left_square_bracket", "previous_run", "Previous run", tooltip="Show the previous agent run", id="run-previous"),
        Binding("right_square_bracket", "next_run", "Next run", tooltip="Show the next agent run", id="run-next"),
    ]  # fmt: skip

    DEFAULT_CSS = """
    AgentOutput > OptionList { height: 3; border: none; padding: 0; }
    AgentOutput > .run-meta { height: 1; color: $text-muted; }
    AgentOutput > VerticalScroll { height: 1fr; }
    """

    class RunSelected(Message):
        """The user picked a run to read."""

        def __init__(self, run_id: str) -> None:
            super().__init__()
            self.run_id = run_id

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.selected: str | None = None
        self._pinned = False
        self._run_ids: list[str] = []
        self._run_states: list[RunState] = []
        self._shown_text: str | None = None
        self._streamed: str | None = None  # a stream's newer text, waiting for the next repaint of the stream
        self._stream_timer: Timer | None = None
        self._shown_meta = ""
        self._list = OptionList(id="run-list")
        self._meta = Static("No agent runs yet.", classes="run-meta")
        self._markdown = Markdown("", id="run-text")
        self._scroll = VerticalScroll(self._markdown, id="run-scroll")

    def compose(self) -> ComposeResult:
        yield self._list
        yield self._meta
        yield self._scroll

    def show(self, runs: dict[str, AgentRun], texts: Mapping[str, str], now: datetime) -> None:
        """Refresh the list and the selected run's text (streamed ``texts`` while running)."""
        ids = list(runs)
        states = [runs[i].state for i in ids]
        if ids[: len(self._run_ids)] != self._run_ids:
            self._refresh_list(runs, ids)
        else:
            for index, (old, new) in enumerate(zip(self._run_states, states)):
                if old is not new:
                    self._list.replace_option_prompt_at_index(index, self._prompt(runs[ids[index]]))
            if len(ids) > len(self._run_ids):
                self._list.add_options([Option(self._prompt(runs[i]), id=i) for i in ids[len(self._run_ids):]])
                self._run_ids = ids
                if not self._pinned:
                    self._list.highlighted = len(ids) - 1
        self._run_states = states
        if not ids:
            return
        if not self._pinned or self.selected not in runs:
            self.selected = ids[-1]
        run = runs[self.selected]
        meta = run_meta(run, now)
        if meta != self._shown_meta:
            self._shown_meta = meta
            self._meta.update(Text(meta, no_wrap=True, overflow="ellipsis"))
        # an ended run holds its text; a running one, or a failed one from an older file, is joined from its chunks
        body = run.output if run.state is not RunState.RUNNING and run.output else texts.get(run.run_id, "")
        if run.error and run.state is not RunState.FINISHED:
            body += f"\n\n**{run.state.value}**: {run.error}"
        body = strip_control(body) or NO_OUTPUT
        shown = self._shown_text
        if body == shown:
            self._streamed = None
        elif shown and shown != NO_OUTPUT and body.startswith(shown):
            self._streamed = body  # a stream grew: shown with the next repaint of the stream
            if self._stream_timer is None:
                self._stream_timer = self.set_timer(STREAM_REPAINT_SECONDS, self._show_stream, name="agent-stream")
        else:
            self._streamed = None
            self._show_text(body, append=False)

    def _show_stream(self) -> None:
        self._stream_timer = None
        body, self._streamed = self._streamed, None
        if body is not None and self._shown_text and body.startswith(self._shown_text):
            self._show_text(body, append=True)

    def _show_text(self, body: str, *, append: bool) -> None:
        at_end = self._scroll.scroll_offset.y >= self._scroll.max_scroll_y
        shown, self._shown_text = self._shown_text or "", body
        if append:
            self._markdown.append(body[len(shown):])  # parse only what is new
        else:
            self._markdown.update(body)
        if at_end:
            self._scroll.scroll_end(animate=False)

    def _refresh_list(self, runs: dict[str, AgentRun], ids: list[str]) -> None:
        options = self._list
        self._run_ids = ids
        options.clear_options()
        options.add_options([Option(self._prompt(runs[i]), id=i) for i in ids])
        if self.selected in ids:
            options.highlighted = ids.index(self.selected)
        elif ids:
            options.highlighted = len(ids) - 1

    @staticmethod
    def _prompt(run: AgentRun) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f"{_RUN_MARK.get(run.state, '·')} ")
        text.append(strip_control(f"{run.step_id} ({run.role or 'agent'})"))
        return text

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._select(event.option.id)

    def _select(self, run_id: str | None) -> None:
        if run_id is None:
            return
        self.selected = run_id
        self._pinned = run_id != (self._run_ids[-1] if self._run_ids else None)
        self._shown_text = None
        self.post_message(self.RunSelected(run_id))

    def action_previous_run(self) -> None:
        self._step(-1)

    def action_next_run(self) -> None:
        self._step(1)

    def _step(self, delta: int) -> None:
        if not self._run_ids:
            return
        index = self._run_ids.index(self.selected) if self.selected in self._run_ids else len(self._run_ids) - 1
        index = max(0, min(len(self._run_ids) - 1, index + delta))
        self._list.highlighted = index
        self._select(self._run_ids[index])
