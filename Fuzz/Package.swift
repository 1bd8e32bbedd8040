// swift-tools-version: 6.2
// libFuzzer entry over raw code bytes plus PMU setup. Built separately so the main package never
// links libFuzzer (docs/correctness.md):
//   cd Fuzz && swift build -c release -Xswiftc -sanitize=fuzzer
//   .build/release/vpmu-fuzz -runs=1000000 -max_len=256 corpus/
import PackageDescription

let package = Package(
    name: "vpmu-fuzz",
    dependencies: [.package(name: "vpmu", path: "..")],
    targets: [
        .executableTarget(
            name: "vpmu-fuzz",
            dependencies: [.product(name: "Emulator", package: "vpmu"), .product(name: "VirtualPMU", package: "vpmu")])
    ]
)
