"""engine.allocator: after ``keep_freed_memory`` image-sized numpy temporaries reuse freed pages.

Each case runs in a fresh interpreter: the allocator settings are process-wide and cannot be undone.
"""

from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"

# Twelve 1 MB arrays alive at once, freed, ten times over; prints the page faults of those ten rounds.
PROBE = """
import resource, sys
import numpy as np
sys.path.insert(0, {src!r})
if {setup!r} == "keep":
    from fuseface_local.engine.allocator import keep_freed_memory
    assert keep_freed_memory() is True
elif {setup!r} == "engine":
    from fuseface_local.engine import FusionEngine
    FusionEngine()
def burst():
    arrays = [np.ones((512, 512), np.float32) for _ in range(12)]
    del arrays
burst()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(10):
    burst()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""

glibc_only = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="keep_freed_memory sets glibc's mallopt; this C library is not glibc")


def _page_faults(setup: str) -> int:
    out = subprocess.run([sys.executable, "-c", PROBE.format(src=str(SRC), setup=setup)],
                         capture_output=True, text=True, check=True, timeout=60)
    return int(out.stdout.strip())


@glibc_only
def test_freed_temporaries_are_reused_without_page_faults():
    # 10 rounds x 12 MB = 30,720 pages of 4 KB
    assert _page_faults("keep") < 100


@glibc_only
def test_a_fusion_engine_sets_it_up_for_its_process():
    assert _page_faults("engine") < 100


@glibc_only
def test_without_it_the_same_temporaries_fault_their_pages_again():
    # what keep_freed_memory avoids: glibc hands the freed 12 MB back to the kernel after each round
    assert _page_faults("none") > 20_000
