"""`make test` runs the browser half too: it installs Chromium where it can, else it stops."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_make_stops_with_the_one_command_to_run_when_chromium_is_missing_and_cannot_be_installed():
    result = subprocess.run(
        ["make", "--no-print-directory", "chromium", "CHROMIUM=/nonexistent/chromium",
         "APT_GET=/nonexistent/apt-get"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode != 0
    assert result.stdout.splitlines()[-1].strip() == "sudo apt-get install chromium"


def test_make_test_requires_the_browser_tests_and_chromium():
    dry_run = subprocess.run(["make", "--no-print-directory", "-n", "test"], cwd=ROOT,
                             capture_output=True, text=True).stdout
    assert "command -v apt-get" in dry_run  # the chromium step runs first
    assert "BROWSER_TESTS_REQUIRED=1 .venv/bin/python -m pytest" in dry_run


def test_without_chromium_the_required_browser_tests_fail_instead_of_skipping():
    env = {**os.environ, "CHROMIUM": "/nonexistent/chromium", "BROWSER_TESTS_REQUIRED": "1"}
    env.pop("CI", None)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q",
         "tests/browser/test_pages.py::test_phone_sized_home_page_has_no_horizontal_scrolling"],
        cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 1, result.stdout[-2000:]
    assert "Chromium not found at /nonexistent/chromium: apt-get install chromium" in result.stdout
    assert "skipped" not in result.stdout
