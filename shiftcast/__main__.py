"""``python -m shiftcast``: the same as the ``shiftcast`` command."""

from shiftcast.cli import main

main()
