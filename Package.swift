// swift-tools-version: 6.2
import PackageDescription

// CI sets VPMU_WERROR so warnings fail the build there; locally they stay warnings.
let strict: [SwiftSetting] = Context.environment["VPMU_WERROR"] != nil ? [.treatAllWarnings(as: .error)] : []

let package = Package(
    name: "vpmu",
    products: [
        .executable(name: "vpmu", targets: ["vpmu"]),
        .library(name: "Emulator", targets: ["Emulator"]),
        .library(name: "VirtualPMU", targets: ["VirtualPMU"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
    ],
    targets: [
        .systemLibrary(
            name: "CCapstone", pkgConfig: "capstone", providers: [.apt(["libcapstone-dev"])]),
        .target(name: "X86IR", swiftSettings: strict),
        .target(name: "X86Decoder", dependencies: ["CCapstone", "X86IR"], swiftSettings: strict),
        .target(name: "Interpreter", dependencies: ["X86IR"], swiftSettings: strict),
        .target(name: "VirtualPMU", swiftSettings: strict),
        .target(
            name: "Emulator", dependencies: ["X86IR", "X86Decoder", "Interpreter", "VirtualPMU"],
            swiftSettings: strict),
        .target(
            name: "VPMUCLI",
            dependencies: ["Emulator", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict),
        .executableTarget(name: "vpmu", dependencies: ["VPMUCLI"], swiftSettings: strict),
        // Differential testing against Unicorn: tests and the vpmu-difftest developer tool only.
        .systemLibrary(name: "CUnicorn", pkgConfig: "unicorn", providers: [.apt(["libunicorn-dev"])]),
        .target(
            name: "DifferentialTesting", dependencies: ["Emulator", "Interpreter", "X86IR", "CUnicorn"],
            swiftSettings: strict),
        .executableTarget(name: "vpmu-difftest", dependencies: ["DifferentialTesting"], swiftSettings: strict),
        .testTarget(name: "X86DecoderTests", dependencies: ["X86Decoder"]),
        .testTarget(name: "InterpreterTests", dependencies: ["Interpreter", "X86Decoder"]),
        .testTarget(name: "VirtualPMUTests", dependencies: ["VirtualPMU"]),
        .testTarget(name: "EmulatorTests", dependencies: ["Emulator"]),
        .testTarget(name: "VPMUCLITests", dependencies: ["VPMUCLI"]),
        .testTarget(name: "DifferentialTests", dependencies: ["DifferentialTesting"]),
    ]
)
