import CESignShims
import COpenSSL

/// An owned OpenSSL memory BIO: the bridge for OpenSSL calls that read from or write to a BIO.
final class MemoryBIO {
    let pointer: OpaquePointer

    /// An empty BIO to write into.
    init() throws(OpenSSLError) {
        pointer = try check(BIO_new(BIO_s_mem()), "BIO_new")
    }

    /// A BIO holding a copy of `bytes`, to read from.
    init(_ bytes: [UInt8]) throws(OpenSSLError) {
        let bio = try check(BIO_new(BIO_s_mem()), "BIO_new")
        if !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { BIO_write(bio, $0.baseAddress, Int32($0.count)) }
            if written != Int32(bytes.count) {
                BIO_free(bio)
                throw OpenSSLError.capture("BIO_write")
            }
        }
        pointer = bio
    }

    deinit { BIO_free(pointer) }

    /// Everything written so far.
    var bytes: [UInt8] {
        var data: UnsafeMutablePointer<CChar>?
        let length = esign_BIO_get_mem_data(pointer, &data)
        guard let data, length > 0 else { return [] }
        return data.withMemoryRebound(to: UInt8.self, capacity: length) {
            Array(UnsafeBufferPointer(start: $0, count: length))
        }
    }
}

/// Calls an i2d-style OpenSSL encoder twice (size, then bytes) and returns the DER.
func encodeDER(
    _ operation: String, _ encode: (UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?) -> Int32
) throws(OpenSSLError) -> [UInt8] {
    let length = encode(nil)
    guard length > 0 else { throw OpenSSLError.capture(operation) }
    var out = [UInt8](repeating: 0, count: Int(length))
    let written = out.withUnsafeMutableBufferPointer { buffer -> Int32 in
        var cursor: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
        return encode(&cursor)
    }
    guard written == length else { throw OpenSSLError.capture(operation) }
    return out
}

extension String {
    /// Decodes a NUL-terminated C buffer filled by OpenSSL.
    init(cBuffer buffer: [CChar]) {
        self = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
