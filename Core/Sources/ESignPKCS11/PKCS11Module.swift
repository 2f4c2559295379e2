import CPKCS11
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A PKCS#11 module (a token or HSM vendor's shared library), loaded with dlopen and initialised
/// once per process with OS locking, as the specification asks of multi-threaded applications.
/// Modules stay loaded until the process ends: finalising one while another part of the process
/// still holds sessions would close them.
public final class PKCS11Module: @unchecked Sendable {
    public let path: String
    /// The module's function table; it lives as long as the library stays loaded.
    let functions: UnsafeMutablePointer<CK_FUNCTION_LIST>
    /// Library description and manufacturer, as the module reports them.
    public let description: String
    public let manufacturer: String

    private static let lock = NSLock()
    nonisolated(unsafe) private static var loaded: [String: PKCS11Module] = [:]

    private init(path: String, functions: UnsafeMutablePointer<CK_FUNCTION_LIST>, info: CK_INFO) {
        self.path = path
        self.functions = functions
        description = PKCS11Text.padded(info.libraryDescription)
        manufacturer = PKCS11Text.padded(info.manufacturerID)
    }

    /// Where esign looks when a URI names no module: `ESIGN_PKCS11_MODULE`, then p11-kit's proxy,
    /// which reaches every module the system has registered.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let path = environment["ESIGN_PKCS11_MODULE"], !path.isEmpty { return path }
        let candidates = [
            "/usr/lib/x86_64-linux-gnu/p11-kit-proxy.so", "/usr/lib/aarch64-linux-gnu/p11-kit-proxy.so",
            "/usr/lib64/p11-kit-proxy.so", "/usr/lib/p11-kit-proxy.so",
        ]
        return candidates.first { FileManager.default.fileExists(atPath: $0) }
    }

    /// Loads and initialises the module at `path`, or returns the one already loaded.
    public static func load(path: String) throws(PKCS11Error) -> PKCS11Module {
        let key = (path as NSString).standardizingPath
        lock.lock()
        defer { lock.unlock() }
        if let module = loaded[key] { return module }
        guard FileManager.default.fileExists(atPath: key) else {
            throw .module("no PKCS#11 module at \(path)")
        }
        guard let handle = dlopen(key, RTLD_NOW | RTLD_LOCAL) else {
            let why = dlerror().map { String(cString: $0) } ?? "unknown reason"
            throw .module("\(path) is not a loadable PKCS#11 module: \(why)")
        }
        guard let symbol = dlsym(handle, "C_GetFunctionList") else {
            dlclose(handle)
            throw .module("\(path) is not a PKCS#11 module (it has no C_GetFunctionList)")
        }
        typealias GetFunctionList =
            @convention(c) (UnsafeMutablePointer<UnsafeMutablePointer<CK_FUNCTION_LIST>?>?) ->
            CK_RV
        let getFunctionList = unsafeBitCast(symbol, to: GetFunctionList.self)
        var list: UnsafeMutablePointer<CK_FUNCTION_LIST>?
        let rv = getFunctionList(&list)
        guard rv == CKR_OK, let list, let initialize = list.pointee.C_Initialize else {
            dlclose(handle)
            throw .module("\(path) is not a usable PKCS#11 module (C_GetFunctionList: \(PKCS11Error.name(of: rv)))")
        }
        var arguments = CK_C_INITIALIZE_ARGS()
        arguments.flags = CK_FLAGS(CKF_OS_LOCKING_OK)
        let initialized = withUnsafeMutablePointer(to: &arguments) { initialize(UnsafeMutableRawPointer($0)) }
        guard initialized == CKR_OK || initialized == CKR_CRYPTOKI_ALREADY_INITIALIZED else {
            throw .module("\(path) could not be initialised: \(PKCS11Error.name(of: initialized))")
        }
        var info = CK_INFO()
        _ = list.pointee.C_GetInfo?(&info)
        let module = PKCS11Module(path: key, functions: list, info: info)
        loaded[key] = module
        return module
    }

    /// Slots that hold a token.
    public func slotsWithTokens() throws(PKCS11Error) -> [CK_SLOT_ID] { try slots(tokenPresent: true) }

    /// All slots, with or without a token.
    public func allSlots() throws(PKCS11Error) -> [CK_SLOT_ID] { try slots(tokenPresent: false) }

    private func slots(tokenPresent: Bool) throws(PKCS11Error) -> [CK_SLOT_ID] {
        let present = CK_BBOOL(tokenPresent ? CK_TRUE : CK_FALSE)
        var count: CK_ULONG = 0
        try check("C_GetSlotList", functions.pointee.C_GetSlotList!(present, nil, &count))
        var slots = [CK_SLOT_ID](repeating: 0, count: Int(count))
        if count > 0 { try check("C_GetSlotList", functions.pointee.C_GetSlotList!(present, &slots, &count)) }
        return Array(slots.prefix(Int(count)))
    }

    public func slotInfo(_ slot: CK_SLOT_ID) throws(PKCS11Error) -> SlotInfo {
        var info = CK_SLOT_INFO()
        try check("C_GetSlotInfo", functions.pointee.C_GetSlotInfo!(slot, &info))
        return SlotInfo(id: slot, info: info)
    }

    public func tokenInfo(_ slot: CK_SLOT_ID) throws(PKCS11Error) -> TokenInfo {
        var info = CK_TOKEN_INFO()
        try check("C_GetTokenInfo", functions.pointee.C_GetTokenInfo!(slot, &info))
        return TokenInfo(slot: slot, info: info)
    }

    /// The mechanisms the token in `slot` offers.
    public func mechanisms(_ slot: CK_SLOT_ID) throws(PKCS11Error) -> Set<CK_MECHANISM_TYPE> {
        var count: CK_ULONG = 0
        try check("C_GetMechanismList", functions.pointee.C_GetMechanismList!(slot, nil, &count))
        var list = [CK_MECHANISM_TYPE](repeating: 0, count: Int(count))
        if count > 0 { try check("C_GetMechanismList", functions.pointee.C_GetMechanismList!(slot, &list, &count)) }
        return Set(list.prefix(Int(count)))
    }

    /// Opens a read-only session on the token in `slot`.
    public func openSession(_ slot: CK_SLOT_ID) throws(PKCS11Error) -> PKCS11Session {
        var handle: CK_SESSION_HANDLE = 0
        try check(
            "C_OpenSession",
            functions.pointee.C_OpenSession!(slot, CK_FLAGS(CKF_SERIAL_SESSION), nil, nil, &handle))
        return PKCS11Session(module: self, slot: slot, handle: handle)
    }

    func check(_ function: String, _ rv: CK_RV) throws(PKCS11Error) {
        if rv != CKR_OK { throw .call(function: function, code: UInt(rv)) }
    }
}

/// PKCS#11's fixed-width, blank-padded UTF-8 fields.
enum PKCS11Text {
    static func padded<T>(_ field: T) -> String {
        withUnsafeBytes(of: field) { raw in
            let text = String(decoding: raw, as: UTF8.self)
            return text.trimmingCharacters(in: CharacterSet(charactersIn: " \0"))
        }
    }
}

/// A slot: the reader or the place an HSM partition is reached through.
public struct SlotInfo: Sendable {
    public let id: CK_SLOT_ID
    public let description: String
    public let manufacturer: String
    public let tokenPresent: Bool
    public let removableDevice: Bool

    init(id: CK_SLOT_ID, info: CK_SLOT_INFO) {
        self.id = id
        description = PKCS11Text.padded(info.slotDescription)
        manufacturer = PKCS11Text.padded(info.manufacturerID)
        tokenPresent = info.flags & CK_FLAGS(CKF_TOKEN_PRESENT) != 0
        removableDevice = info.flags & CK_FLAGS(CKF_REMOVABLE_DEVICE) != 0
    }
}

/// A token, and what it says about its PIN.
public struct TokenInfo: Sendable, Equatable {
    public let slot: CK_SLOT_ID
    public let label: String
    public let manufacturer: String
    public let model: String
    public let serialNumber: String
    public let flags: CK_FLAGS
    /// The most sessions the token allows at once; nil when it sets no limit or does not say.
    public let maximumSessions: Int?

    init(slot: CK_SLOT_ID, info: CK_TOKEN_INFO) {
        self.slot = slot
        label = PKCS11Text.padded(info.label)
        manufacturer = PKCS11Text.padded(info.manufacturerID)
        model = PKCS11Text.padded(info.model)
        serialNumber = PKCS11Text.padded(info.serialNumber)
        flags = info.flags
        let limit = info.ulMaxSessionCount
        maximumSessions =
            limit == CK_ULONG(CK_EFFECTIVELY_INFINITE) || limit == CK_ULONG.max ? nil : Int(limit)
    }

    public var loginRequired: Bool { flags & CK_FLAGS(CKF_LOGIN_REQUIRED) != 0 }
    /// The PIN is entered on the reader's own keypad, not given by esign.
    public var protectedAuthenticationPath: Bool { flags & CK_FLAGS(CKF_PROTECTED_AUTHENTICATION_PATH) != 0 }
    public var pinCountLow: Bool { flags & CK_FLAGS(CKF_USER_PIN_COUNT_LOW) != 0 }
    public var pinFinalTry: Bool { flags & CK_FLAGS(CKF_USER_PIN_FINAL_TRY) != 0 }
    public var pinLocked: Bool { flags & CK_FLAGS(CKF_USER_PIN_LOCKED) != 0 }
    public var pinToBeChanged: Bool { flags & CK_FLAGS(CKF_USER_PIN_TO_BE_CHANGED) != 0 }
    public var pinInitialized: Bool { flags & CK_FLAGS(CKF_USER_PIN_INITIALIZED) != 0 }

    /// What the token reports about the PIN's remaining tries, in words.
    public var pinState: String {
        if pinLocked { return "locked" }
        if pinFinalTry { return "one try left before it locks" }
        if pinCountLow { return "few tries left (a wrong PIN was entered before)" }
        if pinToBeChanged { return "must be changed" }
        return "ok"
    }
}
