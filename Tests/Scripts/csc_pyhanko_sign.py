#!/usr/bin/env python3
"""Signs a PDF through a CSC API service with pyHanko's CSC signer (pyhanko.sign.signers.csc_signer),
as a third-party client would: credentials/info for the certificates, credentials/authorize with the
PIN (the SAD bound to the hashes pyHanko is about to sign), signatures/signHash.
Usage: csc_pyhanko_sign.py SERVICE_URL TOKEN CREDENTIAL PIN IN.pdf OUT.pdf [--pss]"""
import asyncio
import logging
import sys

import aiohttp
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.signers import csc_signer


class PINAuthorization(csc_signer.CSCAuthorizationManager):
    """Asks credentials/authorize for a SAD bound to the hashes about to be signed, with the PIN."""

    def __init__(self, session_info, credential_info, session, pin):
        super().__init__(session_info, credential_info)
        self.session = session
        self.pin = pin

    async def authorize_signature(self, hash_b64s):
        request = self.format_csc_auth_request(pin=self.pin, hash_b64s=hash_b64s)
        async with self.session.post(
            self.csc_session_info.endpoint_url("credentials/authorize"), json=request,
            headers=self.csc_session_info.auth_headers, raise_for_status=True,
        ) as response:
            return self.parse_csc_auth_response(await response.json())


async def main():
    url, token, credential, pin, source, target = sys.argv[1:7]
    pss = "--pss" in sys.argv
    info = csc_signer.CSCServiceSessionInfo(url, credential, oauth_token=token)
    async with aiohttp.ClientSession() as session:
        credential_info = await csc_signer.fetch_certs_in_csc_credential(session, info)
        auth = PINAuthorization(info, credential_info, session, pin)
        signer = csc_signer.CSCSigner(session, auth_manager=auth, prefer_pss=pss)
        with open(source, "rb") as inf:
            writer = IncrementalPdfFileWriter(inf)
            meta = signers.PdfSignatureMetadata(field_name="CSC", subfilter=fields.SigSeedSubFilter.PADES)
            with open(target, "wb") as outf:
                await signers.async_sign_pdf(writer, meta, signer=signer, output=outf)


if __name__ == "__main__":
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(main())
