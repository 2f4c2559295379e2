#!/usr/bin/env bash
# Puts the demo identities into SoftHSM2 tokens, so that token signing can be tried (and tested)
# on any machine without hardware. Needs softhsm2, opensc (pkcs11-tool) and openssl.
#
#   scripts/softhsm-demo.sh PKI_DIR OUT_DIR
#
# PKI_DIR is what `esign pki demo --dir PKI_DIR` wrote. OUT_DIR gets softhsm2.conf, the tokens and
# pin.txt (the user PIN of every demo token, mode 0600). Export SOFTHSM2_CONF=OUT_DIR/softhsm2.conf
# before running esign. Tokens made:
#   "Chu tich UBND tinh"  province-official (RSA-2048 from the demo PKI), official-rsa3072 (RSA-3072)
#                         and official-p256 (ECDSA P-256 generated on the token: it never was in a file)
#   "UBND tinh Binh Phuoc" province-seal (RSA-2048) and tsa (the TSA's ECDSA P-256 key)
# Each token also holds the demo root and issuing CA certificates, for building chains.
# The last line printed is the module path.
set -euo pipefail
pki=${1:?usage: softhsm-demo.sh PKI_DIR OUT_DIR}
out=${2:?usage: softhsm-demo.sh PKI_DIR OUT_DIR}
module=${ESIGN_SOFTHSM_MODULE:-}
for candidate in /usr/lib/softhsm/libsofthsm2.so /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so \
    /usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so; do
    [ -n "$module" ] || { [ -f "$candidate" ] && module=$candidate; }
done
[ -n "$module" ] || { echo "softhsm-demo: libsofthsm2.so not found (apt-get install softhsm2)" >&2; exit 69; }
command -v pkcs11-tool >/dev/null || { echo "softhsm-demo: pkcs11-tool not found (apt-get install opensc)" >&2; exit 69; }
[ -f "$pki/password.txt" ] || { echo "softhsm-demo: $pki is not a demo PKI (run esign pki demo)" >&2; exit 66; }

mkdir -p "$out/tokens"
out=$(cd "$out" && pwd)
export SOFTHSM2_CONF="$out/softhsm2.conf"
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$out" >"$SOFTHSM2_CONF"
umask 077
[ -f "$out/pin.txt" ] || printf '%s\n' "$(od -An -N4 -tu4 /dev/urandom | tr -d ' ' | cut -c1-6 | sed 's/^/9/')" >"$out/pin.txt"
pin=$(head -n1 "$out/pin.txt")
so_pin=$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
password="$pki/password.txt"

tool() { pkcs11-tool --module "$module" "$@" >/dev/null; }
init_token() { softhsm2-util --init-token --free --label "$1" --so-pin "$so_pin" --pin "$pin" >/dev/null; }

# import_identity TOKEN LABEL ID KEY_PEM CERT_PEM
import_identity() {
    openssl pkey -in "$4" -passin "file:$password" -outform DER -out "$work/key.der"
    openssl x509 -in "$5" -outform DER -out "$work/cert.der"
    tool --token-label "$1" --login --pin "$pin" --write-object "$work/key.der" --type privkey \
        --label "$2" --id "$3" --usage-sign --usage-decrypt
    tool --token-label "$1" --login --pin "$pin" --write-object "$work/cert.der" --type cert --label "$2" --id "$3"
    rm -f "$work/key.der"
}
import_cas() {
    for ca in root issuing-ca; do
        openssl x509 -in "$pki/$ca.pem" -outform DER -out "$work/$ca.der"
        tool --token-label "$1" --login --pin "$pin" --write-object "$work/$ca.der" --type cert --label "$ca" \
            --id "$(printf '%s' "$ca" | od -An -tx1 | tr -d ' \n')"
    done
}
# certify TOKEN LABEL ID SUBJECT: a certificate from the demo issuing CA for the key LABEL on the token.
certify() {
    tool --token-label "$1" --read-object --type pubkey --label "$2" --output-file "$work/pub.der"
    openssl pkey -pubin -inform DER -in "$work/pub.der" -out "$work/pub.pem"
    cat >"$work/ext.cnf" <<CNF
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
    openssl x509 -new -subj "$4" -force_pubkey "$work/pub.pem" -CA "$pki/issuing-ca.pem" \
        -CAkey "$pki/issuing-ca.key.pem" -passin "file:$password" -days 730 -sha256 \
        -extfile "$work/ext.cnf" -outform DER -out "$work/cert.der" 2>/dev/null
    tool --token-label "$1" --login --pin "$pin" --write-object "$work/cert.der" --type cert --label "$2" --id "$3"
}

official="Chu tich UBND tinh"
seal="UBND tinh Binh Phuoc"
rm -rf "$out/tokens"/*
init_token "$official"
init_token "$seal"

import_identity "$official" province-official 01 "$pki/province-official.key.pem" "$pki/province-official.pem"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out "$work/rsa3072.pem" 2>/dev/null
openssl pkey -in "$work/rsa3072.pem" -outform DER -out "$work/key.der"
tool --token-label "$official" --login --pin "$pin" --write-object "$work/key.der" --type privkey \
    --label official-rsa3072 --id 02 --usage-sign
openssl pkey -in "$work/rsa3072.pem" -pubout -outform DER -out "$work/pub3072.der"
tool --token-label "$official" --login --pin "$pin" --write-object "$work/pub3072.der" --type pubkey \
    --label official-rsa3072 --id 02
rm -f "$work/rsa3072.pem" "$work/key.der"
certify "$official" official-rsa3072 02 "/C=VN/ST=Binh Phuoc/O=UBND tinh Binh Phuoc/CN=Pho Chu tich (RSA-3072)"
tool --token-label "$official" --login --pin "$pin" --keypairgen --key-type EC:prime256v1 \
    --label official-p256 --id 03 --usage-sign
certify "$official" official-p256 03 "/C=VN/ST=Binh Phuoc/O=UBND tinh Binh Phuoc/CN=Chu tich UBND tinh (P-256)"
import_cas "$official"

import_identity "$seal" province-seal 01 "$pki/province-seal.key.pem" "$pki/province-seal.pem"
import_identity "$seal" tsa 02 "$pki/tsa.key.pem" "$pki/tsa.pem"
import_cas "$seal"

echo "SoftHSM2 tokens \"$official\" and \"$seal\" in $out/tokens (PIN in $out/pin.txt)"
echo "export SOFTHSM2_CONF=$SOFTHSM2_CONF"
echo "$module"
