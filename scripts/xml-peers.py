#!/usr/bin/env python3
"""XML signature peers for esign's tests and benchmark: signxml (XAdES and XMLDSig), PyPI xmlsec
(a newer libxmlsec1 than Debian's, with RSASSA-PSS), and lxml's C14N with hashlib for checking a
signature timestamp's imprint. Shares no code with esign.

  xml-peers.py signxml-verify FILE ROOT.pem [--content FILE] [--plain]
      XAdESVerifier (or XMLVerifier with --plain); prints "ok <references>" or raises.
  xml-peers.py xmlsec-verify FILE CERT.pem [--content FILE]
      PyPI xmlsec with the signer's certificate as the key; prints "ok".
  xml-peers.py signxml-sign IN OUT KEY.pem CERT.pem [--plain] [--pss] [--chain CHAIN.pem] [--password-file F]
      An enveloped XAdES (or, --plain, XMLDSig) signature made by signxml.
  xml-peers.py imprint FILE TOKEN.der
      Writes the first SignatureTimeStamp's token to TOKEN.der and prints the SHA-256 (hex) of the
      ds:SignatureValue canonicalised as the timestamp says (lxml), and the token's digest method.
"""
import base64
import hashlib
import sys

from lxml import etree

DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
C14N = {
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315": (False, False),
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments": (False, True),
    "http://www.w3.org/2001/10/xml-exc-c14n#": (True, False),
    "http://www.w3.org/2001/10/xml-exc-c14n#WithComments": (True, True),
}


def content_resolver(args):
    if "--content" not in args:
        return None
    data = open(args[args.index("--content") + 1], "rb").read()
    return lambda uri: data


def signxml_verify(path, root, args):
    from signxml import XMLVerifier
    from signxml.xades import XAdESVerifier

    data = open(path, "rb").read()
    verifier = XMLVerifier() if "--plain" in args else XAdESVerifier()
    # signxml checks the count of references it expects: here, those the signature declares.
    declared = etree.fromstring(data).findall(f".//{{{DS}}}SignedInfo/{{{DS}}}Reference")
    kwargs = {"ca_pem_file": root, "expect_references": len(declared)}
    resolver = content_resolver(args)
    if resolver:
        kwargs["uri_resolver"] = resolver
    results = verifier.verify(data, **kwargs)
    count = len(results) if isinstance(results, list) else 1
    print("ok", count)


def xmlsec_verify(path, cert, args):
    import xmlsec

    doc = etree.parse(path)
    node = xmlsec.tree.find_node(doc, xmlsec.constants.NodeSignature)
    xmlsec.tree.add_ids(doc.getroot(), ["Id"])
    for element in doc.getroot().iter():
        if isinstance(element.tag, str) and element.get("Id"):
            xmlsec.tree.add_ids(element, ["Id"])
    ctx = xmlsec.SignatureContext()
    ctx.key = xmlsec.Key.from_file(cert, xmlsec.constants.KeyDataFormatCertPem)
    if "--content" in args:
        raise SystemExit("xmlsec-verify: detached content is not supported by this helper")
    ctx.verify(node)
    print("ok")


def signxml_sign(source, target, key, cert, args):
    from signxml import SignatureMethod, XMLSigner
    from signxml.xades import XAdESSigner

    chain = [open(cert).read()]
    if "--chain" in args:
        text = open(args[args.index("--chain") + 1]).read()
        chain += ["-----BEGIN CERTIFICATE-----" + part for part in text.split("-----BEGIN CERTIFICATE-----")[1:]]
    method = SignatureMethod.SHA256_RSA_MGF1 if "--pss" in args else SignatureMethod.RSA_SHA256
    root = etree.parse(source).getroot()
    if "--plain" in args:
        signer = XMLSigner(signature_algorithm=method)
    else:
        signer = XAdESSigner(signature_algorithm=method)
    password = None
    if "--password-file" in args:
        password = open(args[args.index("--password-file") + 1], "rb").read().strip()
    signed = signer.sign(root, key=open(key, "rb").read(), passphrase=password, cert=chain)
    open(target, "wb").write(etree.tostring(signed, xml_declaration=True, encoding="UTF-8"))


def imprint(path, token_path):
    doc = etree.parse(path)
    stamp = doc.find(f".//{{{XADES}}}SignatureTimeStamp")
    token = base64.b64decode("".join(stamp.find(f"{{{XADES}}}EncapsulatedTimeStamp").text.split()))
    open(token_path, "wb").write(token)
    method = stamp.find(f"{{{DS}}}CanonicalizationMethod")
    exclusive, comments = C14N[method.get("Algorithm") if method is not None else
                               "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"]
    signature = stamp
    while signature.tag != f"{{{DS}}}Signature":
        signature = signature.getparent()
    value = signature.find(f"{{{DS}}}SignatureValue")
    canonical = etree.tostring(value, method="c14n", exclusive=exclusive, with_comments=comments)
    print(hashlib.sha256(canonical).hexdigest())


def main(argv):
    command, rest = argv[1], argv[2:]
    if command == "signxml-verify":
        signxml_verify(rest[0], rest[1], rest[2:])
    elif command == "xmlsec-verify":
        xmlsec_verify(rest[0], rest[1], rest[2:])
    elif command == "signxml-sign":
        signxml_sign(rest[0], rest[1], rest[2], rest[3], rest[4:])
    elif command == "imprint":
        imprint(rest[0], rest[1])
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv)
