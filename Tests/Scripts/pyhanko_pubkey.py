#!/usr/bin/env python3
"""pyHanko's side of esign's tests of protected PDFs: it makes certificate-encrypted documents
(and damaged ones, in the shapes of pyHanko's own test corpus), and says what pyHanko makes of a
document: whether it opens, and the verdict on each signature. The test compares esign's answers.

  pyhanko_pubkey.py make OUTDIR SOURCE.pdf RECIPIENT_CERT OTHER_CERT
      writes the variants and OUTDIR/manifest.json (name -> how it was made)
  pyhanko_pubkey.py judge FILE [--key K --cert C --key-password-file F] [--password PW]
        [--trust ROOT --other-certs CHAIN]
      prints {"opened": bool, "error": str, "signatures": [{"intact", "valid", "trusted",
      "coverage", "modifications"}]}
  pyhanko_pubkey.py sign IN OUT KEY CERT KEY_PASSWORD_FILE --decrypt-key K --decrypt-cert C
      pyHanko signs a certificate-encrypted document it opens with the recipient's key
"""
import json
import os
import sys
from io import BytesIO

from asn1crypto import cms
from pyhanko.keys import load_cert_from_pemder, load_certs_from_pemder
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.crypt import (
    PubKeySecurityHandler,
    SecurityHandlerVersion,
    SimpleEnvelopeKeyDecrypter,
    StandardSecurityHandler,
    StandardSecuritySettingsRevision,
    pubkey,
)
from pyhanko.pdf_utils.crypt.permissions import PubKeyPermissions
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import PdfFileWriter

IGNORE_KU = pubkey.RecipientEncryptionPolicy(ignore_key_usage=True)
OAEP = pubkey.RecipientEncryptionPolicy(ignore_key_usage=True, prefer_oaep=True)
NO_SIGNING = PubKeyPermissions.allow_everything() & ~(
    PubKeyPermissions.ALLOW_ANNOTS_FORM_FILLING
    | PubKeyPermissions.ALLOW_FORM_FILLING
    | PubKeyPermissions.ALLOW_ENCRYPTION_CHANGE
)


def copy_pages(source, w):
    r = PdfFileReader(BytesIO(source))
    w.root['/Pages'] = w.import_object(r.root.raw_get('/Pages'))


def write_with(source, handler, mutate=None):
    """The pages of `source` in a new file encrypted by `handler`; `mutate` edits the /Encrypt
    dictionary before it is written (the damaged shapes)."""
    w = PdfFileWriter()
    w._assign_security_handler(handler)
    if mutate is not None:
        encrypt = handler.as_pdf_object()
        mutate(encrypt)
        w._encrypt = w.add_object(encrypt)
    copy_pages(source, w)
    out = BytesIO()
    w.write(out)
    return out.getvalue()


def pubkey_handler(certs, version, keylen=16, use_aes=True, crypt_filters=True, **kwargs):
    kwargs.setdefault('policy', IGNORE_KU)
    return PubKeySecurityHandler.build_from_certs(
        certs, keylen_bytes=keylen, version=version, use_aes=use_aes,
        use_crypt_filters=crypt_filters, pdf_mac=False, **kwargs)


def replace_in_recipients(encrypt, edit):
    """Applies `edit` to each recipient ContentInfo of the default crypt filter."""
    cf = encrypt['/CF']['/DefaultCryptFilter']
    cf['/Recipients'] = generic.ArrayObject(
        generic.ByteStringObject(edit(cms.ContentInfo.load(r.original_bytes)).dump()) for r in cf['/Recipients'])


def unknown_envelope_cipher(info):
    # The seed's envelope claims a cipher PDF does not allow (Camellia-256-CBC).
    algorithm = info['content']['encrypted_content_info']['content_encryption_algorithm']
    info['content']['encrypted_content_info']['content_encryption_algorithm'] = cms.EncryptionAlgorithm(
        {'algorithm': '1.2.392.200011.61.1.1.1.4', 'parameters': algorithm['parameters']})
    return cms.ContentInfo.load(info.dump(force=True))


def signed_data_instead(info):
    return cms.ContentInfo({'content_type': 'data', 'content': b'not an envelope'})


def make(outdir, source_path, recipient_path, other_path):
    source = open(source_path, 'rb').read()
    recipient = load_cert_from_pemder(recipient_path)
    other = load_cert_from_pemder(other_path)
    V = SecurityHandlerVersion
    variants = {
        'pubkey-s5-aes256': lambda: write_with(source, pubkey_handler([recipient], V.AES256, 32)),
        'pubkey-s5-aes128': lambda: write_with(source, pubkey_handler([recipient], V.RC4_OR_AES128, 16)),
        'pubkey-s5-rc4-128': lambda: write_with(
            source, pubkey_handler([recipient], V.RC4_OR_AES128, 16, use_aes=False)),
        'pubkey-s4-rc4-128': lambda: write_with(
            source, pubkey_handler([recipient], V.RC4_LONGER_KEYS, 16, use_aes=False, crypt_filters=False)),
        'pubkey-s4-rc4-40': lambda: write_with(
            source, pubkey_handler([recipient], V.RC4_40, 5, use_aes=False, crypt_filters=False)),
        'pubkey-s5-aes256-no-metadata': lambda: write_with(
            source, pubkey_handler([recipient], V.AES256, 32, encrypt_metadata=False)),
        'pubkey-s5-aes256-oaep': lambda: write_with(
            source, pubkey_handler([recipient], V.AES256, 32, policy=OAEP)),
        'pubkey-s5-aes256-two-recipients': lambda: write_with(
            source, pubkey_handler([other, recipient], V.AES256, 32)),
        'pubkey-s5-aes256-no-signing': lambda: write_with(
            source, pubkey_handler([recipient], V.AES256, 32, perms=NO_SIGNING)),
        'pubkey-other-recipient': lambda: write_with(source, pubkey_handler([other], V.AES256, 32)),
        'pubkey-unknown-envelope-alg': lambda: write_with(
            source, pubkey_handler([recipient], V.AES256, 32),
            lambda e: replace_in_recipients(e, unknown_envelope_cipher)),
        'pubkey-wrong-content-type': lambda: write_with(
            source, pubkey_handler([recipient], V.AES256, 32),
            lambda e: replace_in_recipients(e, signed_data_instead)),
    }

    def standard(mutate=None):
        w = PdfFileWriter()
        handler = StandardSecurityHandler.build_from_pw("ownersecret", "usersecret", pdf_mac=False)
        return write_with(source, handler, mutate)

    def set_entry(key, value):
        return lambda e: e.__setitem__(key, value)

    variants.update({
        'aes256-malformed-p': lambda: standard(set_entry('/P', generic.TextStringObject('abc'))),
        'aes256-malformed-oe': lambda: standard(set_entry('/OE', generic.NumberObject(123))),
        'aes256-short-perms': lambda: standard(set_entry('/Perms', generic.ByteStringObject(b'\xde\xad\xbe\xef'))),
        'aes256-short-u': lambda: standard(set_entry('/U', generic.ByteStringObject(b'\xde\xad\xbe\xef'))),
        'aes256-bogus-perms': lambda: standard(
            set_entry('/Perms', generic.ByteStringObject(b'\xde\xad\xbe\xef' * 4))),
        'aes256-no-o': lambda: standard(lambda e: e.__delitem__('/O')),
        'aes256-key-length-333': lambda: standard(set_entry('/Length', generic.NumberObject(333))),
    })
    manifest = {}
    for name, build in variants.items():
        try:
            data = build()
        except Exception as e:  # pyHanko refused to write it: not a variant
            manifest[name] = {'made': False, 'error': f'{type(e).__name__}: {e}'}
            continue
        with open(os.path.join(outdir, name + '.pdf'), 'wb') as f:
            f.write(data)
        manifest[name] = {'made': True}
    with open(os.path.join(outdir, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=1)


def option(argv, name, default=None):
    return argv[argv.index(name) + 1] if name in argv else default


def decrypter(argv):
    key, cert = option(argv, '--key'), option(argv, '--cert')
    if not key:
        return None
    password_file = option(argv, '--key-password-file')
    passphrase = open(password_file, 'rb').read().strip() if password_file else None
    return SimpleEnvelopeKeyDecrypter.load(key, cert, key_passphrase=passphrase)


def open_reader(f, argv):
    r = PdfFileReader(f)
    if r.encrypted:
        if r.security_handler.__class__ is PubKeySecurityHandler:
            credential = decrypter(argv)
            if credential is None:
                raise ValueError('no recipient key')
            result = r.decrypt_pubkey(credential)
        else:
            result = r.decrypt(option(argv, '--password', ''))
        if result.status.name == 'FAILED':
            raise ValueError('authentication failed')
    return r


def judge(path, argv):
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    outcome = {'opened': False, 'error': '', 'signatures': []}
    try:
        with open(path, 'rb') as f:
            r = open_reader(f, argv)
            # Reading the page tree decrypts real objects, as any reader does.
            r.root['/Pages']['/Kids'][0].get_object()['/Contents']
            outcome['opened'] = True
            trust = option(argv, '--trust')
            for sig in r.embedded_signatures:
                context = ValidationContext(
                    trust_roots=[load_cert_from_pemder(trust)] if trust else [],
                    other_certs=list(load_certs_from_pemder([option(argv, '--other-certs')]))
                    if option(argv, '--other-certs') else [])
                status = validate_pdf_signature(sig, context)
                outcome['signatures'].append({
                    'intact': status.intact, 'valid': status.valid, 'trusted': status.trusted,
                    'coverage': status.coverage.name if status.coverage else None,
                    'modifications': status.modification_level.name if status.modification_level else None,
                })
    except Exception as e:
        outcome['error'] = f'{type(e).__name__}: {e}'
    print(json.dumps(outcome))


def sign(argv):
    from pyhanko.sign import fields, signers

    source, target, key, cert, key_password_file = argv[2:7]
    key_password = open(key_password_file, 'rb').read().strip()
    signer = signers.SimpleSigner.load(key, cert, key_passphrase=key_password)
    credential = SimpleEnvelopeKeyDecrypter.load(
        option(argv, '--decrypt-key'), option(argv, '--decrypt-cert'), key_passphrase=key_password)
    with open(source, 'rb') as f:
        w = IncrementalPdfFileWriter(f)
        w.encrypt_pubkey(credential)
        meta = signers.PdfSignatureMetadata(field_name='Signature1')
        fields.append_signature_field(w, fields.SigFieldSpec(sig_field_name='Signature1'))
        with open(target, 'wb') as out:
            signers.PdfSigner(meta, signer=signer).sign_pdf(w, output=out)


if __name__ == '__main__':
    command = sys.argv[1]
    if command == 'make':
        make(*sys.argv[2:6])
    elif command == 'judge':
        judge(sys.argv[2], sys.argv)
    elif command == 'sign':
        sign(sys.argv)
    else:
        sys.exit(__doc__)
