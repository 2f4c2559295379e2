import CPKCS11
import ESignCrypto

/// One session with a token. A session runs one operation at a time; a ``TokenKey`` keeps one per
/// thread that signs. Closed when released.
public final class PKCS11Session: @unchecked Sendable {
    let module: PKCS11Module
    public let slot: CK_SLOT_ID
    let handle: CK_SESSION_HANDLE
    private var closed = false

    init(module: PKCS11Module, slot: CK_SLOT_ID, handle: CK_SESSION_HANDLE) {
        self.module = module
        self.slot = slot
        self.handle = handle
    }

    deinit { if !closed { _ = module.functions.pointee.C_CloseSession?(handle) } }

    private var f: CK_FUNCTION_LIST { module.functions.pointee }

    /// Logs the user in with `pin` (nil for a reader with its own keypad). Login is shared by every
    /// session of the process with this token, so this is done once. Exactly one C_Login call:
    /// a wrong PIN is never retried, since tokens lock after a few.
    public func login(pin: Secret?, token: TokenInfo) throws(PKCS11Error) {
        let rv = callLogin(CK_USER_TYPE(CKU_USER), pin: pin)
        switch rv {
        case CKR_OK, CKR_USER_ALREADY_LOGGED_IN:
            return
        case CKR_PIN_INCORRECT, CKR_PIN_INVALID, CKR_PIN_LEN_RANGE:
            let after = (try? module.tokenInfo(slot))?.pinState ?? "unknown"
            throw .pinIncorrect(
                "wrong PIN for token \"\(token.label)\" (one try spent; the token now reports: \(after)). "
                    + "esign does not try again on its own")
        case CKR_PIN_LOCKED:
            throw .pinLocked("the PIN of token \"\(token.label)\" is locked; its administrator must unlock it")
        case CKR_PIN_EXPIRED:
            throw .pinLocked("the PIN of token \"\(token.label)\" has expired; change it with the token's tools")
        case CKR_DEVICE_REMOVED, CKR_TOKEN_NOT_PRESENT:
            throw .tokenAbsent("token \"\(token.label)\" was removed")
        default:
            throw .call(function: "C_Login", code: UInt(rv))
        }
    }

    /// One C_Login with a copy of the PIN that is zeroed after the call (nil: the reader's keypad).
    private func callLogin(_ user: CK_USER_TYPE, pin: Secret?) -> CK_RV {
        guard let pin else { return f.C_Login!(handle, user, nil, 0) }
        return pin.withBytes { bytes in
            var copy = Array(bytes)
            defer { for i in copy.indices { copy[i] = 0 } }
            return f.C_Login!(handle, user, &copy, CK_ULONG(copy.count))
        }
    }

    /// Handles of the objects matching every attribute in `template`.
    public func findObjects(_ template: [PKCS11Attribute]) throws(PKCS11Error) -> [CK_OBJECT_HANDLE] {
        var rv = PKCS11Attribute.withTemplate(template) { attributes, count in
            f.C_FindObjectsInit!(handle, attributes, count)
        }
        try module.check("C_FindObjectsInit", rv)
        defer { _ = f.C_FindObjectsFinal!(handle) }
        var found: [CK_OBJECT_HANDLE] = []
        var batch = [CK_OBJECT_HANDLE](repeating: 0, count: 64)
        while true {
            var count: CK_ULONG = 0
            rv = f.C_FindObjects!(handle, &batch, CK_ULONG(batch.count), &count)
            try module.check("C_FindObjects", rv)
            if count == 0 { break }
            found.append(contentsOf: batch.prefix(Int(count)))
        }
        return found
    }

    /// The value of one attribute, or nil when the object does not have it or hides it.
    public func attribute(_ type: CK_ATTRIBUTE_TYPE, of object: CK_OBJECT_HANDLE) throws(PKCS11Error) -> [UInt8]? {
        var attribute = CK_ATTRIBUTE(type: type, pValue: nil, ulValueLen: 0)
        var rv = f.C_GetAttributeValue!(handle, object, &attribute, 1)
        if rv == CKR_ATTRIBUTE_TYPE_INVALID || rv == CKR_ATTRIBUTE_SENSITIVE { return nil }
        try module.check("C_GetAttributeValue", rv)
        if attribute.ulValueLen == CK_ULONG.max { return nil }
        var value = [UInt8](repeating: 0, count: Int(attribute.ulValueLen))
        rv = value.withUnsafeMutableBytes { buffer in
            attribute.pValue = buffer.baseAddress
            return f.C_GetAttributeValue!(handle, object, &attribute, 1)
        }
        if rv == CKR_ATTRIBUTE_TYPE_INVALID || rv == CKR_ATTRIBUTE_SENSITIVE { return nil }
        try module.check("C_GetAttributeValue", rv)
        return Array(value.prefix(Int(attribute.ulValueLen)))
    }

    public func bool(_ type: CK_ATTRIBUTE_TYPE, of object: CK_OBJECT_HANDLE) throws(PKCS11Error) -> Bool? {
        try attribute(type, of: object).map { $0.first.map { $0 != 0 } ?? false }
    }

    public func ulong(_ type: CK_ATTRIBUTE_TYPE, of object: CK_OBJECT_HANDLE) throws(PKCS11Error) -> CK_ULONG? {
        guard let bytes = try attribute(type, of: object), bytes.count == MemoryLayout<CK_ULONG>.size else {
            return nil
        }
        return bytes.withUnsafeBytes { $0.loadUnaligned(as: CK_ULONG.self) }
    }

    /// One signature: C_SignInit then C_Sign, the buffer sized by asking the token first.
    public func sign(
        mechanism: CK_MECHANISM_TYPE, parameter: [UInt8]? = nil, key: CK_OBJECT_HANDLE, data: [UInt8],
        contextPIN: Secret? = nil
    ) throws(PKCS11Error) -> [UInt8] {
        var parameterBytes = parameter ?? []
        var rv = parameterBytes.withUnsafeMutableBytes { raw in
            var m = CK_MECHANISM(
                mechanism: mechanism, pParameter: parameter == nil ? nil : raw.baseAddress,
                ulParameterLen: CK_ULONG(raw.count))
            return f.C_SignInit!(handle, &m, key)
        }
        try module.check("C_SignInit", rv)
        if let contextPIN {
            // A key with CKA_ALWAYS_AUTHENTICATE wants the PIN again for each signature.
            rv = callLogin(CK_USER_TYPE(CKU_CONTEXT_SPECIFIC), pin: contextPIN)
            try module.check("C_Login (context-specific)", rv)
        }
        // One call with room for any signature esign's keys make (RSA-4096 or ECDSA P-521); a token
        // that wants more says so, keeps the operation active, and gets a second call.
        var input = data
        var signature = [UInt8](repeating: 0, count: 512)
        var length = CK_ULONG(signature.count)
        rv = f.C_Sign!(handle, &input, CK_ULONG(input.count), &signature, &length)
        if rv == CKR_BUFFER_TOO_SMALL {
            signature = [UInt8](repeating: 0, count: Int(length))
            rv = f.C_Sign!(handle, &input, CK_ULONG(input.count), &signature, &length)
        }
        try module.check("C_Sign", rv)
        return Array(signature.prefix(Int(length)))
    }

    /// One decryption: C_DecryptInit then C_Decrypt (a key sent to the token's certificate).
    public func decrypt(
        mechanism: CK_MECHANISM_TYPE, key: CK_OBJECT_HANDLE, data: [UInt8]
    ) throws(PKCS11Error) -> [UInt8] {
        var m = CK_MECHANISM(mechanism: mechanism, pParameter: nil, ulParameterLen: 0)
        var rv = f.C_DecryptInit!(handle, &m, key)
        try module.check("C_DecryptInit", rv)
        var input = data
        var output = [UInt8](repeating: 0, count: max(512, data.count))
        var length = CK_ULONG(output.count)
        rv = f.C_Decrypt!(handle, &input, CK_ULONG(input.count), &output, &length)
        try module.check("C_Decrypt", rv)
        return Array(output.prefix(Int(length)))
    }
}

/// An attribute of a search template.
public struct PKCS11Attribute: Sendable {
    public let type: CK_ATTRIBUTE_TYPE
    public let value: [UInt8]

    public init(_ type: CK_ATTRIBUTE_TYPE, bytes: [UInt8]) {
        self.type = type
        value = bytes
    }

    public static func ulong(_ type: CK_ATTRIBUTE_TYPE, _ value: CK_ULONG) -> PKCS11Attribute {
        PKCS11Attribute(type, bytes: withUnsafeBytes(of: value) { Array($0) })
    }

    public static func text(_ type: CK_ATTRIBUTE_TYPE, _ value: String) -> PKCS11Attribute {
        PKCS11Attribute(type, bytes: Array(value.utf8))
    }

    static func withTemplate<R>(
        _ template: [PKCS11Attribute], _ body: (UnsafeMutablePointer<CK_ATTRIBUTE>?, CK_ULONG) -> R
    ) -> R {
        var storage = template.map(\.value)
        var attributes: [CK_ATTRIBUTE] = []
        return storage.withUnsafeMutableBufferPointer { values in
            func build(_ i: Int) -> R {
                if i == values.count {
                    return attributes.withUnsafeMutableBufferPointer { body($0.baseAddress, CK_ULONG($0.count)) }
                }
                return values[i].withUnsafeMutableBytes { raw in
                    attributes.append(
                        CK_ATTRIBUTE(type: template[i].type, pValue: raw.baseAddress, ulValueLen: CK_ULONG(raw.count)))
                    return build(i + 1)
                }
            }
            return build(0)
        }
    }
}
