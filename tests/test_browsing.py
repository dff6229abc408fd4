"""The browser tests' one retry: a renderer crash (Chromium's failure) runs the test again; nothing else does."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

INNER_CONFTEST = '''
import pytest
import browsing

def pytest_collection_modifyitems(items):
    for item in items:
        browsing.rerun_if_the_renderer_crashes(item)

@pytest.fixture
def browser():
    return object()
'''

INNER_TESTS = '''
import pathlib

def crash_once(name, tmp_path_factory):
    mark = tmp_path_factory.getbasetemp() / name
    if not mark.exists():
        mark.touch()
        raise AssertionError("Locator expected to contain text\\nCall log:\\n  - Page crashed")

def test_crashed_once(browser, tmp_path_factory):
    crash_once("once", tmp_path_factory)

def test_crashes_every_time(browser):
    raise Exception("Page.evaluate: Target crashed")

def test_fails(browser):
    assert "the page" == "another page"

def test_no_browser(tmp_path_factory):
    crash_once("nobrowser", tmp_path_factory)
'''


def test_a_browser_test_runs_once_more_only_after_a_renderer_crash(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(INNER_CONFTEST)
    pytester.makepyfile(test_inner=INNER_TESTS)
    result = pytester.runpytest("-p", "no:xdist", "-p", "no:cacheprovider", "-v")
    assert result.parseoutcomes() == {"passed": 1, "failed": 3, "rerun": 2}
    reruns = [line.split()[0] for line in result.stdout.lines if " RERUN " in line]
    assert reruns == ["test_inner.py::test_crashed_once", "test_inner.py::test_crashes_every_time"]
