"""``python -m app.bench.faults --hearth PORT``: the Hearth process of the fault bench."""

import sys

from app.bench.faults.processes import _serve_hearth
from app.bench.faults.report import bench_faults, faults_table

if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--hearth":
        sys.exit(_serve_hearth(int(sys.argv[2])))
    print(faults_table(bench_faults()))

