import X86IR

extension RunResult {
    /// Cycles, IPC and the host perf-event block of the human summary (cli.md B5, cycle-model.md §5.2).
    var hardwareLines: [String] {
        var lines: [String] = []
        lines.append(Self.hardwareColumn(String(hardware.cycles)) + "      cycles")
        lines.append(Self.hardwareColumn(String(hardware.refCycles)) + "      ref-cycles")
        if hardware.cycles > 0 {
            let ipc = Double(instructions) / Double(hardware.cycles)
            lines.append(Self.hardwareColumn(Self.twoDecimals(ipc)) + "      insn per cycle")
        }
        lines.append("")
        lines.append(" host perf events (\(hardware.hostStrategy.rawValue)):")
        lines.append(Self.hardwareColumn(String(host.reprograms)) + "      reprograms")
        lines.append(Self.hardwareColumn(String(host.perfEventsCreated)) + "      perf events created")
        lines.append(Self.hardwareColumn(String(host.perfEventsReused)) + "      perf events reused")
        lines.append(Self.hardwareColumn(String(host.perfEventsReleased)) + "      perf events released")
        if let estimate = hardware.hostEstimatedNanoseconds {
            lines.append(Self.hardwareColumn(String(estimate)) + "      ns estimated host cost")
        }
        return lines
    }

    static func hardwareColumn(_ text: String) -> String {
        String(repeating: " ", count: max(0, 22 - text.count)) + text
    }

    /// `x.yy` without Foundation's formatter.
    static func twoDecimals(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
