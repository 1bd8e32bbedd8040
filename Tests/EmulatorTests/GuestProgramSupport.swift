import Emulator
import Foundation
import Testing
import VirtualPMU

/// Runs guest programs for the PMI-delivery, cycle-model and host-strategy tests.
///
/// Programs with an IDT live in Fixtures/programs/*.hex (bytes plus objdump disassembly, built from
/// the .s files beside them with GNU as --64 and objcopy -O binary); short snippets are inline hex.
enum GuestProgram {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Fixtures/programs").standardized.path

    static func load(_ name: String) throws -> GuestCode {
        try GuestCode.load(path: directory + "/" + name + ".hex")
    }

    /// The `vpmu run` options these tests use, in the same words.
    struct Options {
        var vendor = Vendor.intel
        var exitEvery: Int? = nil
        var pmcs: [String] = []
        var registers: [String] = []
        var exitOn: Set<ExitOn> = []
        var strategy = HostStrategy.reuse
        var hardware = HardwareOptions()
        var maxInstructions: Int? = nil
        var model = OverflowModel.emulatedCounter
        var crossesBatchBoundaries = true
    }

    static func run(_ code: GuestCode, _ options: Options) throws -> RunResult {
        var configuration = RunConfiguration()
        configuration.pmu.vendor = options.vendor
        configuration.pmu.hostStrategy = options.strategy
        configuration.pmu.model = options.model
        configuration.crossesBatchBoundaries = options.crossesBatchBoundaries
        configuration.exitEvery = options.exitEvery
        configuration.exitOn = options.exitOn
        configuration.hardware = options.hardware
        if let limit = options.maxInstructions { configuration.maxInstructions = limit }
        for assignment in options.registers { try configuration.setRegister(assignment) }
        configuration.counters = try options.pmcs.map { try PMCProgram.parse($0, vendor: options.vendor) }
        return try Emulator().run(code, configuration: configuration)
    }

    static func run(hex: String, _ options: Options) throws -> RunResult {
        try run(try GuestCode.parseHex(hex), options)
    }

    static func register(_ result: RunResult, _ name: String) -> UInt64 {
        result.registers[ISA.index(name)]
    }

    static func counter(_ result: RunResult, _ name: String) -> CounterReport? {
        result.counters.first { $0.name == name }
    }
}
