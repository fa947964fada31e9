"""The benchmark scripts stay in step with the package: each imports and builds its command line.

The benchmarks themselves need ../shared/data or minutes of training, so CI cannot run them; what it can
catch is a script left calling a package function that was renamed or removed (this happened once to
``benchmarks/protein.py``), which otherwise surfaces only at the next measurement.
"""
import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
SCRIPTS = sorted(p for p in BENCHMARKS.glob("*.py") if p.name != "common.py")

# One interpreter (torch imported once) imports every script and runs its main() with --help, which builds the
# whole argument parser; it prints each script that fails, one per line.
_CHECK_ALL = """
import contextlib, importlib.util, io, sys, traceback
sys.path.insert(0, {folder!r})
for path in sys.argv[1:]:
    spec = importlib.util.spec_from_file_location("bench_" + path.rsplit("/", 1)[-1][:-3], path)
    try:
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.argv = [path, "--help"]
        with contextlib.redirect_stdout(io.StringIO()) as out:
            try:
                module.main()
            except SystemExit as stop:
                assert stop.code in (0, None), f"--help exited {{stop.code}}"
        assert "usage" in out.getvalue().lower(), "--help printed no usage"
    except BaseException:
        print(path, "|", traceback.format_exc().strip().splitlines()[-1])
"""


def test_there_are_benchmark_scripts():
    assert len(SCRIPTS) >= 10


def test_every_benchmark_script_imports_and_parses_help():
    run = subprocess.run([sys.executable, "-c", _CHECK_ALL.format(folder=str(BENCHMARKS)), *map(str, SCRIPTS)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout == "", f"benchmark scripts that fail to import or to print --help:\n{run.stdout}"
