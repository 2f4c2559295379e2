import COpenSSL

/// Random bytes from OpenSSL's CSPRNG (seeded once by the system; no system call per request).
public enum Random {
    public static func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        guard RAND_bytes(&out, Int32(count)) == 1 else {
            // RAND_bytes fails only when the system cannot seed it; fall back to the system generator.
            var generator = SystemRandomNumberGenerator()
            for i in out.indices { out[i] = UInt8.random(in: 0...255, using: &generator) }
            return out
        }
        return out
    }
}
