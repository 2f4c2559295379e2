#!/usr/bin/env python3
"""Signs an encrypted PDF with pyHanko, as a receiving agency's sender would: the document is
opened with its password (empty for owner-only protection) and signed by incremental update,
pyHanko encrypting the new objects with the document's key.

  pyhanko_sign_encrypted.py IN OUT KEY.pem CERT.pem KEY_PASSWORD_FILE [--password PDF_PASSWORD]
"""
import sys

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers, fields


def main(argv):
    source, target, key, cert, key_password_file = argv[1:6]
    password = argv[argv.index("--password") + 1] if "--password" in argv else ""
    key_password = open(key_password_file, "rb").read().strip()
    signer = signers.SimpleSigner.load(key, cert, key_passphrase=key_password)
    with open(source, "rb") as f:
        writer = IncrementalPdfFileWriter(f)
        writer.encrypt(password)
        meta = signers.PdfSignatureMetadata(field_name="Signature1")
        fields.append_signature_field(writer, fields.SigFieldSpec(sig_field_name="Signature1"))
        with open(target, "wb") as out:
            signers.PdfSigner(meta, signer=signer).sign_pdf(writer, output=out)


if __name__ == "__main__":
    main(sys.argv)
