"""Schemathesis hooks for esign serve: documents go as application/pdf bodies (bytes as
generated, sometimes a real PDF), which schemathesis has no serializer for by itself."""
import os

import schemathesis

SAMPLE = os.environ.get("ESIGN_SAMPLE_PDF")
PDF = open(SAMPLE, "rb").read() if SAMPLE else b"%PDF-1.7\n"


@schemathesis.serializer("application/pdf")
def pdf(ctx, value):
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, str):
        # Generated text: half the time behind a real PDF's bytes, so that signing gets past the parser.
        return PDF if len(value) % 2 == 0 else value.encode("utf-8", "surrogatepass")
    return PDF
