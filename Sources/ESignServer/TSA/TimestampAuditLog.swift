import ESignCore
import ESignCrypto
import Foundation

/// The audit record of every reply the TSA issues: one JSON line per request (serial, time,
/// imprint, algorithm, policy, or the reason for a rejection), appended with O_APPEND so
/// concurrent writers never interleave a line.
final class TimestampAuditLog: @unchecked Sendable {
    private let descriptor: Int32?

    init(path: String?) throws {
        guard let path else {
            descriptor = nil
            return
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path]) }
        descriptor = fd
    }

    deinit {
        if let descriptor {
            fsync(descriptor)
            close(descriptor)
        }
    }

    func record(_ issued: TimestampResponder.Issued) {
        guard let descriptor else { return }
        var fields: [String] = []
        if let serial = issued.serialNumber { fields.append("\"serial\":\(serial)") }
        if let time = issued.time {
            fields.append(
                "\"time\":\"\(CivilTime.iso8601(secondsSince1970: Int(time.timeIntervalSince1970), offsetSeconds: 0))\""
            )
        }
        if let imprint = issued.imprint {
            fields.append("\"imprint\":\"\(String(decoding: Hex.encode(imprint, uppercase: false), as: UTF8.self))\"")
        }
        if let algorithm = issued.imprintAlgorithm { fields.append("\"algorithm\":\"\(algorithm)\"") }
        if let policy = issued.policyOID { fields.append("\"policy\":\"\(policy)\"") }
        fields.append("\"status\":\"\(issued.granted ? "granted" : "rejection")\"")
        if let failure = issued.failure {
            fields.append("\"reason\":\"\(failure.replacingOccurrences(of: "\"", with: "'"))\"")
        }

        let line = Array(("{" + fields.joined(separator: ",") + "}\n").utf8)
        _ = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    }

    func sync() { if let descriptor { fsync(descriptor) } }
}
