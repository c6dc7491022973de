"""``python -m crawler.cli``: the ``crawler`` console script."""

import sys

from crawler.cli.app import main

sys.exit(main())
