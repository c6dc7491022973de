"""policy-crawler: Chinese childcare, education and health policy announcements, into SQL."""

__version__ = "0.1.0"
