import Foundation
import Interpreter
import VirtualPMU
import X86Decoder

/// `--trace FILE`: one JSON object per retired instruction and per VM-Enter step (JSON Lines), or
/// the same events as a Chrome trace (`--trace-format chrome`) that Perfetto opens.
///
/// Tracing single-steps the interpreter (budget 1), so the untraced run keeps its fast path; the
/// cost shown for an instruction is what the cycle model charged for it. Events are streamed to the
/// file in 64 KiB chunks, so a long run's trace never has to fit in memory.
///
/// `@unchecked Sendable` so a `RunConfiguration` can carry it: one recorder serves one run on one
/// thread, which is how the CLI and the tests use it.
public final class TraceRecorder: @unchecked Sendable {
    public enum Format: String, Sendable, CaseIterable {
        case jsonl, chrome
    }

    public let format: Format
    /// The trace file, or nil to keep the text in memory (tests).
    private let file: FileHandle?
    /// Text not yet written (all of it without a file).
    private var pending = ""
    private var eventCount = 0
    private var texts: [UInt64: String] = [:]
    /// Instructions retired and core cycles charged so far (the Chrome trace's clock is instructions).
    private var retiredSoFar: UInt64 = 0
    private var batchStart: UInt64 = 0

    /// A recorder that keeps the trace in memory; read it with ``rendered()``.
    public init(format: Format) {
        self.format = format
        file = nil
        start()
    }

    /// A recorder that streams to `path` (created or truncated); call ``finish()`` after the run.
    ///
    /// - Throws: ``InputError`` when the file cannot be created.
    public init(format: Format, path: String) throws(InputError) {
        self.format = format
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else { throw .badFile("--trace '\(path)': cannot create the file") }
        file = handle
        start()
    }

    private func start() {
        if format == .chrome { pending = "{\"traceEvents\":[\n" }
    }

    /// Appends one event line, flushing to the file in chunks.
    private func append(_ line: String) {
        switch format {
        case .jsonl: pending += line + "\n"
        case .chrome: pending += (eventCount == 0 ? "" : ",\n") + line
        }
        eventCount += 1
        if let file, pending.utf8.count >= 1 << 16 {
            file.write(Data(pending.utf8))
            pending = ""
        }
    }

    /// Completes the file (the Chrome trace's closing bracket) and closes it.
    public func finish() {
        if format == .chrome { pending += "\n]}\n" }
        guard let file else { return }
        file.write(Data(pending.utf8))
        pending = ""
        try? file.close()
    }

    /// Counter values before the instruction or step being traced.
    func snapshot(_ pmu: PMU) -> [UInt64] { pmu.counterValues() }

    /// Records the instruction(s) a single-stepped run retired.
    func recordInstruction(
        at address: UInt64, cycles: UInt64, branch: Bool, before: [UInt64], interpreter: Interpreter, pmu: PMU,
        decoder: X86Decoder
    ) {
        retiredSoFar += 1
        let after = pmu.counterValues()
        let names = pmu.counterNames
        let touched = after.indices.filter { $0 < before.count && after[$0] != before[$0] }
        let text = texts[address] ?? disassemble(at: address, interpreter: interpreter, decoder: decoder)
        texts[address] = text
        var raised = [JSON.string("instructions")]
        if branch { raised.append(.string("branches")) }
        switch format {
        case .jsonl:
            append(
                JSON.object([
                    ("type", .string("instruction")), ("address", .string(hex(address))), ("text", .string(text)),
                    ("cycles", .integer(cycles)), ("events", .array(raised)),
                    ("counters", .object(touched.map { (names[$0], JSON.integer(after[$0])) })),
                ]).compact)
        case .chrome:
            if !touched.isEmpty {
                append(
                    JSON.object([
                        ("name", .string("counters")), ("ph", .string("C")), ("ts", .integer(retiredSoFar)),
                        ("pid", .integer(1)), ("tid", .integer(1)),
                        ("args", .object(touched.map { (names[$0], JSON.integer(after[$0])) })),
                    ]).compact)
            }
        }
    }

    /// Records one VM-Enter step: what it folded, the overflows it reported and the PMI it accepted.
    func recordStep(
        _ step: Int, pending: [(emulated: UInt64, hardware: UInt64)], overflowsBefore: [Int], pmisBefore: Int,
        pmu: PMU, rip: UInt64
    ) {
        let names = pmu.counterNames
        let folds = pending.indices.filter { pending[$0].emulated != 0 || pending[$0].hardware != 0 }
        let overflows = pmu.overflowCounts()
        let overflowed = overflows.indices.filter { $0 < overflowsBefore.count && overflows[$0] != overflowsBefore[$0] }
        let pmis = pmu.pmis.count > pmisBefore ? Array(pmu.pmis[pmisBefore...]) : []
        switch format {
        case .jsonl:
            append(
                JSON.object([
                    ("type", .string("step")), ("step", .signed(step)), ("after_instructions", .integer(retiredSoFar)),
                    ("rip", .string(hex(rip))),
                    (
                        "folds",
                        .object(
                            folds.map {
                                (names[$0], .object([
                                    ("emulated", .integer(pending[$0].emulated)),
                                    ("hardware", .integer(pending[$0].hardware)),
                                ]))
                            })
                    ),
                    ("overflows", .array(overflowed.map { .string(names[$0]) })),
                    ("pmis", .array(pmis.map { .string("\($0.mode) vector \($0.vector)") })),
                    ("global_status", .string(hex(pmu.globalStatus))),
                ]).compact)
        case .chrome:
            if step > 0 {
                append(
                    JSON.object([
                        ("name", .string("batch \(step)")), ("ph", .string("X")), ("ts", .integer(batchStart)),
                        ("dur", .integer(retiredSoFar - batchStart)), ("pid", .integer(1)), ("tid", .integer(1)),
                    ]).compact)
            }
            batchStart = retiredSoFar
            for pmi in pmis {
                append(
                    JSON.object([
                        ("name", .string("PMI (\(pmi.sources.joined(separator: ", ")))")), ("ph", .string("i")),
                        ("ts", .integer(retiredSoFar)), ("s", .string("g")), ("pid", .integer(1)), ("tid", .integer(1)),
                    ]).compact)
            }
        }
    }

    /// The whole trace of an in-memory recorder, as the file would hold it.
    public func rendered() -> String {
        format == .chrome ? pending + "\n]}\n" : pending
    }

    private func disassemble(at address: UInt64, interpreter: Interpreter, decoder: X86Decoder) -> String {
        guard let bytes = interpreter.memory.read(address, count: 1), !bytes.isEmpty else { return "?" }
        var window: [UInt8] = []
        var cursor = address
        while window.count < X86Decoder.maximumLength, let byte = interpreter.memory.read(cursor, count: 1) {
            window += byte
            cursor &+= 1
        }
        return window.withUnsafeBytes { decoder.disassemble($0, at: address).text }
    }
}

extension JSON {
    /// One-line rendering (for JSON Lines and trace events).
    var compact: String {
        switch self {
        case .object(let members):
            "{" + members.map { "\(JSON.quote($0.0)):\($0.1.compact)" }.joined(separator: ",") + "}"
        case .array(let items): "[" + items.map(\.compact).joined(separator: ",") + "]"
        default: rendered()
        }
    }
}
