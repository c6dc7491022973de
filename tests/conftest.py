"""The fixtures every test folder may use come from :mod:`tests.support.fixtures` (throw-away
databases on SQLite and on the local PostgreSQL server); shared helpers are in
:mod:`tests.support`."""

pytest_plugins = ["tests.support.fixtures"]
