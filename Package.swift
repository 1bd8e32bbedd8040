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
        .library(name: "FixtureCheck", targets: ["FixtureCheck"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "5.0.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CCapstone", pkgConfig: "capstone", providers: [.apt(["libcapstone-dev"])]),
        .target(name: "X86IR", swiftSettings: strict),
        .target(name: "X86Decoder", dependencies: ["CCapstone", "X86IR"], swiftSettings: strict),
        .target(name: "Interpreter", dependencies: ["X86IR"], swiftSettings: strict + [.unsafeFlags(["-enforce-exclusivity=unchecked"])]),
        .target(name: "VirtualPMU", swiftSettings: strict),
        .target(
            name: "Emulator", dependencies: ["X86IR", "X86Decoder", "Interpreter", "VirtualPMU"],
            swiftSettings: strict),
        .target(
            name: "FixtureCheck", dependencies: ["Emulator", "X86Decoder", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict),
        .target(
            name: "VPMUCLI",
            dependencies: [
                "Emulator", "FixtureCheck", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),
        .executableTarget(name: "vpmu", dependencies: ["VPMUCLI"], swiftSettings: strict),
        .testTarget(name: "X86DecoderTests", dependencies: ["X86Decoder"]),
        .testTarget(name: "InterpreterTests", dependencies: ["Interpreter", "X86Decoder"]),
        .testTarget(name: "VirtualPMUTests", dependencies: ["VirtualPMU"]),
        .testTarget(name: "EmulatorTests", dependencies: ["Emulator"]),
        .testTarget(name: "VPMUCLITests", dependencies: ["VPMUCLI"]),
        .testTarget(name: "FixtureTests", dependencies: ["FixtureCheck", "VPMUCLI"]),
    ]
)
