#!/usr/bin/env python3
"""Recomputes, with asn1crypto and hashlib and nothing of esign, what each archive-time-stamp-v3
of a detached CAdES signature must cover (ETSI EN 319 122-1 5.5.2 and 5.5.3), and writes each
archive token to a file so that `openssl ts -verify -digest` can check the TSA signed exactly that.

usage: cades_archive_imprint.py SIGNATURE.p7s CONTENT OUT_PREFIX
prints one JSON object: {"tokens": [{"file", "imprint", "index_in_signature", "index_matches"}]}
"""
import hashlib
import json
import sys

from asn1crypto import cms, core, tsp

ARCHIVE_TIMESTAMP_V3 = "0.4.0.1733.2.4"
ATS_HASH_INDEX_V3 = "0.4.0.19122.1.5"


def main() -> None:
    signature_path, content_path, prefix = sys.argv[1:4]
    info = cms.ContentInfo.load(open(signature_path, "rb").read())
    signed_data = info["content"]
    signer = signed_data["signer_infos"][0]
    content = open(content_path, "rb").read()
    attributes = list(signer["unsigned_attrs"])
    results = []
    for position, attribute in enumerate(attributes):
        if attribute["type"].dotted != ARCHIVE_TIMESTAMP_V3:
            continue
        for value in attribute["values"]:
            token = cms.ContentInfo.load(value.dump())
            token_data = token["content"]
            tst_info = tsp.TSTInfo.load(token_data["encap_content_info"]["content"].parsed.dump())
            algorithm = tst_info["message_imprint"]["hash_algorithm"]["algorithm"].native

            def digest(data: bytes) -> bytes:
                return hashlib.new(algorithm, data).digest()

            token_signer = token_data["signer_infos"][0]
            index_values = [
                a["values"][0] for a in token_signer["unsigned_attrs"] if a["type"].dotted == ATS_HASH_INDEX_V3
            ]
            index = core.Sequence.load(index_values[0].dump())
            lists = [index[i] for i in range(len(index))][-3:]
            entries = [[bytes(item.contents) for item in core.SequenceOf.load(part.dump())] for part in lists]

            # What the index must name: every certificate, every revocation value, and every value of
            # every unsigned attribute placed before this archive timestamp.
            certificates = [digest(c.dump()) for c in signed_data["certificates"] or []]
            crls = [digest(c.dump()) for c in signed_data["crls"] or []]
            earlier = []
            for before in attributes[:position]:
                for item in before["values"]:
                    earlier.append(digest(before["type"].dump() + item.dump()))
            in_signature = (
                all(h in certificates for h in entries[0])
                and all(h in crls for h in entries[1])
                and all(h in earlier for h in entries[2])
            )
            matches = sorted(entries[2]) == sorted(earlier) and len(entries[0]) > 0

            data = signed_data["encap_content_info"]["content_type"].dump() + digest(content)
            for field in ("version", "sid", "digest_algorithm", "signed_attrs", "signature_algorithm", "signature"):
                data += signer[field].dump()
            data += index_values[0].dump()
            path = f"{prefix}-{len(results) + 1}.tst"
            with open(path, "wb") as out:
                out.write(value.dump())
            results.append(
                {
                    "file": path,
                    "imprint": digest(data).hex(),
                    "index_in_signature": in_signature,
                    "index_matches": matches,
                }
            )
    print(json.dumps({"tokens": results}))


if __name__ == "__main__":
    main()
