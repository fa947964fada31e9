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
