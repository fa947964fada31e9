"""Shared fixtures: where the real data live (tests using them skip when absent)."""
import os
from pathlib import Path

import pytest

#: the real data sets: ../shared/data beside the checkout, or the folder SEQGEN_SHARED_DATA names
SHARED_DATA = Path(os.environ.get("SEQGEN_SHARED_DATA")
                   or Path(__file__).resolve().parents[1].parent / "shared" / "data")


@pytest.fixture
def shared_data():
    """Path to ../shared/data; skips the test when the folder is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is absent")
    return SHARED_DATA


def pytest_collection_modifyitems(config, items):
    import torch

    skip_gpu = pytest.mark.skip(reason="needs CUDA")
    for item in items:
        if "gpu" in item.keywords and not torch.cuda.is_available():
            item.add_marker(skip_gpu)
    # files with slow tests first: a run shared out over workers (scripts/test.sh) then ends on short files
    slow_files = {item.path for item in items if "slow" in item.keywords}
    items.sort(key=lambda item: item.path not in slow_files)


def pytest_configure(config):
    import torch

    torch.set_num_threads(1)  # tiny models: threads only add spinning on a shared machine
