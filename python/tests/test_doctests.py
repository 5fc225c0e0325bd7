"""Every example in the package's docstrings runs (native classes' docstrings included), with
a mosquitto for the asyncio driver's examples."""

from __future__ import annotations

import doctest
import importlib
from typing import Dict, List

import pytest

from conftest import Broker

MODULES = ["iotmqtt", "iotmqtt.errors", "iotmqtt.iotda", "iotmqtt.aio"]


def collect() -> List[doctest.DocTest]:
    finder = doctest.DocTestFinder(exclude_empty=True)
    tests: Dict[str, doctest.DocTest] = {}
    for name in MODULES:
        module = importlib.import_module(name)
        for t in finder.find(module, name):
            tests.setdefault(t.name, t)
        for attr in getattr(module, "__all__", []):
            obj = getattr(module, attr)
            if callable(obj) or isinstance(obj, type):
                for t in finder.find(obj, f"{name}.{attr}", module=False, globs={}):
                    tests.setdefault(t.name, t)
    return sorted((t for t in tests.values() if t.examples), key=lambda t: t.name)


TESTS = collect()


def test_there_are_many_examples() -> None:
    assert len(TESTS) >= 20, [t.name for t in TESTS]


@pytest.mark.parametrize("test", TESTS, ids=[t.name for t in TESTS])
def test_docstring_example(test: doctest.DocTest, mosquitto: Broker) -> None:
    test.globs = {**test.globs, "MOSQUITTO_PORT": mosquitto.port}
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.IGNORE_EXCEPTION_DETAIL)
    report: List[str] = []
    result = runner.run(test, out=report.append)
    assert result.attempted > 0
    assert result.failed == 0, "".join(report)
