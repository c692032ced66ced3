"""`python -m tsunagu.bench.rss COMMAND...`: run a command and, as the last line of standard
error, print its peak resident memory (`peak_rss_kb=N`, from the kernel's accounting of the
finished child), so that a benchmark measures that command alone."""

from __future__ import annotations

import resource
import subprocess
import sys


def main() -> int:
    done = subprocess.run(sys.argv[1:], check=False)  # noqa: S603 - the caller's command
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    sys.stderr.write(f"peak_rss_kb={peak}\n")
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
