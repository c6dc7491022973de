"""The egg scrapyd-deploy uploads: policy-crawler's settings entry point, no code.

Scrapyd runs a project from a zipped egg on ``sys.path``. policy-crawler cannot run from a zip:
Alembic reads its migrations from a real folder and the tagger reads its vocabulary file, and an
egg cannot carry the compiled dependencies (lxml, psycopg, numpy) either. So every node installs
the project with pip (``pip install 'policy-crawler[deploy]'`` or ``pip install -e '.[deploy]'``
from a checkout), and the egg only tells Scrapyd which settings module to use: ``crawler.settings``
(the installed package). Upgrading the code = installing the new version on every node, then
``scrapyd-deploy`` with the new version number.
"""

from setuptools import setup

setup(
    name="policy-crawler-scrapyd",
    version="0.1.0",
    packages=[],
    entry_points={"scrapy": ["settings = crawler.settings"]},
    zip_safe=True,
)
