"""Fault tests: real workers, beats and servers, killed and restarted on purpose."""

import pytest


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/faults/" in str(item.fspath):
            item.add_marker(pytest.mark.faults)
