"""``python -m tracr``: the ``tracr`` command (see ``tracr.cli``)."""

import sys

from tracr.cli import main

if __name__ == "__main__":
    sys.exit(main())
