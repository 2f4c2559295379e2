import ESignCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A document number given out by the register: once given, never given again, whatever happens
/// to the issuance after. It is `reserved` while the document is being signed, then `issued` (the
/// ledger holds the document) or `void` with the reason (signing failed, the issuer was killed):
/// the outgoing-document register shows void numbers as such instead of reusing them or leaving
/// a silent gap.
///
/// Numbers run per unit, series and year (Decree 30/2020, art. 15: from 01 on 1 January). The
/// series is empty for the unit's one sequence of administrative documents, or a name for a
/// separate numbering system (e.g. `QPPL` for legal normative documents).
public struct NumberReservation: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable { case reserved, issued, void }

    public var unitCode: String
    public var series: String
    public var year: Int
    public var number: Int
    /// Number and symbol as printed: `01/QĐ-UBND`.
    public var reference: String
    public var status: Status
    public var reservedAt: String
    /// Who reserved it: `host:pid:start` of the issuing process (see `IssuingProcess`).
    public var issuer: String
    public var details: RegisterDetails
    /// SHA-256 of the issued file, once issued.
    public var documentID: String?
    /// Why the number is void.
    public var reason: String?
    public var closedAt: String?

    enum CodingKeys: String, CodingKey {
        case unitCode = "unit_code"
        case series, year, number, reference, status
        case reservedAt = "reserved_at"
        case issuer, details
        case documentID = "document_id"
        case reason
        case closedAt = "closed_at"
    }

    /// What a caller asks for.
    public struct Request: Sendable {
        public var unitCode: String
        public var series: String
        public var year: Int
        /// A number chosen by hand; nil for the next one.
        public var explicit: Int?
        public var symbol: String
        public var details: RegisterDetails
        public var issuer: String
        public var at: String

        public init(
            unitCode: String, series: String = "", year: Int, explicit: Int? = nil, symbol: String,
            details: RegisterDetails, issuer: String = IssuingProcess.current.identity, at: String
        ) {
            self.unitCode = unitCode
            self.series = series
            self.year = year
            self.explicit = explicit
            self.symbol = symbol
            self.details = details
            self.issuer = issuer
            self.at = at
        }

        /// `01/QĐ-UBND`: numbers below 10 with a leading zero, as the decree numbers from 01.
        public func reference(_ number: Int) -> String {
            (number < 10 ? "0\(number)" : String(number)) + "/" + symbol
        }
    }
}

/// What the outgoing-document register (sổ đăng ký văn bản đi, Decree 30/2020 Appendix IV) shows
/// of an issued document besides its number and date.
public struct RegisterDetails: Sendable, Codable, Equatable {
    /// The document type (Quyết định, Công văn…) or its abbreviation.
    public var type: String?
    /// The summary of its content (trích yếu).
    public var subject: String?
    public var signer: String?
    /// Where it is sent (nơi nhận).
    public var recipients: String?
    public var copies: Int?
    public var issuedOn: CivilDate?

    enum CodingKeys: String, CodingKey {
        case type, subject, signer, recipients, copies
        case issuedOn = "issued_on"
    }

    public init(
        type: String? = nil, subject: String? = nil, signer: String? = nil, recipients: String? = nil,
        copies: Int? = nil, issuedOn: CivilDate? = nil
    ) {
        self.type = type
        self.subject = subject
        self.signer = signer
        self.recipients = recipients
        self.copies = copies
        self.issuedOn = issuedOn
    }
}

/// The process that reserves a number, named so that another process can tell later whether it
/// still runs: host name, process id, and the process's start time (so a reused pid is not taken
/// for the same process).
public struct IssuingProcess: Sendable, Equatable {
    public var host: String
    public var pid: Int32
    public var start: String

    public static let current = IssuingProcess(
        host: ProcessInfo.processInfo.hostName, pid: getpid(), start: startTime(of: getpid()) ?? "")

    public var identity: String { "\(host):\(pid):\(start)" }

    public init(host: String, pid: Int32, start: String) {
        self.host = host
        self.pid = pid
        self.start = start
    }

    /// Parses `host:pid:start` (host names hold no colon; the start is digits).
    public init?(identity: String) {
        let parts = identity.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 3, let pid = Int32(parts[parts.count - 2]) else { return nil }
        host = parts[..<(parts.count - 2)].joined(separator: ":")
        self.pid = pid
        start = String(parts[parts.count - 1])
    }

    /// Whether this process has certainly ended: it ran on this host and no process with its id
    /// and start time runs now. A process on another host is never taken for ended (its
    /// reservations are voided only when they are older than the lease).
    public var hasEnded: Bool {
        guard host == Self.current.host else { return false }
        if pid == Self.current.pid && start == Self.current.start { return false }
        guard let now = Self.startTime(of: pid) else { return true }
        return now != start
    }

    /// Field 22 of /proc/PID/stat: the start time in clock ticks after boot.
    static func startTime(of pid: Int32) -> String? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command name: state is field 3, so start time (22) is the 20th from here.
        return fields.count > 19 ? String(fields[19]) : nil
    }
}
