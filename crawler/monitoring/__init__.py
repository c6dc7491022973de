"""Watching the sites: the live probe (``crawler check``) and reasons a person can act on."""
