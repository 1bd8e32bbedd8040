// swift-tools-version: 6.2
import PackageDescription

// CI sets VPMU_WERROR so warnings fail the build there; locally they stay warnings.
let strict: [SwiftSetting] = Context.environment["VPMU_WERROR"] != nil ? [.treatAllWarnings(as: .error)] : []
// The execution path (interpreter, PMU, batch loop) keeps its state in class instances; Swift's
// dynamic exclusivity checks on them cost half of all instructions in callgrind. Static checks stay.
// Cross-module optimisation lets the batch loop inline the interpreter's and PMU's small accessors
// (1–2 % of host instructions per guest instruction at --exit-every 256).
let hotPath: [SwiftSetting] = strict + [.unsafeFlags(["-enforce-exclusivity=unchecked", "-cross-module-optimization"])]

// With `-static-stdlib` the link takes Foundation from lib/swift_static, but the modules were
// compiled against the shared Foundation, whose module files do not name the archives behind it
// (SwiftPM's --static-swift-stdlib recompiles everything instead). So they are listed here, each
// before the archives it needs, as a linker that reads archives once, left to right, requires.
// The executable links with the toolchain's lld: gold printed glibc's link-time warning about the
// mktemp in Foundation's archive on every build.
let staticFoundation: [LinkerSetting] = [
    "Foundation", "FoundationInternationalization", "FoundationEssentials", "_FoundationCollections", "CoreFoundation",
    "_FoundationICU", "_FoundationCShims", "swiftSynchronization", "swiftDispatch", "dispatch", "BlocksRuntime",
].map { .linkedLibrary($0) }

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
        .target(name: "Interpreter", dependencies: ["X86IR"], swiftSettings: hotPath),
        .target(name: "VirtualPMU", swiftSettings: hotPath),
        .target(name: "CycleModel", dependencies: ["X86IR"], swiftSettings: strict),
        .target(
            name: "Emulator", dependencies: ["X86IR", "X86Decoder", "Interpreter", "VirtualPMU", "CycleModel"],
            swiftSettings: hotPath),
        // Unicorn for `vpmu bench`, loaded with dlopen at run time: the product never links it.
        .target(name: "CUnicornRuntime", linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "VPMUBench", dependencies: ["Emulator", "VirtualPMU", "X86IR", "CUnicornRuntime"], swiftSettings: strict),
        .target(
            name: "FixtureCheck", dependencies: ["Emulator", "X86Decoder", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict),
        .target(
            name: "VPMUCLI",
            dependencies: [
                "Emulator", "FixtureCheck", "VPMUBench", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),
        // The Swift runtime and Foundation linked in: loading them as ~20 shared libraries cost
        // more than half of a short run's start-up (the loader's relocations, 15 M of 38 M host
        // instructions in callgrind), against the ≤ 20 ms cold-start target (README, issue 8).
        .executableTarget(
            name: "vpmu", dependencies: ["VPMUCLI"], swiftSettings: strict,
            linkerSettings: [.unsafeFlags(["-static-stdlib", "-use-ld=lld"])] + staticFoundation),
        // Differential testing against Unicorn: tests and the vpmu-difftest developer tool only.
        .systemLibrary(name: "CUnicorn", pkgConfig: "unicorn", providers: [.apt(["libunicorn-dev"])]),
        .target(
            name: "DifferentialTesting", dependencies: ["Emulator", "Interpreter", "X86IR", "CUnicorn", "TestSupport"],
            swiftSettings: strict),
        .executableTarget(name: "vpmu-difftest", dependencies: ["DifferentialTesting"], swiftSettings: strict),
        .testTarget(name: "X86DecoderTests", dependencies: ["X86Decoder"]),
        // Seeded generators shared by the tests and vpmu-difftest.
        .target(name: "TestSupport", swiftSettings: strict),
        .testTarget(name: "InterpreterTests", dependencies: ["Interpreter", "X86Decoder", "TestSupport"]),
        .testTarget(name: "VirtualPMUTests", dependencies: ["VirtualPMU", "TestSupport"]),
        .testTarget(name: "CycleModelTests", dependencies: ["CycleModel"]),
        .testTarget(name: "EmulatorTests", dependencies: ["Emulator", "TestSupport"]),
        .testTarget(name: "VPMUCLITests", dependencies: ["VPMUCLI"]),
        .testTarget(name: "VPMUBenchTests", dependencies: ["VPMUBench", "Emulator"]),
        .testTarget(name: "FixtureTests", dependencies: ["FixtureCheck", "VPMUCLI"]),
        .testTarget(name: "DifferentialTests", dependencies: ["DifferentialTesting"]),
    ]
)
