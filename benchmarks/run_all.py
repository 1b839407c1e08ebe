"""`make bench`: the quick benchmarks, one after the other, each printing its own numbers.

The long ones run separately (see docs/benchmarks.md): `python -m benchmarks.loyalty --server
postgresql://…` (builds a 1M-customer shop, ~10 minutes) and `python -m benchmarks.nlu_external`
(trains on BANKING77, CLINC150 and SMP2017, ~30 minutes); `python -m benchmarks.outreach send|audience`
(proactive send rates up to 100,000 paid messages, audiences from 1M customers: see its docstring).
"""

from __future__ import annotations

import subprocess
import sys

QUICK = ("benchmarks.nlu_latency", "benchmarks.bot_latency", "benchmarks.bot_throughput")


def main() -> int:
    failed = 0
    for module in QUICK:
        print(f"== {module}", flush=True)
        failed += subprocess.run([sys.executable, "-m", module], check=False).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
