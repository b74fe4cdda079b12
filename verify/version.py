"""The version of verify, in a module of its own that imports nothing.

Records, reports and the CLI all name the version that made them; reading it from here
rather than from the package lets them do so without importing ``verify/__init__.py``,
whose lazy ``extract`` leads back into the pipeline.
"""

__version__ = "0.1.0"
