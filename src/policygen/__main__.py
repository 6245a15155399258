"""Allow ``python -m policygen``."""

import sys

from policygen._launch import main

sys.exit(main())
