"""MkDocs hook: generate the command reference of `cli.md` from the `provenance` command tree itself.

The page holds a marker line, ``<!-- cli-reference -->``; at build time it is replaced by one section per command
(usage, help text, a table of arguments and options with their defaults), read from the Typer app that the
`provenance` entry point runs. The reference therefore changes with the code and cannot go stale.
"""
from __future__ import annotations

import html
from typing import Any

MARKER = "<!-- cli-reference -->"


def _type_name(param: Any) -> str:
    """The value type of a parameter as the help shows it (click's `type.name`, or Typer's annotation)."""
    ptype = getattr(param, "type", None)
    if ptype is not None and getattr(ptype, "name", None):
        return str(ptype.name).upper()
    descriptor = getattr(param, "type_descriptor", None)
    annotation = getattr(descriptor, "annotation", None)
    inner = getattr(annotation, "__args__", None)  # list[str] for a repeatable option: the element type
    if inner:
        annotation = inner[0]
    return getattr(annotation, "__name__", str(annotation or "")).upper()


def _text(text: Any) -> str:
    """Help text as Markdown that shows it literally: no HTML (`contains:<text>`), no attribute lists (`{prompt}`)."""
    return html.escape(str(text), quote=False).replace("{", "\\{").replace("}", "\\}")


def _cell(text: Any) -> str:
    return " ".join(_text(text).split()).replace("|", "\\|")


def _default(param: Any) -> str:
    if getattr(param, "required", False):
        return "required"
    default = getattr(param, "default", None)
    if default is None or default == () or default == []:
        return ""
    if isinstance(default, bool):
        if not getattr(param, "secondary_opts", None):
            return ""  # a plain flag: off unless given
        return f"`{param.opts[0] if default else param.secondary_opts[0]}`"
    if isinstance(default, (list, tuple)):
        return ", ".join(f"`{v}`" for v in default)
    return f"`{default}`"


def _param_row(param: Any) -> str:
    is_argument = getattr(param, "param_type_name", "") == "argument"
    if is_argument:
        name = f"`{param.name.upper()}`"
    else:
        names = list(param.opts) + list(getattr(param, "secondary_opts", []) or [])
        name = " / ".join(f"`{n}`" for n in names)
        if not getattr(param, "is_flag", False):
            name += f" *{_type_name(param).lower()}*"
        if getattr(param, "multiple", False) and "repeatable" not in (getattr(param, "help", None) or ""):
            name += " (repeatable)"
    return f"| {name} | {_cell(getattr(param, 'help', None) or '')} | {_default(param)} |"


def _section(command: Any, path: list[str], level: int) -> list[str]:
    lines = [f"{'#' * level} `{' '.join(path)}`", ""]
    arguments = [p for p in command.params if getattr(p, "param_type_name", "") == "argument"]
    usage = " ".join(path + ["[OPTIONS]"] + [p.name.upper() for p in arguments])
    lines += [f"    {usage}", ""]
    if command.help:
        lines += [_text(command.help.strip()), ""]
    if getattr(command, "epilog", None):
        lines += [_text(command.epilog.strip()), ""]
    params = [p for p in command.params if not getattr(p, "hidden", False)]
    if params:
        lines += ["| argument / option | meaning | default |", "|---|---|---|"]
        lines += [_param_row(p) for p in params] + [""]
    return lines


def cli_reference(level: int = 2) -> str:
    """Markdown for every visible command of the `provenance` CLI, depth first, in the order `--help` lists them."""
    import typer

    from provenance.cli import app

    root = typer.main.get_command(app)
    out: list[str] = []

    def walk(command: Any, path: list[str], depth: int) -> None:
        out.extend(_section(command, path, min(level + depth, 6)))
        list_commands = getattr(command, "list_commands", None)
        if list_commands is None:
            return
        # Typer's command objects follow click's interface, context class included.
        ctx = command.context_class(command, info_name=path[-1])
        for name in list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not getattr(sub, "hidden", False):
                walk(sub, path + [name], depth + 1)

    walk(root, ["provenance"], 0)
    return "\n".join(out)


def on_page_markdown(markdown: str, *, page: Any, **kwargs: Any) -> str:
    if MARKER not in markdown:
        return markdown
    return markdown.replace(MARKER, cli_reference())
