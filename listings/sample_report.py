"""One sample's scan report: the profile and the personal information found, as plain JSON.

This is the contract of the merchants' pre-check (``POST /api/samples/scan/``) and of
``manage.py scan_sample PATH --json``, which outside tools read: ``rows``, ``columns`` (each with
``name``, ``type``, ``null_rate`` and the rest of the column profile) and ``personal_information``
(each ``{"kind", "column", "count"}``), plus ``format`` and ``duplicate_rows``.
"""

from listings.pii import scan_sample
from listings.samples import profile_sample, read_sample


def scan_report(data: bytes, *, filename: str) -> dict:
    """Read, profile and scan a sample file; nothing is stored.

    Raises:
        the ``listings.samples.SampleRefused`` errors: ``sample_empty``, ``sample_encoding``,
        ``sample_format``, ``sample_too_large``.
    """
    sample = read_sample(data, filename=filename)
    profile = profile_sample(sample)
    return {
        "format": profile["format"],
        "rows": profile["rows"],
        "duplicate_rows": profile["duplicate_rows"],
        "columns": profile["columns"],
        "personal_information": [
            {"kind": finding.kind, "column": finding.column, "count": finding.count}
            for finding in scan_sample(sample)
        ],
    }
