import Foundation
import Testing

@testable import ESignXML

/// The C kernel that checks long runs of character data (``XMLTextKernel``) against the
/// byte-by-byte reading, on byte strings built to reach each of its
/// cases: ASCII and Vietnamese text, the bytes that end a run, every kind of malformed UTF-8, the
/// non-characters U+FFFE and U+FFFF, and runs crossing its 32-byte blocks and their 16-byte lanes.
@Suite("XML text kernel against the byte-by-byte reading")
struct XMLTextKernelTests {
    @Test func runsOnThisMachine() {
        // The machines esign runs on (x86-64 servers with AVX2) take the kernel: a build that lost
        // it would read every byte itself, correct and slower, and nobody would notice.
        #if arch(x86_64)
        #expect(XMLTextKernel.isAvailable)
        #endif
    }

    @Test func theReferenceReadsWholeCharacters() {
        #expect(XMLTextKernel.referenceBoundaries(Array("ab<".utf8)) == [0, 1, 2])
        #expect(XMLTextKernel.referenceBoundaries(Array("Về".utf8)) == [0, 1, 4])
        #expect(XMLTextKernel.referenceBoundaries([0x61, 0xC0, 0x80]) == [0, 1])  // overlong
        #expect(XMLTextKernel.referenceBoundaries([0xED, 0xA0, 0x80]) == [0])  // a surrogate
        #expect(XMLTextKernel.referenceBoundaries([0xEF, 0xBF, 0xBE, 0x61]) == [0])  // U+FFFE
        #expect(XMLTextKernel.referenceBoundaries([0xF4, 0x90, 0x80, 0x80]) == [0])  // past U+10FFFF
        #expect(XMLTextKernel.referenceBoundaries([0x09, 0x0A, 0x0D]) == [0, 1, 2])  // \r ends a run
    }

    @Test func generatedRunsAgree() {
        var random = SplitMix(seed: 0x7E47)
        let interesting: [UInt8] = [
            0x61, 0x20, 0x7A, 0x0A, 0x09, 0x3C, 0x26, 0x3E, 0x0D, 0x00, 0x1F, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0,
            0xBF, 0xBE, 0xC0, 0xC1, 0xC2, 0xC3, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4,
            0xF5, 0xFF, 0xBB, 0xBA, 0xC4, 0xC6,
        ]
        let vietnamese = Array("Về việc phê duyệt kế hoạch chuyển đổi số của Ủy ban nhân dân xã Tân Tiến, Đ 😀 ".utf8)
        var checked = 0
        for round in 0..<60_000 {
            let count = random.below(140)
            var bytes: [UInt8]
            switch round % 4 {
            case 0: bytes = (0..<count).map { _ in random.pick(interesting) }
            case 1: bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            default:
                let offset = random.below(vietnamese.count)
                bytes = (0..<count).map { vietnamese[(offset + $0) % vietnamese.count] }
                if count > 0 && round % 4 == 3 { bytes[random.below(count)] = random.pick(interesting) }
            }
            if let disagreement = XMLTextKernel.disagreement(in: bytes) {
                Issue.record("\(disagreement): \(bytes.map { String(format: "%02x", $0) }.joined(separator: " "))")
                return
            }
            checked += 1
        }
        #expect(checked == 60_000)
    }

    @Test func longRunsAreTakenWhole() throws {
        // 1,000 bytes of plain text ending in a space, then markup: the kernel takes the whole run,
        // so the byte loop does nothing (a lazy kernel would still be correct: this catches it).
        let run = Array(String(repeating: "Ủy ban nhân dân tỉnh ", count: 40).utf8)
        let bytes = run + Array("<b>".utf8) + Array(repeating: 0x78, count: 64)
        guard XMLTextKernel.isAvailable else { return }
        let taken = bytes.withUnsafeBufferPointer { XMLTextKernel.prefix($0) }
        #expect(taken == run.count, "took \(taken) of \(run.count)")
    }
}
