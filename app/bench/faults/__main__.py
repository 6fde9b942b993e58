"""``python -m app.bench.faults --hearth PORT``: the Hearth process of the fault bench;
``--flood PORT MESSAGES``: the process that floods its broker."""

import sys

from app.bench.faults.processes import _serve_hearth
from app.bench.faults.report import bench_faults, faults_table
from app.bench.faults.scenarios import flood

if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--hearth":
        sys.exit(_serve_hearth(int(sys.argv[2])))
    if len(sys.argv) == 4 and sys.argv[1] == "--flood":
        print(round(flood(int(sys.argv[2]), int(sys.argv[3])), 3))
        sys.exit(0)
    print(faults_table(bench_faults()))

