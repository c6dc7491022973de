"""CMS families: how a kind of site publishes its lists (paging, where records hide).

A site spider subclasses one of these and sets only its URLs and selectors.
"""

from crawler.spiders.families.hanweb import HanwebSpider
from crawler.spiders.families.jsonapi import JsonApiSpider
from crawler.spiders.families.lsgov import LsGovSpider
from crawler.spiders.families.trs import TrsSpider

__all__ = ["HanwebSpider", "JsonApiSpider", "LsGovSpider", "TrsSpider"]
