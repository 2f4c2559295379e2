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
  xml-peers.py archive-imprint FILE PREFIX [--content FILE]
      For every xades141:ArchiveTimeStamp, the input ETSI EN 319 132-1 § 5.5.2 gives (each
      reference's data after its transforms, SignedInfo, SignatureValue, KeyInfo, the unsigned
      signature properties before it, the other ds:Objects), hashed with SHA-256; writes each token
      to PREFIX.N.der and prints JSON {"tokens": [{"file", "imprint"}]}.
"""
import base64
import hashlib
import json
import sys

from lxml import etree

DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
XADES141 = "http://uri.etsi.org/01903/v1.4.1#"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
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


def c14n(element, algorithm):
    exclusive, comments = C14N[algorithm]
    return etree.tostring(element, method="c14n", exclusive=exclusive, with_comments=comments)


def without(doc, signature):
    """A copy of the document without the signature element (its tail text kept)."""
    steps = []
    node = signature
    while node.getparent() is not None:
        steps.append(node.getparent().index(node))
        node = node.getparent()
    copy = etree.ElementTree(etree.fromstring(etree.tostring(doc)))
    target = copy.getroot()
    for step in reversed(steps):
        target = target[step]
    parent, tail = target.getparent(), target.tail or ""
    previous = target.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(target)
    return copy


def reference_data(doc, signature, reference, method, content):
    uri = reference.get("URI")
    transforms = [t.get("Algorithm") for t in reference.findall(f"{{{DS}}}Transforms/{{{DS}}}Transform")]
    if uri and not uri.startswith("#"):
        return content
    final = next((t for t in transforms if t in C14N), method)
    if uri == "":
        source = without(doc, signature) if ENVELOPED in transforms else doc
        return c14n(source.getroot(), final)
    element = doc.xpath("//*[@Id=$id or @ID=$id or @id=$id]", id=uri[1:])[0]
    return c14n(element, final)


def archive_imprint(path, prefix, args):
    doc = etree.parse(path)
    content = open(args[args.index("--content") + 1], "rb").read() if "--content" in args else None
    tokens = []
    for n, stamp in enumerate(doc.iter(f"{{{XADES141}}}ArchiveTimeStamp")):
        method = stamp.find(f"{{{DS}}}CanonicalizationMethod")
        method = method.get("Algorithm") if method is not None else "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
        signature = stamp
        while signature.tag != f"{{{DS}}}Signature":
            signature = signature.getparent()
        data = b""
        for reference in signature.findall(f"{{{DS}}}SignedInfo/{{{DS}}}Reference"):
            data += reference_data(doc, signature, reference, method, content)
        for name in ("SignedInfo", "SignatureValue", "KeyInfo"):
            element = signature.find(f"{{{DS}}}{name}")
            if element is not None:
                data += c14n(element, method)
        for prop in stamp.getparent():
            if prop is stamp:
                break
            if isinstance(prop.tag, str):
                data += c14n(prop, method)
        for obj in signature.findall(f"{{{DS}}}Object"):
            if obj.find(f"{{{XADES}}}QualifyingProperties") is None:
                data += c14n(obj, method)
        token = base64.b64decode("".join(stamp.find(f"{{{XADES}}}EncapsulatedTimeStamp").text.split()))
        name = f"{prefix}.{n}.der"
        open(name, "wb").write(token)
        tokens.append({"file": name, "imprint": hashlib.sha256(data).hexdigest()})
    print(json.dumps({"tokens": tokens}))


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
    elif command == "archive-imprint":
        archive_imprint(rest[0], rest[1], rest[2:])
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv)
