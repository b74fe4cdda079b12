"""verify test suite."""
