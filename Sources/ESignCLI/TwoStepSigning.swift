import ArgumentParser
import ESign
import Foundation

/// `esign sign --prepare` and `--complete`: two-step signing with a key esign never sees (a USB
/// token behind a browser plugin, another machine). The state between the steps is a JSON file:
/// what was prepared (signing time, trailer /ID, digest), the signer's certificates, and the
/// document's SHA-256, so that the second step refuses another document at once.
struct TwoStepState: Codable {
    var format = "esign.two-step/1"
    var documentSHA256: String
    var signature: TwoStepSignature
    var chainPEM: String

    enum CodingKeys: String, CodingKey {
        case format
        case documentSHA256 = "document_sha256"
        case signature
        case chainPEM = "chain_pem"
    }
}

extension SignCommand {
    var statePath: String { prepared ?? files[0] + ".prepared.json" }

    func readInput(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw fail(.missingInput("cannot read \(path)"))
        }
        return [UInt8](data)
    }

    func runPrepare() throws {
        let input = files[0]
        let pdf = try readInput(input)
        var pem = String(decoding: try readInput(identity.cert!), as: UTF8.self)
        if let chain = identity.chain { pem += "\n" + String(decoding: try readInput(chain), as: UTF8.self) }
        let certificates: [Certificate]
        do { certificates = try Certificate.load(Array(pem.utf8)) } catch {
            throw fail(.identity("\(identity.cert!) holds no certificate esign can read"))
        }
        let state: TwoStepState
        let xml = try signsXML()
        do {
            let prepared =
                xml
                ? try TwoStepSignature.prepare(
                    xml: pdf, name: (input as NSString).lastPathComponent, packaging: xadesPackaging,
                    certificate: certificates[0], chain: Array(certificates.dropFirst()), digest: digest,
                    reason: reason, location: location, rsaPSS: rsaPSS)
                : try TwoStepSignature.prepare(
                    pdf: pdf, certificate: certificates[0], chain: Array(certificates.dropFirst()), digest: digest,
                    reason: reason, location: location, fieldName: field, rsaPSS: rsaPSS)
            state = TwoStepState(documentSHA256: FileDigest.sha256Hex(pdf), signature: prepared, chainPEM: pem)
        } catch { throw fail(error) }
        try emit(jsonText(state), to: statePath, force: force)
        let digestBytes = [UInt8](Data(base64Encoded: state.signature.digest) ?? Data())
        if json {
            print(
                jsonText(
                    [
                        "prepared": statePath, "digest": state.signature.digest,
                        "digest_algorithm": digest.rawValue,
                        "padding": state.signature.rsaPSS == true ? "pss" : "pkcs1-v1_5",
                    ], pretty: false))
        } else {
            print("Prepared \(input) for \(certificates[0].subject.commonName ?? "the signer") → \(statePath)")
            let scheme =
                state.signature.rsaPSS == true
                ? "RSASSA-PSS, MGF1 \(digest.rawValue.uppercased()), salt \(digest.outputLength) bytes"
                : "PKCS#1 v1.5 or ECDSA"
            print("Sign this \(digest.rawValue.uppercased()) digest with the signer's key (\(scheme)):")
            print("  base64 \(state.signature.digest)")
            print("  hex    \(digestBytes.map { String(format: "%02x", $0) }.joined())")
            print("then: esign sign \(input) --complete SIGNATURE --prepared \(statePath) -o OUTPUT")
        }
    }

    func runComplete(signature path: String) throws {
        let input = files[0]
        let pdf = try readInput(input)
        let state: TwoStepState
        do { state = try JSONDecoder().decode(TwoStepState.self, from: Data(try readInput(statePath))) } catch let exit
            as ExitCode
        {
            throw exit
        } catch {
            throw fail(.badInput("\(statePath) is not a two-step state file of esign"))
        }
        guard FileDigest.sha256Hex(pdf) == state.documentSHA256 else {
            throw fail(.badInput("\(input) is not the document prepared in \(statePath)"))
        }
        let certificates: [Certificate]
        do { certificates = try Certificate.load(Array(state.chainPEM.utf8)) } catch {
            throw fail(.badInput("\(statePath) holds no readable certificate"))
        }
        let signature = try readInput(path)
        let xml = state.signature.xadesPackaging
        let output = xml.map { XAdESOutput.path(self, for: input, packaging: $0) } ?? outputPath(for: input)
        do {
            let bytes: [UInt8]
            if xml != nil {
                bytes = try state.signature.complete(
                    xml: pdf, name: (input as NSString).lastPathComponent, certificate: certificates[0],
                    chain: Array(certificates.dropFirst()), signature: signature)
            } else {
                bytes = try state.signature.complete(
                    pdf: pdf, certificate: certificates[0], chain: Array(certificates.dropFirst()), signature: signature
                ).pdf
            }
            let file = try AtomicOutputFile(destination: output, overwrite: force)
            try file.write(bytes)
            try file.commit()
        } catch { throw fail(error) }
        if json {
            print(jsonText(["input": input, "output": output], pretty: false))
        } else {
            print("Signed \(input) → \(Terminal.bold(output)) (two-step, \(xml == nil ? "PAdES" : "XAdES") B-B)")
        }
    }
}
