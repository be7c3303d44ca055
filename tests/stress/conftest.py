"""Tests marked `stress` start gunicorn and take tens of seconds: skipped unless RUN_STRESS=1.
The other fault tests here are quick and run with the normal suite."""

import os

import pytest


def pytest_collection_modifyitems(config, items):
    if os.environ.get("RUN_STRESS") == "1":
        return
    skip = pytest.mark.skip(reason="stress test: set RUN_STRESS=1 to run")
    for item in items:
        if item.get_closest_marker("stress"):
            item.add_marker(skip)
