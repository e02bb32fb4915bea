"""What the CLI prints: one-line errors and notes on stderr, plain lines, and tables that scripts can read too."""

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

out = Console()
err = Console(stderr=True)


def fail(message: str) -> typer.Exit:
    """Print `message` as one line on stderr (never wrapped, never read as markup); exit 1."""
    message = " ".join(message.split())
    err.print(Text.assemble(("error:", "red"), " ", message), soft_wrap=True, highlight=False)
    return typer.Exit(1)


def say(line: str) -> None:
    out.print(Text(line), soft_wrap=True, highlight=False)


def note(line: str) -> None:
    """A line for the person, on stderr: stdout keeps only what a script would read."""
    err.print(Text(line), soft_wrap=True, highlight=False)


def print_table(headers: list[str], rows: list[list[str]], show_header: bool = True, whole: int = 1) -> None:
    """A table for people at a terminal; tab-separated lines, nothing cut short, for scripts.

    At a terminal the first `whole` columns (names, ids) are never wrapped; the others fold to fit.
    """
    if not out.is_terminal:
        lines = [headers] if show_header else []
        for row in lines + rows:
            typer.echo("\t".join(value.replace("\t", " ").replace("\n", " ") for value in row))
        return
    table = Table(show_header=show_header)
    for index, header in enumerate(headers):
        if index < whole:
            widest = max((len(row[index]) for row in rows), default=0)
            table.add_column(header, no_wrap=True, min_width=max(widest, len(header)))
        else:
            table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(*(Text(value) for value in row))
    out.print(table)
