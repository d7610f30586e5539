"""`|`: the open message piped to a command, like mutt. The command runs in export.pipe_to (through /bin/sh, the
message on its standard input, no API key in its environment, bounded in time); this screen shows that it runs,
then what it printed (sanitised, never markup) and how it ended. Escape while it runs stops it: closing the screen
cancels its worker, and the command's whole session is killed."""

from __future__ import annotations

from textual import work

from ...export import PIPE_TIMEOUT, PipeResult, pipe_to
from ...sanitize import one_line
from .source import TextScreen


class PipeScreen(TextScreen):
    def __init__(self, command: str, data: bytes, what: str) -> None:
        super().__init__(f"| {one_line(command, 100)}", "",
                         f"Running, with the {what} on its input (at most {PIPE_TIMEOUT:g} s; Escape stops it)…")
        self.command = command
        self.data = data
        self.result: PipeResult | None = None

    def on_mount(self) -> None:
        super().on_mount()
        self.run_command()

    @work(group="pipe", exclusive=True, exit_on_error=False)
    async def run_command(self) -> None:
        try:
            result = await pipe_to(self.command, self.data)
        except OSError as exc:
            self.show("", f"The command could not be started: {exc.strerror or exc}")
            return
        self.result = result
        cut = " (its output was longer: the first megabyte is shown)" if result.cut else ""
        said = result.output if result.output else "(it printed nothing)"
        self.show(said, f"{result.summary()}{cut} Escape closes.")
