import ESign
import ESignTestSupport
import Foundation
import Testing

/// Batches find their documents with one directory read per folder (the kinds from d_type): the
/// same files a walk that asks for each entry finds, links followed, loops and dangling links
/// harmless.
@Suite("Finding a batch's files")
struct FolderWalkTests {
    @Test("the files a stat of every entry finds, through links, without looping")
    func sameFilesAsStat() throws {
        let root = Fixtures.temporaryDirectory("esign-walk").path
        let fm = FileManager.default
        var random = SystemRandomNumberGenerator()
        var folders = [root]
        for index in 0..<60 {
            let parent = folders.randomElement(using: &random)!
            if Int.random(in: 0..<5, using: &random) == 0 {
                // Some folders are named like documents.
                let folder = parent + "/folder-\(index)" + (Bool.random() ? ".xml" : "")
                try fm.createDirectory(atPath: folder, withIntermediateDirectories: false)
                folders.append(folder)
            } else {
                let name = "file-\(index)." + ["xml", "pdf", "p7s", "txt", "XML"].randomElement(using: &random)!
                try Data("x".utf8).write(to: URL(fileURLWithPath: parent + "/" + name))
            }
        }
        try Data("x".utf8).write(to: URL(fileURLWithPath: root + "/target.txt"))
        try fm.createSymbolicLink(atPath: root + "/to-file.xml", withDestinationPath: root + "/target.txt")
        try fm.createSymbolicLink(atPath: root + "/dangling.xml", withDestinationPath: root + "/nothing-here.xml")
        try fm.createSymbolicLink(atPath: folders.last! + "/loop", withDestinationPath: root)
        let keep = { (name: String) in [".xml", ".pdf", ".p7s"].contains { name.lowercased().hasSuffix($0) } }

        let walked = FolderWalk.files(under: root, where: keep).sorted()
        // What asking for every entry finds, each folder once (by its real path).
        var expected: [String] = []
        var pending = [root]
        var seen: Set<String> = []
        while let folder = pending.popLast() {
            guard seen.insert((folder as NSString).resolvingSymlinksInPath).inserted else { continue }
            for name in try fm.contentsOfDirectory(atPath: folder) {
                let path = folder + "/" + name
                var isFolder: ObjCBool = false
                guard fm.fileExists(atPath: path, isDirectory: &isFolder) else { continue }
                if isFolder.boolValue { pending.append(path) } else if keep(name) { expected.append(path) }
            }
        }
        #expect(walked == expected.sorted())
        #expect(walked.contains(root + "/to-file.xml") && !walked.contains(root + "/dangling.xml"))
        #expect(!walked.contains { $0.hasSuffix(".xml") && (try? fm.contentsOfDirectory(atPath: $0)) != nil })
        #expect(FolderWalk.files(under: root + "/no-such-folder", where: keep).isEmpty)
    }
}
