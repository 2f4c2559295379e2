import ESignTestSupport
import Foundation
import Testing

@testable import ESignPDF

@Suite("Reading documents and writing incremental updates")
struct PDFDocumentTests {
    @Test func minimalDocument() throws {
        let document = try PDFDocument(source: MemoryByteSource(MinimalPDF.make(lines: ["Hello"])))
        #expect(document.headerVersion == "1.7")
        #expect(try document.pageReferences().count == 1)
        #expect(document.sections.first?.kind == .table)
        #expect(!document.isEncrypted)
    }

    @Test(arguments: Fixtures.samplePDFs)
    func samplesOpen(_ url: URL) throws {
        let document = try PDFDocument(path: url.path)
        #expect(try document.pageReferences().count >= 1)
        #expect(try document.catalog()["Type"] == .name("Catalog"))
    }

    @Test func objectStreamsAndXrefStreams() throws {
        let document = try PDFDocument(path: Fixtures.samples.appendingPathComponent("decision-objstm.pdf").path)
        #expect(document.sections.first?.kind == .stream)
        let compressed = (0...document.highestObjectNumber).filter {
            if case .compressed? = document.entry(for: $0) { return true } else { return false }
        }
        #expect(!compressed.isEmpty)
        // Every compressed object resolves.
        for number in compressed { #expect(try document.object(ObjectReference(number)) != .null) }
    }

    @Test func incrementalUpdateKeepsOriginalAndChainsXref() throws {
        for sample in ["decision.pdf", "decision-objstm.pdf"] {
            let original = [UInt8](try Data(contentsOf: Fixtures.samples.appendingPathComponent(sample)))
            let document = try PDFDocument(source: MemoryByteSource(original))
            var update = try IncrementalUpdate(document: document)
            let ref = update.allocate()
            update.set(ref, .dictionary(PDFDictionary([("Marker", .string(PDFString(text: "Nghị định 30")))])))
            let combined = original + update.serialize().bytes
            let reread = try PDFDocument(source: MemoryByteSource(combined))
            #expect(reread.sections.count == document.sections.count + 1)
            #expect(reread.sections[0].kind == document.sections[0].kind)
            #expect(try reread.object(ref).dictionary?["Marker"]?.string?.text == "Nghị định 30")
            #expect(try reread.pageReferences() == document.pageReferences())
        }
    }

    @Test func cyclicReferencesDoNotHang() throws {
        // Pages tree whose Kids point back at itself, and an object whose /Length refers to itself.
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] >>",
            "<< /Length 4 0 R >>\nstream\nabc\nendstream",
        ]
        let bytes = Self.build(objects)
        let document = try PDFDocument(source: MemoryByteSource(bytes))
        #expect(try document.pageReferences() == [ObjectReference(3)])
        guard case .stream(let stream) = try document.object(ObjectReference(4)) else {
            Issue.record("no stream")
            return
        }
        // A /Length that refers to its own stream is no length: the data is found by its endstream.
        #expect(try document.rawStreamData(stream) == Array("abc".utf8))
    }

    @Test func brokenFilesGiveSpecificErrors() throws {
        let good = MinimalPDF.make(lines: ["x"])
        #expect(throws: PDFError.notPDF("the file is empty")) { try PDFDocument(source: MemoryByteSource([])) }
        #expect { try PDFDocument(source: MemoryByteSource(Array("hello world".utf8))) } throws: { error in
            if case PDFError.notPDF = error { return true } else { return false }
        }
        // Truncated: the tail with startxref is gone.
        #expect { try PDFDocument(source: MemoryByteSource(Array(good.prefix(good.count / 2)))) } throws: { error in
            if case PDFError.brokenCrossReference = error { return true } else { return false }
        }
        // startxref pointing into the middle of an object.
        var wrong = good
        let text = String(decoding: wrong, as: UTF8.self)
        let r = text.range(of: "startxref\n")!
        let offsetStart = text.utf8.distance(from: text.startIndex, to: r.upperBound)
        wrong.replaceSubrange(offsetStart..<(offsetStart + 3), with: Array("100".utf8))
        #expect { try PDFDocument(source: MemoryByteSource(wrong)) } throws: { error in
            if case PDFError.brokenCrossReference = error { return true } else { return false }
        }
    }

    @Test func randomMutationsNeverCrash() throws {
        // A quick in-process fuzz: flipped bytes in real samples must give a document or a PDFError.
        var generator = SystemRandomNumberGenerator()
        for sample in Fixtures.samplePDFs.prefix(3) {
            let original = [UInt8](try Data(contentsOf: sample))
            for _ in 0..<40 {
                var mutated = original
                for _ in 0..<8 {
                    let i = Int.random(in: 0..<mutated.count, using: &generator)
                    mutated[i] = UInt8.random(in: 0...255, using: &generator)
                }
                if let document = try? PDFDocument(source: MemoryByteSource(mutated)) {
                    _ = try? document.pageReferences()
                    _ = try? document.formFields()
                }
            }
        }
    }

    static func build(_ objects: [String]) -> [UInt8] { MinimalPDF.document(objects: objects) }
}
