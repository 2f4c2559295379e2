import ESignCore
import ESignCrypto
import ESignPDF
import Foundation

/// Adds validation material to a PDF's document security store (the catalog's `/DSS`, ETSI EN
/// 319 142-1 § 5.4.2) by incremental update: `/Certs`, `/OCSPs` and `/CRLs` arrays of streams,
/// what the document held before kept, nothing stored twice, and a `/VRI` entry per signature
/// (keyed by the upper-case hex SHA-1 of its `/Contents`) naming the material that signature needs.
/// A DSS change is an allowed change to every earlier signature.
enum DocumentSecurityStore {
    /// The update's bytes to append to `document`'s, or nil when the store already holds all of it.
    /// `materialRequired`: return nil when the update would only add `/VRI` entries (the final
    /// update after a document timestamp whose material the store already holds).
    static func update(
        _ document: PDFDocument, adding material: ValidationMaterial, for signatures: [EmbeddedSignature],
        materialRequired: Bool = false, encryptor: (any PDFEncryptor)? = nil
    ) throws -> [UInt8]? {
        guard let rootReference = document.trailer["Root"]?.reference else {
            throw PDFError.malformed("the trailer has no /Root")
        }
        var catalog = try document.catalog()
        let old = try document.dictionary(catalog["DSS"]) ?? PDFDictionary()
        var update = try IncrementalUpdate(document: document)

        /// The existing array under `key` and the bytes of each stream it holds, then the new ones.
        func merged(
            _ key: String, _ items: [[UInt8]]
        ) throws -> (entries: [PDFObject], refs: [DERKey: PDFObject], added: Bool) {
            var entries = try document.resolve(old[key]).array ?? []
            var byBytes: [DERKey: PDFObject] = [:]
            for entry in entries {
                guard case .stream(let stream) = try document.resolve(entry) else { continue }
                byBytes[DERKey(try document.streamData(stream))] = entry
            }
            var added = false
            for item in items where byBytes[DERKey(item)] == nil {
                let reference = update.allocate()
                update.set(reference, .stream(PDFStream(dictionary: PDFDictionary(), data: .bytes(item))))
                entries.append(.reference(reference))
                byBytes[DERKey(item)] = .reference(reference)
                added = true
            }
            return (entries, byBytes, added)
        }
        let certs = try merged("Certs", material.certificates.map(\.der))
        let ocsps = try merged("OCSPs", material.ocspResponses)
        let crls = try merged("CRLs", material.crls)

        var vri = try document.dictionary(old["VRI"]) ?? PDFDictionary()
        var vriAdded = false
        for signature in signatures {
            guard let contents = signature.contents else { continue }
            let sha1 = try Digest(oid: "1.3.14.3.2.26")
            sha1.update(contents)
            let key = String(decoding: Hex.encode(try sha1.finalize()), as: UTF8.self)
            guard vri[key] == nil else { continue }
            var entry = PDFDictionary()
            entry["Cert"] = .array(material.certificates.compactMap { certs.refs[DERKey($0.der)] })
            if !material.ocspResponses.isEmpty {
                entry["OCSP"] = .array(material.ocspResponses.compactMap { ocsps.refs[DERKey($0)] })
            }
            if !material.crls.isEmpty { entry["CRL"] = .array(material.crls.compactMap { crls.refs[DERKey($0)] }) }
            vri[key] = .dictionary(entry)
            vriAdded = true
        }
        let materialAdded = certs.added || ocsps.added || crls.added
        guard materialAdded || (vriAdded && !materialRequired) else { return nil }

        var dss = old
        dss["Type"] = .name(PDFName("DSS"))
        dss["Certs"] = .array(certs.entries)
        if !ocsps.entries.isEmpty { dss["OCSPs"] = .array(ocsps.entries) }
        if !crls.entries.isEmpty { dss["CRLs"] = .array(crls.entries) }
        dss["VRI"] = .dictionary(vri)
        let dssReference = catalog["DSS"]?.reference ?? update.allocate()
        update.set(dssReference, .dictionary(dss))
        if catalog["DSS"]?.reference != dssReference {
            catalog["DSS"] = .reference(dssReference)
            update.set(rootReference, .dictionary(catalog))
        }
        // In an encrypted document the store's streams are encrypted with its key, as any stream.
        if let encryptor { try update.encryptObjects(with: encryptor) }
        return update.serialize().bytes
    }
}

/// DER bytes as a dictionary key, hashed by length and a few bytes at each end (certificates and
/// responses differ there: serial numbers, signatures) rather than byte by byte; equality still
/// compares every byte.
struct DERKey: Hashable {
    let bytes: [UInt8]
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func hash(into hasher: inout Hasher) {
        hasher.combine(bytes.count)
        bytes.prefix(48).withUnsafeBytes { hasher.combine(bytes: $0) }
        bytes.suffix(48).withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    static func == (a: DERKey, b: DERKey) -> Bool { a.bytes == b.bytes }
}
