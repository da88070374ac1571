"""Read a table from a file: CSV (optionally gzipped), Parquet or Excel.

The one place that turns a user's path into a DataFrame, with clear errors for a
missing, empty or unreadable file. Columns are read as they are, except that in a file of
a Shiftcast output folder the formula guard Shiftcast writes into text cells
(``'@twitter``) is removed again (:func:`core.output.unguard`), so names round-trip
exactly; a user's own file is read as it is (a queue may be called ``'=x``). Validating
the columns is ``core.schema``'s job.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from core.errors import InputError
from core.output import unguard_frame, written_by_shiftcast

__all__ = ["read_table", "TABLE_SUFFIXES"]

TABLE_SUFFIXES = (".csv", ".csv.gz", ".txt", ".parquet", ".pq", ".xlsx", ".xls")


def _suffix(path: Path) -> str:
    name = path.name.lower()
    return next((s for s in sorted(TABLE_SUFFIXES, key=len, reverse=True) if name.endswith(s)), path.suffix.lower())


def read_table(path: str | Path, *, sheet: str | int = 0) -> pd.DataFrame:
    """Read ``path`` by its suffix; ``sheet`` picks the Excel sheet."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"file {path} not found; check the path")
    suffix = _suffix(path)
    try:
        if suffix in (".csv", ".csv.gz", ".txt"):
            frame = pd.read_csv(path, sep=None, engine="python") if suffix == ".txt" else pd.read_csv(path)
        elif suffix in (".parquet", ".pq"):
            frame = pd.read_parquet(path)
        elif suffix in (".xlsx", ".xls"):
            frame = pd.read_excel(path, sheet_name=sheet)
        else:
            raise InputError(f"{path}: unknown file type '{suffix}'; use one of {', '.join(TABLE_SUFFIXES)}")
    except pd.errors.EmptyDataError:
        raise InputError(f"{path} is empty; give a file with a header row and data") from None
    except InputError:
        raise
    except (ValueError, OSError, pd.errors.ParserError) as error:
        raise InputError(f"{path} could not be read as {suffix}: {error}") from None
    if frame.empty:
        raise InputError(f"{path} has no data rows; give a file with a header row and data")
    return unguard_frame(frame) if written_by_shiftcast(path.resolve().parent) else frame
