import ESignCore

/// The report as one self-contained HTML page for leaders' dashboards: no external scripts, fonts
/// or images; charts are inline SVG. Bars per level against targets, the monthly trend per level,
/// the weakest units, then the full tables.
public enum CoverageHTML {
    public static func render(
        _ report: CoverageReport, title: String = "Tỷ lệ văn bản điện tử ký số", generatedAt: String
    ) -> String {
        var html = """
            <!DOCTYPE html>
            <html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, \
            initial-scale=1">
            <title>\(escape(title))</title>
            <style>
            body{font-family:"DejaVu Sans",Arial,sans-serif;margin:24px;color:#1d2733;background:#fff}
            h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid \
            #d8dee6;padding-bottom:4px}
            .meta{color:#5a6775;font-size:13px} .cards{display:flex;gap:12px;flex-wrap:wrap;margin-top:14px}
            .card{border:1px solid #d8dee6;border-radius:6px;padding:10px 14px;min-width:150px}
            .card b{display:block;font-size:22px} .below{color:#b3261e} .met{color:#1b7f3b}
            table{border-collapse:collapse;font-size:13px;margin-top:6px} th,td{padding:4px 8px;border-bottom:1px \
            solid #e6eaef;text-align:right}
            th{background:#f3f5f8;cursor:pointer;user-select:none} \
            td:first-child,th:first-child,td.text,th.text{text-align:left}
            svg text{font-family:"DejaVu Sans",Arial,sans-serif;font-size:12px;fill:#1d2733}
            .legend span{display:inline-block;margin-right:14px;font-size:12px} .legend \
            i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-1px}
            </style></head><body>
            <h1>\(escape(title))</h1>
            <div class="meta">\(escape(periodText(report)))\(report.province.map { " · tỉnh " + escape($0) } ?? "") · \
            tạo lúc \(escape(generatedAt)) · lược đồ \(report.schema)</div>
            """
        html += cards(report)
        html += "<h2>Theo cấp so với chỉ tiêu</h2>" + levelBars(report)
        html += "<h2>Xu hướng theo kỳ</h2>" + trend(report)
        html += "<h2>Đơn vị thấp nhất</h2>" + weakestBars(report)
        html += "<h2>Bảng theo cấp</h2>" + table(CoverageTable(report, by: .level))
        html += "<h2>Bảng theo đơn vị</h2>" + table(CoverageTable(report, by: .unit))
        html += """
            <script>
            // Sort any table by clicking its header; numbers sort as numbers.
            document.querySelectorAll("table").forEach(function (t) {
              t.querySelectorAll("th").forEach(function (th, i) {
                th.addEventListener("click", function () {
                  var rows = Array.prototype.slice.call(t.tBodies[0].rows), asc = th.dataset.asc !== "1";
                  rows.sort(function (a, b) {
                    var x = a.cells[i].textContent, y = b.cells[i].textContent, nx = parseFloat(x), ny = parseFloat(y);
                    var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y, "vi");
                    return asc ? c : -c;
                  });
                  th.dataset.asc = asc ? "1" : "0";
                  rows.forEach(function (r) { t.tBodies[0].appendChild(r); });
                });
              });
            });
            document.body.dataset.ready = "1";
            </script></body></html>
            """
        return html
    }

    static let levelColours: [AdministrativeLevel: String] = [
        .central: "#6b4fbb", .province: "#1f5fa8", .district: "#2f9e74", .commune: "#d9822b",
    ]

    static func periodText(_ r: CoverageReport) -> String {
        switch (r.from, r.to) {
        case let (f?, t?): return "Từ \(f) đến \(t)"
        case let (f?, nil): return "Từ \(f)"
        case let (nil, t?): return "Đến \(t)"
        default: return "Toàn bộ sổ"
        }
    }

    static func cards(_ r: CoverageReport) -> String {
        let overall = r.overall.rate.map { CoverageTable.percent($0) + "%" } ?? "—"
        var s =
            "<div class=\"cards\"><div class=\"card\">Tổng thể<b>\(overall)</b>"
            + "\(r.overall.signed)/\(r.overall.eligible) văn bản</div>"
        for l in r.levels {
            let cls = l.gap.map { $0 < 0 ? "below" : "met" } ?? ""
            s +=
                "<div class=\"card\">\(escape(l.level.vietnameseName))<b "
                + "class=\"\(cls)\">\(l.figures.rate.map { CoverageTable.percent($0) + "%" } ?? "—")</b>chỉ tiêu "
                + "\(l.target.map { CoverageTable.percent($0) + "%" } ?? "—") · "
                + "\(l.unitsMeetingTarget)/\(l.units) đơn vị đạt</div>"
        }
        return s + "</div>"
    }

    static func levelBars(_ r: CoverageReport) -> String {
        let rowHeight = 34
        let left = 110
        let width = 520
        let height = max(1, r.levels.count) * rowHeight + 30
        var svg =
            "<svg role=\"img\" aria-label=\"Tỷ lệ theo cấp\" width=\"\(left + width + 90)\" height=\"\(height)\" "
            + "viewBox=\"0 0 \(left + width + 90) \(height)\">"
        svg += gridlines(x: left, width: width, top: 0, height: height - 20)
        for (i, l) in r.levels.enumerated() {
            let y = i * rowHeight + 4
            let rate = l.figures.rate ?? 0
            let w = Int(Double(width) * rate / 100)
            svg += "<text x=\"0\" y=\"\(y + 17)\">\(escape(l.level.vietnameseName))</text>"
            svg +=
                "<rect x=\"\(left)\" y=\"\(y)\" width=\"\(w)\" height=\"22\" "
                + "fill=\"\(levelColours[l.level] ?? "#888")\"><title>\(escape(l.level.vietnameseName)): "
                + "\(CoverageTable.percent(rate))%</title></rect>"
            if let t = l.target {
                let tx = left + Int(Double(width) * t / 100)
                svg +=
                    "<line x1=\"\(tx)\" x2=\"\(tx)\" y1=\"\(y - 3)\" y2=\"\(y + 25)\" stroke=\"#b3261e\" "
                    + "stroke-width=\"2.5\"><title>chỉ tiêu \(CoverageTable.percent(t))%</title></line>"
            }
            svg +=
                "<text x=\"\(left + width + 8)\" "
                + "y=\"\(y + 17)\">\(l.figures.rate.map { CoverageTable.percent($0) + "%" } ?? "—")</text>"
        }
        svg += "</svg><div class=\"legend\"><span><i style=\"background:#b3261e\"></i>chỉ tiêu</span></div>"
        return svg
    }

    static func gridlines(x: Int, width: Int, top: Int, height: Int) -> String {
        var s = ""
        for p in stride(from: 0, through: 100, by: 20) {
            let gx = x + width * p / 100
            s +=
                "<line x1=\"\(gx)\" x2=\"\(gx)\" y1=\"\(top)\" y2=\"\(top + height)\" stroke=\"#e6eaef\"/><text "
                + "x=\"\(gx - 8)\" y=\"\(top + height + 14)\">\(p)%</text>"
        }
        return s
    }

    static func trend(_ r: CoverageReport) -> String {
        let periods = Array(Set(r.periods.map(\.period))).sorted()
        guard periods.count > 0 else { return "<p>Không có dữ liệu.</p>" }
        let left = 44
        let top = 10
        let width = 640
        let height = 220
        let step = periods.count > 1 ? Double(width) / Double(periods.count - 1) : 0
        func y(_ rate: Double) -> Double { Double(top) + Double(height) * (1 - rate / 100) }
        var svg =
            "<svg role=\"img\" aria-label=\"Xu hướng\" width=\"\(left + width + 50)\" height=\"\(top + height + 40)\">"
        for p in stride(from: 0, through: 100, by: 20) {
            svg +=
                "<line x1=\"\(left)\" x2=\"\(left + width)\" y1=\"\(y(Double(p)))\" y2=\"\(y(Double(p)))\" "
                + "stroke=\"#e6eaef\"/><text x=\"0\" y=\"\(y(Double(p)) + 4)\">\(p)%</text>"
        }
        let labelEvery = max(1, periods.count / 12)
        for (i, p) in periods.enumerated() where i % labelEvery == 0 {
            svg += "<text x=\"\(Double(left) + Double(i) * step - 18)\" y=\"\(top + height + 18)\">\(escape(p))</text>"
        }
        var legend = ""
        for level in Set(r.periods.map(\.level)).sorted() {
            let colour = levelColours[level] ?? "#888"
            let rows = r.periods.filter { $0.level == level }
            // A period without documents breaks the line instead of drawing a false 0%.
            var segments: [[String]] = [[]]
            for row in rows {
                guard let i = periods.firstIndex(of: row.period) else { continue }
                if let rate = row.figures.rate {
                    segments[segments.count - 1].append("\(Double(left) + Double(i) * step),\(y(rate))")
                } else if !segments[segments.count - 1].isEmpty {
                    segments.append([])
                }
            }
            for s in segments where !s.isEmpty {
                svg +=
                    s.count == 1
                    ? "<circle cx=\"\(s[0].split(separator: ",")[0])\" cy=\"\(s[0].split(separator: ",")[1])\" "
                        + "r=\"3\" fill=\"\(colour)\"/>"
                    : "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" "
                        + "points=\"\(s.joined(separator: " "))\"/>"
            }
            if let t = rows.first?.target {
                svg +=
                    "<line x1=\"\(left)\" x2=\"\(left + width)\" y1=\"\(y(t))\" y2=\"\(y(t))\" stroke=\"\(colour)\" "
                    + "stroke-dasharray=\"5 4\" stroke-width=\"1\"/>"
            }
            legend += "<span><i style=\"background:\(colour)\"></i>\(escape(level.vietnameseName))</span>"
        }
        return svg + "</svg><div class=\"legend\">\(legend)<span>- - - chỉ tiêu</span></div>"
    }

    static func weakestBars(_ r: CoverageReport) -> String {
        guard !r.weakest.isEmpty else { return "<p>Không có dữ liệu.</p>" }
        let rowHeight = 26
        let left = 260
        let width = 380
        let height = r.weakest.count * rowHeight + 24
        var svg =
            "<svg role=\"img\" aria-label=\"Đơn vị thấp nhất\" width=\"\(left + width + 120)\" height=\"\(height)\">"
        svg += gridlines(x: left, width: width, top: 0, height: height - 20)
        for (i, u) in r.weakest.enumerated() {
            let y = i * rowHeight + 2
            let rate = u.figures.rate ?? 0
            svg += "<text x=\"0\" y=\"\(y + 14)\">\(escape(String(u.name.prefix(34))))</text>"
            svg +=
                "<rect x=\"\(left)\" y=\"\(y)\" width=\"\(Int(Double(width) * rate / 100))\" height=\"18\" "
                + "fill=\"\(levelColours[u.level] ?? "#888")\"/>"
            if let t = u.target {
                let tx = left + Int(Double(width) * t / 100)
                svg +=
                    "<line x1=\"\(tx)\" x2=\"\(tx)\" y1=\"\(y - 2)\" y2=\"\(y + 20)\" stroke=\"#b3261e\" "
                    + "stroke-width=\"2\"/>"
            }
            svg +=
                "<text x=\"\(left + width + 8)\" y=\"\(y + 14)\">\(CoverageTable.percent(rate))% "
                + "\(u.gap.map { "(" + CoverageTable.signed($0) + ")" } ?? "")</text>"
        }
        return svg + "</svg>"
    }

    static func table(_ t: CoverageTable) -> String {
        let numeric = Set([
            "issued", "classified", "eligible", "signed", "rate", "target", "gap", "units", "units_meeting_target",
            "rank", "rank_of",
        ])
        var s =
            "<table><thead><tr>"
            + t.header.map { numeric.contains($0) ? "<th>\(escape($0))</th>" : "<th class=\"text\">\(escape($0))</th>" }
            .joined() + "</tr></thead><tbody>"
        for row in t.rows {
            s +=
                "<tr>"
                + zip(t.header, row).map { h, v in
                    numeric.contains(h) ? "<td>\(escape(v))</td>" : "<td class=\"text\">\(escape(v))</td>"
                }.joined() + "</tr>"
        }
        return s + "</tbody></table>"
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }
}
