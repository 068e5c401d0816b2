"""`python -m hourglass` is the `hourglass` command."""

from hourglass.cli import main

main()
