"""The `dlsys` command (also `python -m dlsys_lab`): one table of subcommands, loaded lazily."""
from __future__ import annotations

import importlib
import sys

# subcommand -> (module with a `main(argv) -> int`, one line of help)
SUBCOMMANDS = {
    "doctor": ("dlsys_lab.doctor", "environment report: versions, compilers, CUDA, kernels"),
    "release": ("autograder.release", "source/LAB -> release/LAB (nbgrader generate_assignment)"),
    "validate": ("autograder.validate", "a student's self-check with the public tests"),
    "grade": ("autograder.grade", "grade SUBMISSIONS of LAB into grades/LAB/"),
    "check": ("autograder.check", "instructor self-check: solution full, blank 0, mutants caught"),
    "unlock": ("autograder.edition", "after LAB's deadline, put its reference pieces into a student edition"),
    "mutant": ("autograder.mutants", "mutant new source/LAB NAME EDITED --cell ID --why ...: write a mutant"),
}


def usage() -> str:
    """The usage text listing every subcommand."""
    width = max(map(len, SUBCOMMANDS))
    lines = ["usage: dlsys [--course DIR] COMMAND [ARGS...]", "", "commands:"]
    lines += [f"  {name:<{width}}  {help_}" for name, (_, help_) in SUBCOMMANDS.items()]
    lines += ["", "Run 'dlsys COMMAND --help' for a command's options."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Dispatch to a subcommand; unknown ones print usage and return 2."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--course"] and len(argv) >= 2:
        import os
        os.chdir(argv[1])
        argv = argv[2:]
    if not argv or argv[0] in ("-h", "--help"):
        print(usage())
        return 0 if argv else 2
    name, rest = argv[0], argv[1:]
    if name not in SUBCOMMANDS:
        print(f"dlsys: unknown command {name!r}\n\n{usage()}", file=sys.stderr)
        return 2
    module = importlib.import_module(SUBCOMMANDS[name][0])
    return int(module.main(rest) or 0)


if __name__ == "__main__":
    sys.exit(main())
