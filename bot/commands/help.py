"""`help [command|section]`: the commands by what people want to do, one example each; one command's (or one
section's) usage and examples. The words and examples are the grammar's (`bot.grammar.HELP`)."""

from __future__ import annotations

from typing import Any

from bot.commands.context import Args, Context, clip
from bot.errors import CommandError
from bot.grammar import BY_NAME, COMMANDS, HELP, HELP_SECTIONS, CommandSpec, Example
from bot.replies import Reply

SECTION_TITLES = dict(HELP_SECTIONS)


async def run(ctx: Context, args: Args) -> Reply:
    topic = " ".join((args.text("topic") or "").lower().lstrip("/").split())
    if not topic:
        return overview()
    if topic in SECTION_TITLES:
        specs = [BY_NAME[name] for name, (section, _) in HELP.items() if section == topic and name in BY_NAME]
        lines = [f"{SECTION_TITLES[topic]}:"] + [_usage(spec, examples(spec)[:1]) for spec in specs]
        return _reply(lines, specs)
    specs = [spec for spec in COMMANDS if spec.name == topic or spec.words[0] == topic]
    if not specs:
        sections = ", ".join(f"`help {key}`" for key, _ in HELP_SECTIONS)
        raise CommandError("unknown_command", f"There is no command `{clip(topic)}`. Type `help` for the list, "
                                              f"or one of {sections}.")
    several = len(specs) > 1
    return _reply([_usage(spec, examples(spec)[:2] if several else examples(spec)) for spec in specs], specs)


def overview() -> Reply:
    lines = ["studybot keeps your cohort's daily study sprint going. What do you want to do?"]
    for key, title in HELP_SECTIONS:
        shown = [f"`{examples(BY_NAME[name])[0][0]}`" for name, (section, _) in HELP.items()
                 if section == key and name in BY_NAME and examples(BY_NAME[name])]
        lines.append(f"{title}: {' · '.join(shown)}")
    others = [spec for spec in COMMANDS if spec.name not in HELP]  # a command the table does not know yet
    if others:
        lines.append("More: " + " · ".join(f"`{spec.usage}`" for spec in others))
    sections = ", ".join(f"`help {key}`" for key, _ in HELP_SECTIONS)
    lines.append(f"`help checkin` shows a command's options and examples; {sections} the commands for one of "
                 "these. Add `cohort:NAME` to any command when you are in several cohorts.")
    return _reply(lines, list(COMMANDS))


def examples(spec: CommandSpec) -> tuple[Example, ...]:
    return HELP[spec.name][1] if spec.name in HELP else ()


def section(spec: CommandSpec) -> str | None:
    return HELP[spec.name][0] if spec.name in HELP else None


def _usage(spec: CommandSpec, shown: tuple[Example, ...]) -> str:
    lines = [f"`{spec.usage}` — {spec.summary}"]
    lines += [f"  e.g. `{line}` — {does}" for line, does in shown]
    return "\n".join(lines)


def _reply(lines: list[str], specs: list[CommandSpec]) -> Reply:
    return Reply(text="\n".join(lines), private=True, title="studybot help",
                 data={"commands": [_entry(spec) for spec in specs]})


def _entry(spec: CommandSpec) -> dict[str, Any]:
    return {"name": spec.name, "usage": spec.usage, "summary": spec.summary, "section": section(spec),
            "examples": [{"line": line, "does": does} for line, does in examples(spec)]}
