"""The built-in connectors' mappings, shipped as package data: ``<category>/<system>/<entity>.yaml``.

Read through :class:`hub.core.mapping_files.MappingLookup` (importlib.resources), never by a path
relative to the source tree; see README.md here and docs/mapping.md for the lookup order.
"""
