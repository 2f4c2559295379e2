#!/usr/bin/env python3
"""Certify a PDF with pyHanko at a chosen DocMDP level (the CLI offers no level), for tests.

    python3 scripts/pyhanko-certify.py IN.pdf OUT.pdf KEY.p12 PASSWORD-FILE LEVEL   (LEVEL: 1, 2 or 3)
"""
import sys

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import MDPPerm


def main(source, target, pkcs12, password_file, level):
    with open(password_file, "rb") as handle:
        password = handle.read().strip()
    signer = signers.SimpleSigner.load_pkcs12(pkcs12, passphrase=password)
    metadata = signers.PdfSignatureMetadata(
        field_name="Certification", certify=True, docmdp_permissions=MDPPerm(int(level))
    )
    with open(source, "rb") as handle:
        writer = IncrementalPdfFileWriter(handle, strict=False)
        with open(target, "wb") as output:
            signers.sign_pdf(writer, metadata, signer=signer, output=output)


if __name__ == "__main__":
    main(*sys.argv[1:6])
