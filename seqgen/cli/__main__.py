"""``python -m seqgen.cli`` (and ``torchrun -m seqgen.cli``): the ``seqgen`` command, exiting with its status."""
import sys

from seqgen.cli import main

if __name__ == "__main__":
    sys.exit(main())
