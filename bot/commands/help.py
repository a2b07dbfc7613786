"""`help [command]`."""

from __future__ import annotations

from bot.commands.context import Args, Context, clip
from bot.errors import CommandError
from bot.grammar import COMMANDS
from bot.replies import Reply


async def run(ctx: Context, args: Args) -> Reply:
    topic = (args.text("topic") or "").lower().lstrip("/")
    if topic:
        matches = [spec for spec in COMMANDS if spec.name == topic or spec.words[0] == topic]
        if not matches:
            raise CommandError("unknown_command", f"There is no command `{clip(topic)}`. Type `help` for the list.")
    else:
        matches = list(COMMANDS)
    lines = [f"`{spec.usage}` — {spec.summary}" for spec in matches]
    if not topic:
        lines.insert(0, "studybot keeps your cohort's daily 30-minute sprint going. Commands:")
        lines.append("Add `cohort:NAME` to any command when you are in several cohorts.")
    return Reply(text="\n".join(lines), private=True, title="studybot help",
                 data={"commands": [{"name": spec.name, "usage": spec.usage, "summary": spec.summary}
                                    for spec in matches]})
