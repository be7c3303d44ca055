"""Fault and stress tests: slow, they start gunicorn; skipped unless RUN_STRESS=1."""

import os

import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "stress: faults under gunicorn; needs RUN_STRESS=1")


def pytest_collection_modifyitems(config, items):
    if os.environ.get("RUN_STRESS") == "1":
        return
    skip = pytest.mark.skip(reason="stress test: set RUN_STRESS=1 to run")
    for item in items:
        if "stress" in item.keywords:
            item.add_marker(skip)
