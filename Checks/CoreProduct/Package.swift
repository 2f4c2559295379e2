// swift-tools-version:6.1
import PackageDescription

// Proves that the ESignSigning product (Core/) stands alone: a service that only signs and verifies
// depends on it and links no server or database package (.ci/run builds this and checks the
// dependency graph for Hummingbird, PostgresNIO and GRDB).
let package = Package(
    name: "core-product-check",
    platforms: [.macOS(.v13)],
    dependencies: [.package(path: "../../Core")],
    targets: [
        .executableTarget(
            name: "SignWithCore",
            dependencies: [.product(name: "ESignSigning", package: "Core")]
        )
    ]
)
