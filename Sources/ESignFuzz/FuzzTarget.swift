import ESignCrypto
import ESignPDF
import ESignSignatures
import Foundation

/// libFuzzer entry point over the code that reads untrusted bytes: the PDF reader (cross-reference
/// data, objects, object streams, form fields), the verifier (signature dictionaries, byte ranges,
/// revisions, difference analysis) and the CMS reader. Any crash, hang or sanitizer report is a bug.
///
/// Build and run (Linux):
///   swift build -c release --product esign-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING --scratch-path .build-fuzz
///   .build-fuzz/release/esign-fuzz Fuzz/corpus -max_total_time=60
/// Without -DFUZZING the same target replays files given on the command line.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    FuzzHarness.run(bytes)
    return 0
}

enum FuzzHarness {
    static func run(_ bytes: [UInt8]) {
        // The CMS reader sees raw bytes too (as /Contents of a signature would give them).
        _ = try? CMSSignedDataReader(der: bytes)
        _ = try? TimestampToken(der: bytes)
        let source = MemoryByteSource(bytes)
        if let document = try? PDFDocument(source: source) {
            _ = try? document.pageReferences(limit: 64)
            _ = try? document.formFields()
            _ = try? document.revisions()
        }
        _ = PDFSignatureVerifier().verify(source: source, name: "fuzz")
    }
}
