"""`python -m dlsys_lab` is the `dlsys` command."""
import sys

from dlsys_lab.cli import main

sys.exit(main())
