"""``python -m verify`` runs the command-line interface."""

from verify.cli.main import main

main()
