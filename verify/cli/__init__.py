"""The ``verify`` command line: thin commands over the Python API."""
