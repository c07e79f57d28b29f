"""``python -m demo``: the demo as its own command (Typer)."""

import typer

from demo.run import demo


def main() -> None:
    typer.run(demo)


if __name__ == "__main__":
    main()
