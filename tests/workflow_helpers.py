"""Helpers of the workflow tests: run Snakemake on a work folder, read its job table, write a config."""
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEST_CONFIG = ROOT / ".test" / "config" / "config.yaml"


def snakemake(workdir, *args, check=True):
    env = {**os.environ, "XDG_CACHE_HOME": str(Path(workdir) / ".cache"), "MPLBACKEND": "Agg",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run([sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "--directory",
                             str(workdir), *args], capture_output=True, text=True, env=env)
    if check and result.returncode != 0:
        raise AssertionError(result.stdout[-3000:] + result.stderr[-3000:])
    return result


def job_counts(output: str) -> dict:
    if "Job stats" not in output:  # nothing to be done
        return {}
    table = output[output.index("Job stats"):].split("total")[0]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.M)}


def make_workdir(tmp_path, text):
    (tmp_path / "config").mkdir(parents=True)
    (tmp_path / "config" / "config.yaml").write_text(text)
    return tmp_path


def planned_jobs(output: str) -> list:
    """The jobs of a dry run's log (``-n -p``), in its order: ``{"rule", "wildcards", "input", "output", "command"}``
    (wildcards a dict, files lists)."""
    jobs = []
    for line in output.splitlines():
        if re.fullmatch(r"(local)?rule \w+:", line):
            jobs.append({"rule": line.split()[-1][:-1], "wildcards": {}, "input": [], "output": [], "command": None})
        elif jobs and line.startswith("    ") and ": " in line:
            key, value = line.strip().split(": ", 1)
            if key in ("input", "output"):
                jobs[-1][key] = value.split(", ")
            elif key == "wildcards":
                jobs[-1]["wildcards"] = dict(item.split("=", 1) for item in value.split(", "))
        elif jobs and line.startswith("Shell command: "):
            jobs[-1]["command"] = line[len("Shell command: "):]
    return jobs
