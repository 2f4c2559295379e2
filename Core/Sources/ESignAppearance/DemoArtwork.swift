import Foundation

/// Generated stand-ins for the images Decree 30/2020 appearances use: an agency seal (red rings and
/// a star on a transparent background) and an official's handwritten signature (a blue stroke).
/// Real deployments scan the real ones; esign never ships or imitates a real seal.
public enum DemoArtwork {
    /// A round seal, `size` pixels across. `seed` varies the ring's marks so that units differ.
    public static func seal(size: Int = 420, seed: Int = 0) -> PNGImage {
        var canvas = Canvas(width: size, height: size)
        let c = Double(size) / 2
        let r = c - 3
        canvas.ring(cx: c, cy: c, radius: r - size.d * 0.02, thickness: size.d * 0.035)
        canvas.ring(cx: c, cy: c, radius: r * 0.70, thickness: size.d * 0.012)
        // Marks around the band where a real seal has the agency's name.
        let marks = 28 + seed % 7
        for i in 0..<marks {
            let a = Double(i) / Double(marks) * 2 * .pi
            canvas.disc(
                cx: c + cos(a) * r * 0.84, cy: c + sin(a) * r * 0.84, radius: size.d * (i % 3 == 0 ? 0.018 : 0.011))
        }
        // A five-pointed star in the centre.
        let outer = r * 0.38
        let inner = outer * 0.382
        let points = (0..<10).map { k -> (Double, Double) in
            let a = -Double.pi / 2 + Double(k) * .pi / 5
            let radius = k % 2 == 0 ? outer : inner
            return (c + cos(a) * radius, c + sin(a) * radius)
        }
        canvas.polygon(points)
        return canvas.image(r: 218, g: 24, b: 24)
    }

    /// A handwritten-looking signature stroke, `width` × `height` pixels.
    public static func signature(width: Int = 480, height: Int = 200, seed: Int = 0) -> PNGImage {
        var canvas = Canvas(width: width, height: height)
        let w = Double(width)
        let h = Double(height)
        let phase = Double(seed % 5) * 0.4
        var previous: (Double, Double)?
        for step in 0...1400 {
            let t = Double(step) / 1400
            let x = w * (0.06 + 0.84 * t) + sin(t * 9 * .pi + phase) * w * 0.045
            let y =
                h * (0.55 + 0.25 * sin(t * 5.3 * .pi + phase) * (1 - t * 0.6) - 0.18 * t) + cos(t * 13 * .pi) * h * 0.06
            if let (px, py) = previous { canvas.line(px, py, x, y, radius: 3.2 + 1.6 * sin(t * .pi)) }
            previous = (x, y)
        }
        // The final flourish underneath.
        canvas.line(w * 0.18, h * 0.82, w * 0.88, h * 0.74, radius: 2.4)
        return canvas.image(r: 20, g: 48, b: 170)
    }

    /// Coverage (0…1) per pixel, painted with anti-aliased shapes.
    struct Canvas {
        let width: Int, height: Int
        var coverage: [Double]
        init(width: Int, height: Int) {
            self.width = width
            self.height = height
            coverage = .init(repeating: 0, count: width * height)
        }

        mutating func plot(_ x: Int, _ y: Int, _ value: Double) {
            guard x >= 0, y >= 0, x < width, y < height else { return }
            coverage[y * width + x] = max(coverage[y * width + x], min(1, max(0, value)))
        }

        mutating func ring(cx: Double, cy: Double, radius: Double, thickness: Double) {
            let outer = radius + thickness / 2
            let inner = radius - thickness / 2
            for y in Int(cy - outer - 2)...Int(cy + outer + 2) {
                for x in Int(cx - outer - 2)...Int(cx + outer + 2) {
                    let d =
                        ((Double(x) + 0.5 - cx) * (Double(x) + 0.5 - cx) + (Double(y) + 0.5 - cy)
                            * (Double(y) + 0.5 - cy))
                        .squareRoot()
                    plot(x, y, min(outer - d + 0.5, d - inner + 0.5))
                }
            }
        }

        mutating func disc(cx: Double, cy: Double, radius: Double) {
            for y in Int(cy - radius - 2)...Int(cy + radius + 2) {
                for x in Int(cx - radius - 2)...Int(cx + radius + 2) {
                    let d =
                        ((Double(x) + 0.5 - cx) * (Double(x) + 0.5 - cx) + (Double(y) + 0.5 - cy)
                            * (Double(y) + 0.5 - cy))
                        .squareRoot()
                    plot(x, y, radius - d + 0.5)
                }
            }
        }

        mutating func line(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, radius: Double) {
            let steps = max(1, Int(((x1 - x0) * (x1 - x0) + (y1 - y0) * (y1 - y0)).squareRoot() / 0.7))
            for s in 0...steps {
                let t = Double(s) / Double(steps)
                disc(cx: x0 + (x1 - x0) * t, cy: y0 + (y1 - y0) * t, radius: radius)
            }
        }

        /// Fills a polygon (even-odd), supersampled 4×4 per pixel for smooth edges.
        mutating func polygon(_ points: [(Double, Double)]) {
            let minY = Int(points.map(\.1).min()!) - 1
            let maxY = Int(points.map(\.1).max()!) + 1
            let minX = Int(points.map(\.0).min()!) - 1
            let maxX = Int(points.map(\.0).max()!) + 1
            for y in minY...maxY {
                for x in minX...maxX {
                    var inside = 0
                    for sy in 0..<4 {
                        for sx in 0..<4 {
                            let px = Double(x) + (Double(sx) + 0.5) / 4
                            let py = Double(y) + (Double(sy) + 0.5) / 4
                            var crossing = false
                            var j = points.count - 1
                            for i in points.indices {
                                let (xi, yi) = points[i]
                                let (xj, yj) = points[j]
                                if (yi > py) != (yj > py), px < (xj - xi) * (py - yi) / (yj - yi) + xi {
                                    crossing.toggle()
                                }
                                j = i
                            }
                            if crossing { inside += 1 }
                        }
                    }
                    plot(x, y, Double(inside) / 16)
                }
            }
        }

        func image(r: UInt8, g: UInt8, b: UInt8) -> PNGImage {
            var rgb = [UInt8](repeating: 0, count: width * height * 3)
            for p in 0..<(width * height) {
                rgb[3 * p] = r
                rgb[3 * p + 1] = g
                rgb[3 * p + 2] = b
            }
            return PNGImage(width: width, height: height, rgb: rgb, alpha: coverage.map { UInt8(($0 * 255).rounded()) })
        }
    }
}

private extension Int { var d: Double { Double(self) } }
