/// RC4, for the security handlers of revisions 2 to 4 (PDF 1.1 to 1.6) and the old envelopes of
/// certificate-encrypted PDFs. OpenSSL 3 keeps it in its
/// legacy provider, which a system may not ship; it is small enough to hold here. Never used to
/// protect anything new: esign only reads RC4 documents, and writes into them with their own key.
public struct RC4 {
    private var state: [UInt8]
    private var i: UInt8 = 0
    private var j: UInt8 = 0

    public init(key: [UInt8]) {
        state = (0...255).map { UInt8($0) }
        var j: UInt8 = 0
        for i in 0..<256 {
            j = j &+ state[i] &+ key[i % key.count]
            state.swapAt(i, Int(j))
        }
    }

    public mutating func process(_ data: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: data.count)
        for index in data.indices {
            i = i &+ 1
            j = j &+ state[Int(i)]
            state.swapAt(Int(i), Int(j))
            out[index] = data[index] ^ state[Int(state[Int(i)] &+ state[Int(j)])]
        }
        return out
    }

    public static func crypt(_ data: [UInt8], key: [UInt8]) -> [UInt8] {
        var cipher = RC4(key: key)
        return cipher.process(data)
    }
}
