"""`python -m hourglass` is the `hourglass` command."""

from hourglass.cli import main

if __name__ == "__main__":
    main()
