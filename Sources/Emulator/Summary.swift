import X86IR

extension RunResult {
    /// The `perf stat`-style summary printed without `--json` (cli.md B5).
    public var summary: String {
        var lines: [String] = []
        var setting = "\(vendor.rawValue), \(model.rawValue)"
        if let exitEvery { setting += ", exit every \(exitEvery)" }
        lines.append(" Performance counter stats for '\(origin)' (\(setting)):")
        lines.append("")
        for counter in counters where namedCounters.contains(counter.name) || counter.isProgrammed {
            var line = Self.column(String(counter.value)) + "      \(counter.name)  \(counter.event ?? "-")"
            if counter.overflows > 0 { line += "  (\(counter.overflows) overflow\(counter.overflows == 1 ? "" : "s"))" }
            lines.append(line)
        }
        lines.append(Self.column(hex(globalStatus)) + "      global_status")
        var pmiLine = Self.column(String(pmisAccepted)) + "      PMIs"
        if pmisAccepted > pmis.count { pmiLine += " (the first \(pmis.count) recorded)" }
        if pmisSuppressed > 0 { pmiLine += " (\(pmisSuppressed) suppressed by a masked LVTPC)" }
        lines.append(pmiLine)
        lines.append("")
        lines.append(Self.column(String(instructions)) + "      instructions retired")
        lines.append(Self.column(String(branches)) + "      branches retired")
        lines.append(Self.column(String(exits)) + "      VM exits")
        lines.append(contentsOf: hardwareLines)
        if let fault {
            var text = " stop: fault \(fault.exception) at \(hex(stopRIP))"
            if let mnemonic = fault.mnemonic { text += " (\(mnemonic))" }
            if let code = fault.errorCode { text += ", error code \(hex(code))" }
            if let cr2 = fault.cr2 { text += ", cr2 \(hex(cr2))" }
            lines.append(text)
        } else {
            lines.append(" stop: \(stop.rawValue) at \(hex(stopRIP))")
        }
        // Registers the run changed, then RFLAGS (always shown: its flags are the usual question).
        lines.append("")
        lines.append(" registers changed, and rflags:")
        for number in registers.indices where registers[number] != initialRegisters[number] {
            lines.append("   \(generalRegisterNames[number].padding(toLength: 6))\(hex(registers[number]))")
        }
        lines.append("   \("rflags".padding(toLength: 6))\(hex(rflags))")
        return lines.joined(separator: "\n")
    }

    private static func column(_ text: String) -> String {
        String(repeating: " ", count: max(0, 22 - text.count)) + text
    }
}

extension String {
    fileprivate func padding(toLength length: Int) -> String {
        count >= length ? self + " " : self + String(repeating: " ", count: length - count)
    }
}
