"""File-export connector: reads CSV, XLSX and JSONL exports of legacy HR systems."""

from __future__ import annotations

from hub import hookimpl
from hub.core.connector import Category, Connector


class FileExportConnector(Connector):
    """Reads export files row by row; columns are mapped by a mapping file.

    Example hub.yaml::

        connectors:
          legacy:
            type: files
            settings: {path: examples/legacy_ai_interviews.csv, mapping: mapping/files/legacy/assessment.yaml}
    """

    name = "files"
    category = Category.FILES
    title = "CSV / XLSX / JSONL export files"
    reads = ("candidate", "application", "assessment", "employee")


@hookimpl
def hub_register_connectors() -> list[type[Connector]]:
    return [FileExportConnector]
