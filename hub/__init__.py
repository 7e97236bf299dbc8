"""hub — the HR integration hub.

A plugin author imports one thing::

    from hub import hookimpl

    @hookimpl
    def hub_register_connectors():
        return [MyVendorConnector]
"""

from importlib.metadata import PackageNotFoundError, version

import pluggy

__all__ = ["hookimpl", "__version__"]

hookimpl = pluggy.HookimplMarker("hub")

try:
    __version__ = version("hub")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"
