import ESign
import ESignTestSupport
import Foundation

/// A small, hand-computed ledger around the 1 July 2025 reform.
///
/// Province 90 issues 4 documents (1 classified): 3/3 signed = 100%. District 901 issues 5
/// (1 classified): 3/4 = 75%. Commune 90001 issues 2 under its district on 30 June (1 signed) and 2
/// directly under the province on 1 July (both signed); commune 90002 issues 1 unsigned document
/// on 10 June and is merged away after the reform. Commune level: 3/5 = 60%.
enum SmallLedger {
    static let units = """
        code,name,level,parent_code,valid_from,valid_to
        90,Tỉnh Thử Nghiệm,province,,2020-01-01,
        901,Huyện Đồi Núi,district,90,2020-01-01,2025-06-30
        90001,Xã Hòa Bình,commune,901,2020-01-01,2025-06-30
        90001,"Xã Hòa Bình, mới",commune,90,2025-07-01,
        90002,Xã Tân Lập,commune,901,2020-01-01,2025-06-30

        """

    static let documents = """
        number,unit_code,issued_on,signed,classified,type,signature_count
        1/QĐ-UBND,90,2025-03-10,true,false,QĐ,2
        2/QĐ-UBND,90,2025-03-10,true,false,QĐ,2
        3/CV-UBND,90,2025-03-11,1,0,CV,1
        4/MẬT-UBND,90,2025-03-12,false,true,,
        1/QĐ-UBND,901,2025-05-05,true,false,QĐ,2
        2/CV-UBND,901,2025-05-05,true,false,CV,1
        3/CV-UBND,901,2025-05-06,true,false,CV,1
        4/TB-UBND,901,2025-05-06,false,false,TB,0
        5/MẬT-UBND,901,2025-05-07,true,true,,1
        1/QĐ-UBND,90001,2025-06-30,true,false,QĐ,1
        2/TB-UBND,90001,2025-06-30,false,false,TB,
        3/QĐ-UBND,90001,2025-07-01,true,false,QĐ,1
        4/CV-UBND,90001,2025-07-01,true,false,CV,1
        1/TB-UBND,90002,2025-06-10,false,false,TB,

        """

    static func write(_ text: String, _ name: String, in dir: URL) throws -> String {
        let path = dir.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A ledger with the small fixture imported.
    static func make(_ backend: TestDatabase) async throws -> (Ledger, URL) {
        let dir = Fixtures.temporaryDirectory("small-ledger")
        let ledger = try await Ledger.open(try backend.freshLocation())
        try await ledger.importUnits(csv: try write(units, "units.csv", in: dir))
        _ = try await ledger.importDocuments(path: try write(documents, "documents.csv", in: dir))
        return (ledger, dir)
    }
}
