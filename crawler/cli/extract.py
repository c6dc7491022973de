"""``crawler extract PAGE``: run the extractor on a saved page's raw bytes, print JSON."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from crawler.cli import common


def register(sub: Any) -> None:
    """Add the command(s) of this module to ``crawler``'s sub-parsers."""
    p = sub.add_parser("extract", help="extract one saved page (raw bytes) and print JSON")
    p.add_argument("page", help="path of the saved page")
    p.add_argument("--url", help="the page's original URL (for absolute links)")
    p.add_argument(
        "--kind", choices=["article", "list"], help="what the page is; detected when omitted"
    )
    p.set_defaults(func=cmd_extract)


def cmd_extract(args: argparse.Namespace) -> int:
    from crawler.extraction import extract_from_bytes, to_eval_dict

    path = Path(args.page)
    cap = common.project_settings().getint("DOWNLOAD_MAXSIZE")  # the crawl's own download cap
    try:
        with path.open("rb") as fh:
            body = fh.read(cap + 1) if cap > 0 else fh.read()
    except OSError as exc:
        print(f"crawler extract: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return common.EXIT_USAGE
    if cap > 0 and len(body) > cap:
        print(
            f"crawler extract: {path} is larger than DOWNLOAD_MAXSIZE ({cap} bytes), the "
            "crawl's download cap; set it higher to extract it (-s is not taken here: "
            "DOWNLOAD_MAXSIZE in the environment's settings)",
            file=sys.stderr,
        )
        return common.EXIT_USAGE
    url = args.url or path.resolve().as_uri()
    page = extract_from_bytes(body, url, headers=None, kind=args.kind)
    json.dump(to_eval_dict(page), sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    if page.kind == "list" and not page.links:
        print(
            "crawler extract: no list of article links found (the generic detection wants three "
            "or more similar links; a spider's list_link_selector finds shorter lists)",
            file=sys.stderr,
        )
    return common.EXIT_OK
