extension Emulator {
    /// The `--sample` histogram next to the disassembly, the way `perf annotate` shows it: percent
    /// and sample count per instruction, blank for instructions without samples.
    public func profileText(_ result: RunResult, code: GuestCode) -> String {
        guard let profile = result.hardware.profile else { return "" }
        let total = profile.total
        let samples = Dictionary(profile.histogram.map { ($0.address, $0.samples) }, uniquingKeysWith: +)
        var lines = [
            " Samples: \(total) of event '\(profile.event)' every \(profile.period) (\(profile.counter))",
            "",
            "  Percent  Samples  Instruction",
        ]
        let disassembly = disassemble(code)
        for line in disassembly {
            let count = samples[line.address] ?? 0
            let percent = total == 0 ? "" : count == 0 ? "" : Self.percent(count, of: total)
            let countText = count == 0 ? "" : String(count)
            lines.append(Self.pad(percent, 9) + Self.pad(countText, 9) + "  " + line.rendered)
        }
        let outside = profile.histogram.filter { sample in !disassembly.contains { $0.address == sample.address } }
        for sample in outside {
            lines.append(
                Self.pad(Self.percent(sample.samples, of: total), 9) + Self.pad(String(sample.samples), 9)
                    + "  \(String(sample.address, radix: 16)):  (outside the code)")
        }
        return lines.joined(separator: "\n")
    }

    static func percent(_ count: Int, of total: Int) -> String {
        let basisPoints = (count * 10_000 + total / 2) / total
        let fraction = basisPoints % 100
        return "\(basisPoints / 100).\(fraction < 10 ? "0" : "")\(fraction)%"
    }

    static func pad(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
    }
}
