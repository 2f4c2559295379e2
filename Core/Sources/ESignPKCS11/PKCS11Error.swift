import CPKCS11

/// Why a token could not be used, in the terms a clerk acts on. ``isUnreachable`` separates a
/// token or module that cannot be reached (try again, plug it in) from an identity that cannot
/// sign (wrong PIN, no such key): the CLI gives them different exit codes.
public enum PKCS11Error: Error, Equatable, Sendable, CustomStringConvertible {
    /// The module file cannot be loaded, or is not a PKCS#11 module.
    case module(String)
    /// No token matches, or the token was removed.
    case tokenAbsent(String)
    /// The PIN was wrong (one try spent); the text says what the token reports about tries left.
    case pinIncorrect(String)
    /// The PIN is locked, expired or must be changed first.
    case pinLocked(String)
    /// No PIN was given and none could be asked for.
    case pinRequired(String)
    /// The URI is malformed or names an attribute esign does not know.
    case uri(String)
    /// No key, several keys, a key that may not sign, a key without a certificate.
    case key(String)
    /// A PKCS#11 call failed.
    case call(function: String, code: UInt)

    public var description: String {
        switch self {
        case .module(let s), .tokenAbsent(let s), .pinIncorrect(let s), .pinLocked(let s), .pinRequired(let s),
            .uri(let s), .key(let s):
            return s
        case .call(let function, let code):
            return "\(function) failed: \(PKCS11Error.name(of: code))"
        }
    }

    /// True for failures that mean the token or module cannot be reached now.
    public var isUnreachable: Bool {
        switch self {
        case .module, .tokenAbsent: return true
        case .call(_, let code): return Self.unreachableCodes.contains(code)
        default: return false
        }
    }

    static let unreachableCodes: Set<UInt> = [
        UInt(CKR_DEVICE_REMOVED), UInt(CKR_TOKEN_NOT_PRESENT), UInt(CKR_DEVICE_ERROR),
        UInt(CKR_SESSION_HANDLE_INVALID), UInt(CKR_SESSION_CLOSED), UInt(CKR_TOKEN_NOT_RECOGNIZED),
        UInt(CKR_SLOT_ID_INVALID), UInt(CKR_CRYPTOKI_NOT_INITIALIZED),
    ]

    /// The CKR_ name of a return value, as the specification spells it.
    static func name(of code: UInt) -> String {
        let names: [UInt: String] = [
            UInt(CKR_GENERAL_ERROR): "CKR_GENERAL_ERROR", UInt(CKR_HOST_MEMORY): "CKR_HOST_MEMORY",
            UInt(CKR_SLOT_ID_INVALID): "CKR_SLOT_ID_INVALID", UInt(CKR_ARGUMENTS_BAD): "CKR_ARGUMENTS_BAD",
            UInt(CKR_FUNCTION_FAILED): "CKR_FUNCTION_FAILED", UInt(CKR_DEVICE_ERROR): "CKR_DEVICE_ERROR",
            UInt(CKR_DEVICE_MEMORY): "CKR_DEVICE_MEMORY", UInt(CKR_DEVICE_REMOVED): "CKR_DEVICE_REMOVED",
            UInt(CKR_FUNCTION_CANCELED): "CKR_FUNCTION_CANCELED",
            UInt(CKR_FUNCTION_NOT_SUPPORTED): "CKR_FUNCTION_NOT_SUPPORTED",
            UInt(CKR_KEY_HANDLE_INVALID): "CKR_KEY_HANDLE_INVALID",
            UInt(CKR_KEY_FUNCTION_NOT_PERMITTED): "CKR_KEY_FUNCTION_NOT_PERMITTED",
            UInt(CKR_KEY_TYPE_INCONSISTENT): "CKR_KEY_TYPE_INCONSISTENT",
            UInt(CKR_MECHANISM_INVALID): "CKR_MECHANISM_INVALID",
            UInt(CKR_MECHANISM_PARAM_INVALID): "CKR_MECHANISM_PARAM_INVALID",
            UInt(CKR_OBJECT_HANDLE_INVALID): "CKR_OBJECT_HANDLE_INVALID",
            UInt(CKR_OPERATION_ACTIVE): "CKR_OPERATION_ACTIVE", UInt(CKR_PIN_INCORRECT): "CKR_PIN_INCORRECT",
            UInt(CKR_PIN_LOCKED): "CKR_PIN_LOCKED", UInt(CKR_PIN_EXPIRED): "CKR_PIN_EXPIRED",
            UInt(CKR_PIN_LEN_RANGE): "CKR_PIN_LEN_RANGE", UInt(CKR_SESSION_CLOSED): "CKR_SESSION_CLOSED",
            UInt(CKR_SESSION_COUNT): "CKR_SESSION_COUNT",
            UInt(CKR_SESSION_HANDLE_INVALID): "CKR_SESSION_HANDLE_INVALID",
            UInt(CKR_TOKEN_NOT_PRESENT): "CKR_TOKEN_NOT_PRESENT",
            UInt(CKR_TOKEN_NOT_RECOGNIZED): "CKR_TOKEN_NOT_RECOGNIZED",
            UInt(CKR_USER_NOT_LOGGED_IN): "CKR_USER_NOT_LOGGED_IN",
            UInt(CKR_USER_PIN_NOT_INITIALIZED): "CKR_USER_PIN_NOT_INITIALIZED",
            UInt(CKR_DATA_LEN_RANGE): "CKR_DATA_LEN_RANGE", UInt(CKR_BUFFER_TOO_SMALL): "CKR_BUFFER_TOO_SMALL",
            UInt(CKR_CRYPTOKI_NOT_INITIALIZED): "CKR_CRYPTOKI_NOT_INITIALIZED",
            UInt(CKR_ATTRIBUTE_TYPE_INVALID): "CKR_ATTRIBUTE_TYPE_INVALID",
            UInt(CKR_ATTRIBUTE_SENSITIVE): "CKR_ATTRIBUTE_SENSITIVE",
        ]
        return names[code] ?? "CKR 0x" + String(code, radix: 16)
    }
}
