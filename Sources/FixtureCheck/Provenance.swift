import Emulator
import X86Decoder

/// Names the instructions behind a count: re-runs the case stopping after 0, 1, 2 … retirements
/// (`--max-instructions k`) and takes each step's change of the count.
///
/// A stop after k retirements runs exactly the first k instructions of the full run, batches
/// included, so the change from k − 1 to k is the events instruction k produced on that count
/// (reads include pending emulated events, pmu-semantics.md §2). This costs k runs of up to k
/// instructions, so it only runs for a failing fixture and only over the first `limit`
/// retirements; past that, a bisection finds where the count first exceeds the expected value.
struct Provenance {
    let code: GuestCode
    let configuration: RunConfiguration
    let emulator: Emulator
    let limit: Int

    /// Counter values are 48-bit; a guest write can move them backwards, which shows as a wrap.
    private static let counterMask: UInt64 = (1 << 48) - 1

    /// The count at `path` and the RIP after stopping at `retirements`; nil if the run fails.
    private func sample(_ path: [PathStep], after retirements: Int) -> (count: UInt64, rip: UInt64)? {
        var limited = configuration
        limited.maxInstructions = retirements
        guard let result = try? emulator.run(code, configuration: limited),
            case .integer(let count)? = result.json.value(at: path).map(Value.init(json:))
        else { return nil }
        return (count, result.rip)
    }

    func explain(path: [PathStep], name: String, expected: UInt64, instructions: UInt64) -> [String] {
        let total = Int(min(instructions, UInt64(Int.max)))
        let traced = min(total, limit)
        guard var previous = sample(path, after: 0) else { return [] }
        let isCounter = path.first == .key("pmu")
        var order: [UInt64] = []
        var tally: [UInt64: (retired: Int, events: UInt64)] = [:]
        var crossing: (index: Int, address: UInt64)? = nil
        for k in stride(from: 1, through: traced, by: 1) {
            guard let now = sample(path, after: k) else { break }
            let address = previous.rip
            var delta = now.count &- previous.count
            if isCounter { delta &= Self.counterMask }
            if tally[address] == nil { order.append(address) }
            tally[address, default: (0, 0)].retired += 1
            tally[address, default: (0, 0)].events &+= delta
            if crossing == nil, now.count > expected, previous.count <= expected { crossing = (k, address) }
            previous = now
        }
        var lines: [String] = []
        let counted = order.filter { tally[$0]?.events ?? 0 > 0 }
        let shown = counted.prefix(8).map { "\(describe($0)) ×\(tally[$0]?.events ?? 0)" }
        let scope = traced < total ? " (first \(traced) of \(total) retirements)" : ""
        lines.append(
            "\(name) events by instruction\(scope): " + (shown.isEmpty ? "none" : shown.joined(separator: ", "))
                + (counted.count > 8 ? ", …" : ""))
        let silent = order.filter { tally[$0]?.events ?? 0 == 0 }
        if !silent.isEmpty, path != [.key("instructions")] {
            let text = silent.prefix(6).map { "\(describe($0)) ×\(tally[$0]?.retired ?? 0)" }
            lines.append(
                "retired without a \(name) event: " + text.joined(separator: ", ") + (silent.count > 6 ? ", …" : ""))
        }
        if crossing == nil, traced < total { crossing = bisect(path, expected: expected, above: traced, total: total) }
        if let crossing {
            lines.append(
                "\(name) passes the expected \(expected) at retirement #\(crossing.index): \(describe(crossing.address))"
            )
        }
        return lines
    }

    /// First k in (low, total] whose count exceeds `expected`, assuming the count only grows.
    private func bisect(_ path: [PathStep], expected: UInt64, above low: Int, total: Int) -> (
        index: Int, address: UInt64
    )? {
        guard let last = sample(path, after: total), last.count > expected else { return nil }
        var low = low
        var high = total
        while high - low > 1 {
            let middle = low + (high - low) / 2
            guard let value = sample(path, after: middle) else { return nil }
            if value.count > expected { high = middle } else { low = middle }
        }
        guard let before = sample(path, after: high - 1) else { return nil }
        return (high, before.rip)
    }

    /// `0x400005 loop 0x400005`, disassembled from the fixture's bytes.
    private func describe(_ address: UInt64) -> String {
        let offset = address &- Emulator.codeBase
        guard offset < UInt64(code.bytes.count) else { return hex(address) }
        let start = Int(offset)
        let window =
            Array(code.bytes[start...].prefix(X86Decoder.maximumLength))
            + [UInt8](repeating: 0, count: X86Decoder.maximumLength)
        let decoded = window.withUnsafeBytes { emulator.decoder.disassemble($0, at: address) }
        return "\(hex(address)) \(decoded.text.isEmpty ? decoded.mnemonic : decoded.text)"
    }
}
