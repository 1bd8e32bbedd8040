import ArgumentParser
import Emulator
import VirtualPMU

/// `vpmu run`: execute a snippet and report retirements and the PMU (cli.md Part A, B1–B5).
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run guest code and count what it retires on the virtual PMU.")

    @OptionGroup var code: CodeSource

    @Flag(help: "Print exactly one JSON object (cli.md Part A).")
    var json = false

    @Option(name: .customLong("reg"), help: "Initial register NAME=VALUE (rax…r15, rflags, cr4); repeatable.")
    var registers: [String] = []

    @Option(help: "intel or amd.")
    var vendor = "intel"

    @Option(name: .customLong("exit-every"), help: "Instructions per batch (VM-exit); default: one batch.")
    var exitEvery: String?

    @Option(name: .customLong("pmc"), help: "NAME=EVENT[,start=VALUE][,int][,usr][,os]; repeatable.")
    var counters: [String] = []

    @Option(help: "emulated-counter (Linux >= 6.8) or prev-counter (6.2-6.7).")
    var model = "emulated-counter"

    @Option(name: .customLong("max-instructions"), help: "Stop after N retired instructions (default 100000000).")
    var maxInstructions: String?

    @Option(help: "Initial privilege level, 0 or 3.")
    var cpl = "0"

    @Option(name: .customLong("pmu-version"), help: "0 (no vPMU), 1 or 2.")
    var pmuVersion: String?

    @Option(name: .customLong("gp-counters"), help: "GP counters (Intel <= 8, AMD <= 6).")
    var gpCounters: String?

    @Option(name: .customLong("fixed-counters"), help: "Fixed counters (Intel <= 3).")
    var fixedCounters: String?

    @Flag(name: .customLong("no-full-width-writes"), help: "Hide PERF_CAPABILITIES.FW_WRITES.")
    var noFullWidthWrites = false

    @Option(help: "KVM event filter: allow|deny,EV:UM,...,fixed=BITMAP.")
    var filter: String?

    @Option(help: "Initial x2APIC LVTPC value (default 0x400).")
    var lvtpc: String?

    @Option(name: .customLong("host-strategy"), help: "reuse or recreate (host statistics only).")
    var hostStrategy = "reuse"

    @Option(name: .customLong("exit-on"), help: "Also end a batch after: msr,cpuid,hlt.")
    var exitOn: String?

    @Option(help: "enter-leave-branch,rep-1024,untruncated-legacy-write.")
    var quirk: String?

    @OptionGroup var hardware: HardwareFlags

    /// Builds the run configuration from the options; every malformed value is an ``InputError``.
    func makeConfiguration() throws(InputError) -> RunConfiguration {
        var configuration = RunConfiguration()
        for assignment in registers { try configuration.setRegister(assignment) }
        guard let vendor = Vendor(rawValue: vendor) else {
            throw .badOption("--vendor '\(vendor)': expected intel or amd")
        }
        configuration.pmu.vendor = vendor
        guard let model = OverflowModel(rawValue: model) else {
            throw .badOption("--model '\(model)': expected emulated-counter or prev-counter")
        }
        configuration.pmu.model = model
        guard let strategy = HostStrategy(rawValue: hostStrategy) else {
            throw .badOption("--host-strategy '\(hostStrategy)': expected reuse or recreate")
        }
        configuration.pmu.hostStrategy = strategy
        switch cpl {
        case "0": configuration.userMode = false
        case "3": configuration.userMode = true
        default: throw .badOption("--cpl '\(cpl)': expected 0 or 3")
        }
        if let text = exitEvery { configuration.exitEvery = try Self.count(text, option: "--exit-every", range: 1...Int.max) }
        if let text = maxInstructions {
            configuration.maxInstructions = try Self.count(text, option: "--max-instructions", range: 1...Int.max)
        }
        if let text = pmuVersion { configuration.pmu.version = try Self.count(text, option: "--pmu-version", range: 0...2) }
        if let text = gpCounters { configuration.pmu.gpCounters = try Self.count(text, option: "--gp-counters", range: 0...8) }
        if let text = fixedCounters {
            configuration.pmu.fixedCounters = try Self.count(text, option: "--fixed-counters", range: 0...3)
        }
        configuration.pmu.fullWidthWrites = !noFullWidthWrites
        if let text = lvtpc {
            guard let value = parseInteger(text) else { throw .badOption("--lvtpc '\(text)': not a decimal or 0x hex value") }
            configuration.lvtpc = value
        }
        if let text = exitOn {
            for name in text.split(separator: ",", omittingEmptySubsequences: false) {
                guard let item = ExitOn(rawValue: String(name)) else {
                    throw .badOption("--exit-on '\(text)': unknown '\(name)' (msr, cpuid, hlt)")
                }
                configuration.exitOn.insert(item)
            }
        }
        if let text = quirk {
            for name in text.split(separator: ",", omittingEmptySubsequences: false) {
                guard let item = Quirk(rawValue: String(name)) else {
                    throw .badOption(
                        "--quirk '\(text)': unknown '\(name)' (enter-leave-branch, rep-1024, untruncated-legacy-write)")
                }
                configuration.quirks.insert(item)
            }
        }
        do {
            configuration.counters = try counters.map { spec throws(PMUSetupError) in
                try PMCProgram.parse(spec, vendor: vendor)
            }
            if let text = filter { configuration.filter = try EventFilter.parse(text, vendor: vendor) }
        } catch {
            throw .badOption(error.description)
        }
        try hardware.apply(to: &configuration)
        return configuration
    }

    /// Parses a decimal count within `range`, naming the option on failure.
    static func count(_ text: String, option: String, range: ClosedRange<Int>) throws(InputError) -> Int {
        guard let value = parseInteger(text), value <= UInt64(Int.max), range.contains(Int(value)) else {
            let upper = range.upperBound == Int.max ? " or more" : "…\(range.upperBound)"
            throw .badOption("\(option) '\(text)': expected an integer \(range.lowerBound)\(upper)")
        }
        return Int(value)
    }

    mutating func execute() throws(InputError) -> String {
        let guest = try code.load()
        let configuration = try makeConfiguration()
        defer { hardware.finishTrace(configuration) }  // also after an unsupported instruction
        let emulator = try Emulator()
        let result = try emulator.run(guest, configuration: configuration)
        if json { return result.json.rendered() }
        return result.summary + (result.hardware.profile == nil ? "" : "\n\n" + emulator.profileText(result, code: guest))
    }
}
