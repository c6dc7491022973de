"""policy-crawler: Chinese childcare, education and health policy announcements, crawled into SQL."""

__version__ = "0.1.0"
