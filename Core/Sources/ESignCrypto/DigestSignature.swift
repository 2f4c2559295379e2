import COpenSSL

/// Signatures over a precomputed digest, the form a token or a remote signing service signs in:
/// the PKCS#1 DigestInfo esign builds for a raw RSA mechanism, the DER form of an ECDSA signature
/// a token returns as r‖s, and checking such a signature against a certificate.
public enum DigestSignature {
    /// The DER DigestInfo (RFC 8017 § 9.2) that PKCS#1 v1.5 pads and signs.
    public static func digestInfo(_ digest: [UInt8], algorithm: DigestAlgorithm) -> [UInt8] {
        DER.sequence(DER.algorithm(algorithm.oid, nullParameters: true), DER.octetString(digest))
    }

    /// An ECDSA signature given as r‖s (PKCS#11's CKM_ECDSA output, two halves of equal length) as
    /// the DER ECDSA-Sig-Value that CMS carries. Nil for an odd or empty input.
    public static func ecdsaDER(fromRaw raw: [UInt8]) -> [UInt8]? {
        guard !raw.isEmpty, raw.count % 2 == 0 else { return nil }
        func integer(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
            var magnitude = Array(bytes.drop { $0 == 0 })
            if magnitude.isEmpty { magnitude = [0] }
            if magnitude[0] & 0x80 != 0 { magnitude.insert(0, at: 0) }
            return DER.tlv(0x02, magnitude)
        }
        let half = raw.count / 2
        return DER.sequence(integer(raw[..<half]), integer(raw[half...]))
    }

    /// The DER ECDSA-Sig-Value as r‖s, each `fieldLength` bytes (the form XML signatures carry,
    /// RFC 4050). Nil when the DER is malformed or an integer does not fit.
    public static func ecdsaRaw(fromDER der: [UInt8], fieldLength: Int) -> [UInt8]? {
        let reader = DERReader(der)
        guard let sequence = reader.element(at: 0), sequence.tag == 0x30, sequence.range.upperBound == der.count
        else { return nil }
        let parts = reader.children(of: sequence)
        guard parts.count == 2, parts.allSatisfy({ $0.tag == 0x02 }) else { return nil }
        var raw: [UInt8] = []
        for part in parts {
            let magnitude = Array(reader[part.content].drop { $0 == 0 })
            guard magnitude.count <= fieldLength else { return nil }
            raw += [UInt8](repeating: 0, count: fieldLength - magnitude.count) + magnitude
        }
        return raw
    }
}

extension Certificate {
    /// Whether `signature` over `digest` verifies with this certificate's public key: PKCS#1 v1.5
    /// (or PSS with a salt as long as the digest when `pss`) for RSA, DER ECDSA for EC keys.
    public func verifies(signature: [UInt8], digest: [UInt8], algorithm: DigestAlgorithm, pss: Bool = false) -> Bool {
        guard let key = X509_get0_pubkey(pointer), let ctx = EVP_PKEY_CTX_new(key, nil) else { return false }
        defer {
            EVP_PKEY_CTX_free(ctx)
            ERR_clear_error()
        }
        guard EVP_PKEY_verify_init(ctx) == 1, EVP_PKEY_CTX_set_signature_md(ctx, algorithm.evp) == 1 else {
            return false
        }
        if EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA {
            let padding = pss ? RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING
            guard EVP_PKEY_CTX_set_rsa_padding(ctx, padding) == 1 else { return false }
            if pss {
                guard EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, Int32(algorithm.outputLength)) == 1 else { return false }
            }
        }
        return EVP_PKEY_verify(ctx, signature, signature.count, digest, digest.count) == 1
    }

    /// This certificate's issuers found among `candidates`, nearest first, up to a self-issued one
    /// (at most eight): the chain to embed, or to gather validation data for.
    public func issuers(among candidates: [Certificate]) -> [Certificate] {
        var chain: [Certificate] = []
        var current = self
        while !current.isSelfIssued, chain.count < 8,
            let issuer = candidates.first(where: {
                $0 != current && $0 != self && !chain.contains($0) && $0.issued(current)
            })
        {
            chain.append(issuer)
            current = issuer
        }
        return chain
    }

    /// Whether `subject`'s signature names this certificate as its issuer and verifies with its key.
    public func issued(_ subject: Certificate) -> Bool {
        defer { ERR_clear_error() }
        guard X509_check_issued(pointer, subject.pointer) == X509_V_OK, let key = X509_get0_pubkey(pointer) else {
            return false
        }
        return X509_verify(subject.pointer, key) == 1
    }
}

extension Certificate {
    /// The byte length of the EC key's field (32 for P-256, 48 for P-384, 66 for P-521), or nil
    /// for other keys: the length of each half of an r‖s signature.
    public var ecFieldLength: Int? {
        guard let key = X509_get0_pubkey(pointer), EVP_PKEY_get_base_id(key) == EVP_PKEY_EC else { return nil }
        return (Int(EVP_PKEY_get_bits(key)) + 7) / 8
    }

    /// Whether the certificate's key is RSA (else EC, for what esign signs with).
    public var hasRSAKey: Bool {
        guard let key = X509_get0_pubkey(pointer) else { return false }
        return EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA
    }
}

extension PrivateKey {
    /// Signs a precomputed digest (RSA PKCS#1 v1.5; RSA-PSS with MGF1 over the same digest when
    /// `pssSaltLength` is given; ECDSA, DER): what a token or a remote signing service is asked
    /// for, done with a key esign holds.
    public func signDigest(
        _ digest: [UInt8], algorithm: DigestAlgorithm, pssSaltLength: Int? = nil
    ) throws(OpenSSLError) -> [UInt8] {
        let pss = pssSaltLength != nil
        if pss, let bridge, isRSA {
            // OpenSSL would pad here and ask the key for a raw RSA operation it cannot do: the
            // external signer pads (a token's CKM_RSA_PKCS_PSS).
            guard pssSaltLength == algorithm.outputLength else {
                throw OpenSSLError(operation: "an external key signs RSASSA-PSS with a salt as long as the digest only")
            }
            do { return try bridge.signer.signPSS(digest: digest, message: nil, algorithm: algorithm) } catch {
                throw OpenSSLError(
                    operation: "the external signer", entries: [.init(library: 0, reason: 0, text: "\(error)")])
            }
        }
        let ctx = try check(EVP_PKEY_CTX_new(pointer, nil), "EVP_PKEY_CTX_new")
        defer { EVP_PKEY_CTX_free(ctx) }
        try check(EVP_PKEY_sign_init(ctx), "EVP_PKEY_sign_init")
        try check(EVP_PKEY_CTX_set_signature_md(ctx, algorithm.evp), "EVP_PKEY_CTX_set_signature_md")
        if EVP_PKEY_get_base_id(pointer) == EVP_PKEY_RSA {
            try check(
                EVP_PKEY_CTX_set_rsa_padding(ctx, pss ? RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING),
                "EVP_PKEY_CTX_set_rsa_padding")
            if pss {
                try check(
                    EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, Int32(pssSaltLength ?? algorithm.outputLength)),
                    "EVP_PKEY_CTX_set_rsa_pss_saltlen")
                try check(EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, algorithm.evp), "EVP_PKEY_CTX_set_rsa_mgf1_md")
            }
        } else if pss {
            throw OpenSSLError(operation: "PSS padding needs an RSA key")
        }
        var length = 0
        try check(EVP_PKEY_sign(ctx, nil, &length, digest, digest.count), "EVP_PKEY_sign")
        var signature = [UInt8](repeating: 0, count: length)
        try check(EVP_PKEY_sign(ctx, &signature, &length, digest, digest.count), "EVP_PKEY_sign")
        return Array(signature.prefix(length))
    }
}
