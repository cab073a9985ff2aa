"""The command's entry points: python -m skprune and the console script
(skprune.__main__, skprune._cli.command)."""

import shutil
import subprocess
import sys

import pytest


def test_module_and_console_script_entry_points():
    result = subprocess.run(
        [sys.executable, "-m", "skprune", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip()
    script = shutil.which("skprune")
    if script is None:
        pytest.skip("the skprune console script is not installed")
    result = subprocess.run([script, "--data", "nope"], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.startswith("skprune: error: --data must be one of")
