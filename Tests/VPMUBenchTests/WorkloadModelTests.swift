import Emulator
import Testing

@testable import VPMUBench

/// The bench's workload models, checked at small sizes: each model's counts and registers match a
/// run on vpmu and, independently, on Unicorn (its code hook counts what it executes, REP once).
@Suite struct WorkloadModelTests {
    // Closed forms worked by hand for small sizes, so the models themselves are checked too.
    @Test func closedFormsAtTinySizes() {
        // fib(3): calls fib(3) → fib(2) → fib(1), fib(0); fib(1): 2 inner, 3 leaves.
        let fib = Workloads.recursiveFibonacci(n: 3)
        #expect(fib.expected.instructions == 12 * 2 + 4 * 3 + 2)
        #expect(fib.expected.branches == 4 * 2 + 2 * 3 + 2)
        #expect(fib.expected.registers[0] == 2)
        // Two passes over 3 qwords: pass 0 sums 0s, pass 1 sums 1s ⇒ rax = 3.
        let memory = Workloads.memoryLoop(passes: 2, elements: 3)
        #expect(memory.expected.instructions == 2 * (3 + 8 * 3 + 2))
        #expect(memory.expected.registers[0] == 3)
        // Insertion sort of 2 values: fill 2·13 + 3 setup + 1; i = 1 costs 4 + 3 plus one shift
        // (8) and a stop at j = 0 (2), or a stop at a smaller element (5); final 2.
        let sort = Workloads.insertionSort(elements: 2)
        let shifted: UInt64 = 3 + 26 + 1 + 7 + 8 + 2 + 2
        let kept: UInt64 = 3 + 26 + 1 + 7 + 5 + 2
        #expect(sort.expected.instructions == shifted || sort.expected.instructions == kept)
    }

    @Test(arguments: Workloads.suite(scale: 0.001).map(\.name))
    func modelMatchesVPMUAndUnicorn(name: String) throws {
        let workload = try #require(Workloads.suite(scale: 0.001).first { $0.name == name })
        // Two rounds, so the interleaved repetitions keep each engine's best under its own name.
        let runner = try BenchRunner(repetitions: 2, useUnicorn: true)
        #expect(runner.unicornMissing == nil, "libunicorn-dev is a test dependency: \(runner.unicornMissing ?? "")")
        let report = try runner.run(workload)
        #expect(report.problems.isEmpty, "\(report.problems)")
        #expect(report.measurements.map(\.engine) == BenchRunner.vpmuEngines + BenchRunner.unicornEngines)
        #expect(report.measurements.allSatisfy { $0.seconds.isFinite && $0.seconds > 0 })
    }

    // A wrong model must fail the bench: the check is not a formality.
    @Test func aWrongCountIsReported() throws {
        var workload = Workloads.tightLoop(iterations: 10)
        workload.expected.instructions += 1
        let report = try BenchRunner(repetitions: 1, useUnicorn: true).run(workload)
        #expect(report.problems.contains { $0.contains("instructions retired") })
        #expect(report.problems.contains { $0.contains("unicorn code hook: counted 40") })
    }
}
