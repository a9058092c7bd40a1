"""``python -m scholarkg`` is the ``scholarkg`` command."""

from scholarkg.cli import main

main()
