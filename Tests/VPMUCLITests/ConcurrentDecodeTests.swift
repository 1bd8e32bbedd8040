import Foundation
import Testing

/// Capstone 4.0.2 sorts a process-wide table of implicit register operands lazily and without a
/// lock (X86_insn_reg_intel), so threads decoding their first instructions at once could lose the
/// EAX of `add eax, imm32`. Only a fresh process shows it, so this runs the built `vpmu` binary:
/// `vpmu check -j 8` starts eight Emulators together on fixtures whose every instruction has an
/// implicit accumulator. Before the one-time warm-up in CapstoneHandle, 46 of 200 such runs failed.
@Suite struct ConcurrentDecodeTests {
    /// The `vpmu` executable SwiftPM builds beside the test bundle.
    static var executable: String {
        let bundle = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        return ((bundle as NSString).deletingLastPathComponent as NSString).appendingPathComponent("vpmu")
    }

    // By hand: rax = 0 + 1 + 2 = 3 (cmp writes no register); three instructions retire.
    static let fixture = """
        why: 05 id, REX.W 05 id and 3c ib all name the accumulator only in the opcode.
        code: |
          05 01 00 00 00         # 400000: add eax, 1
          48 05 02 00 00 00      # 400005: add rax, 2
          3c 05                  # 40000b: cmp al, 5
        args: [--pmc, gp0=instructions]
        expect:
          counters: {gp0: 3}
          registers: {rax: 3}
        """

    @Test func firstDecodesOnEightThreadsAtOnceAgree() throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.executable), "no vpmu at \(Self.executable)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vpmu-race-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for index in 0..<16 {
            try ("name: accumulator \(index)\n" + Self.fixture).write(
                to: directory.appendingPathComponent("case\(index).yaml"), atomically: true, encoding: .utf8)
        }
        var failures: [String] = []
        for _ in 0..<40 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Self.executable)
            process.arguments = ["check", "-j", "8", directory.path]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            try process.run()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            if process.terminationStatus != 0 { failures.append(text) }
        }
        #expect(failures.isEmpty, "\(failures.count) of 40 runs failed; first:\n\(failures.first ?? "")")
    }
}
