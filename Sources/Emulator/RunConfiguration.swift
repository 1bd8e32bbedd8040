import VirtualPMU
import X86IR

/// PMU-event quirks of older KVM emulator paths (pmu-semantics.md §17; `--quirk`).
public enum Quirk: String, Sendable, CaseIterable {
    /// KVM's emulator counted ENTER and LEAVE as branches until Sept 2025.
    case enterLeaveBranch = "enter-leave-branch"
    /// KVM's emulator counts a REP string instruction once per 1024 iterations plus at completion.
    case rep1024 = "rep-1024"
    /// Guest legacy counter writes stored unmasked before v6.6 (handled by the PMU).
    case untruncatedLegacyWrite = "untruncated-legacy-write"
}

/// Instructions after which a batch also ends (`--exit-on`), like a real VM exit.
public enum ExitOn: String, Sendable, CaseIterable {
    case msr, cpuid, hlt
}

/// Everything `vpmu run` sets up: the machine, the PMU and the batching (cli.md Part A, B1–B3).
public struct RunConfiguration: Sendable {
    /// Initial general registers by number (RSP defaults to 0x800000, others to 0).
    public var registers: [Int: UInt64] = [:]
    /// Initial RFLAGS (bit 1 is forced to 1).
    public var rflags: UInt64 = RFlags.reserved1
    /// CR4 (only PCE, bit 8, may be set).
    public var cr4: UInt64 = 0
    /// Start at CPL 3 instead of 0.
    public var userMode = false
    /// `--max-instructions` (default 100,000,000).
    public var maxInstructions = 100_000_000
    /// `--exit-every`; nil = the whole run is one batch.
    public var exitEvery: Int? = nil
    public var exitOn: Set<ExitOn> = []
    public var quirks: Set<Quirk> = []
    public var pmu = PMUConfiguration()
    /// `--pmc` programs, in command-line order.
    public var counters: [PMCProgram] = []
    public var filter: EventFilter? = nil
    public var lvtpc: UInt64? = nil
    /// Cycle model, host cost, sampling and trace (HardwareOptions.swift).
    public var hardware = HardwareOptions()
    /// Lets a run go on past batch boundaries whose VM-Enter step can only fold events, and plays
    /// those steps afterwards (Interpreter+Crossing.swift). Results are the same either way; false
    /// makes every batch return to the batch loop (for tests that compare the two).
    public var crossesBatchBoundaries = true

    public init() {}

    /// Register names `--reg` accepts besides the general registers.
    public static let specialRegisterNames = ["rflags", "cr4"]

    /// Applies one `--reg NAME=VALUE` (cli.md B1).
    public mutating func setRegister(_ assignment: String) throws(InputError) {
        guard let equals = assignment.firstIndex(of: "=") else {
            throw .badOption("--reg '\(assignment)': expected NAME=VALUE")
        }
        let name = assignment[..<equals].lowercased()
        let text = String(assignment[assignment.index(after: equals)...])
        guard let value = parseInteger(text) else {
            throw .badOption("--reg '\(assignment)': '\(text)' is not a decimal or 0x hex value below 2^64")
        }
        if let number = generalRegisterNames.firstIndex(of: name) {
            registers[number] = value
        } else if name == "rflags" {
            let allowed = RFlags.status | RFlags.if | RFlags.df | RFlags.reserved1
            guard value & ~allowed == 0 else {
                throw .badOption(
                    "--reg '\(assignment)': rflags bits \(hex(value & ~allowed)) cannot be set (only CF PF AF ZF SF IF DF OF)")
            }
            rflags = value | RFlags.reserved1
        } else if name == "cr4" {
            guard value & ~0x100 == 0 else {
                throw .badOption("--reg '\(assignment)': only CR4.PCE (bit 8, 0x100) may be set")
            }
            cr4 = value
        } else if name == "rip" {
            throw .badOption("--reg '\(assignment)': rip is not settable (execution starts at 0x400000)")
        } else {
            throw .badOption("--reg '\(assignment)': unknown register '\(name)' (rax…r15, rflags, cr4)")
        }
    }
}

extension RunConfiguration {
    /// Programs gp0 to count instructions and gp1 branches on Intel (issue 8's two PMCs): the set-up
    /// of `vpmu bench` and of the Unicorn comparison.
    public mutating func countInstructionsAndBranches() throws(InputError) {
        do {
            counters = [
                try PMCProgram.parse("gp0=instructions", vendor: .intel),
                try PMCProgram.parse("gp1=branches", vendor: .intel),
            ]
        } catch {
            throw .badOption(error.description)
        }
    }
}
