#!/usr/bin/env python3
"""pyHanko's verdict on every signature of every PDF named, one JSON object per line.

One process for many files (pyHanko's start-up costs more than a small validation), so tests can
hold a whole generated corpus against pyHanko. No trust roots: trust is not the question here,
integrity, coverage and the modification level are.

    python3 scripts/pyhanko-verdicts.py a.pdf b.pdf ...
    {"file": "a.pdf", "signatures": [{"field": "Sig1", "intact": true, "valid": true,
      "coverage": "ENTIRE_FILE", "modification": "NONE", "docmdp_ok": true, "allowed": true}]}
"""
import json
import logging
import sys

logging.disable(logging.CRITICAL)

from pyhanko.pdf_utils.reader import PdfFileReader  # noqa: E402
from pyhanko.sign.validation import validate_pdf_signature  # noqa: E402


def verdict(signature):
    entry = {"field": signature.field_name}
    try:
        status = validate_pdf_signature(signature)
    except Exception as error:  # pyHanko refuses: a verdict of its own
        entry["error"] = f"{type(error).__name__}: {error}"[:300]
        entry["allowed"] = False
        return entry
    level = status.modification_level.name if status.modification_level is not None else None
    entry.update(
        intact=bool(status.intact),
        valid=bool(status.valid),
        coverage=status.coverage.name if status.coverage is not None else None,
        modification=level,
        docmdp_ok=status.docmdp_ok,
    )
    entry["allowed"] = bool(status.intact and status.valid and status.docmdp_ok is not False and level != "OTHER")
    return entry


def main(paths):
    for path in paths:
        result = {"file": path}
        try:
            with open(path, "rb") as handle:
                reader = PdfFileReader(handle, strict=False)
                result["signatures"] = [verdict(s) for s in reader.embedded_signatures]
        except Exception as error:
            result["unreadable"] = f"{type(error).__name__}: {error}"[:300]
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
