import Dispatch
import Emulator
import Foundation

/// Finding fixture files and checking many of them in parallel.
public enum FixtureCorpus {
    static let extensions: Set<String> = ["yaml", "yml", "json"]

    /// The fixture files named by `paths`: files as given, directories searched recursively for
    /// `.yaml`, `.yml` and `.json`, sorted. A missing path is bad input.
    public static func files(in paths: [String]) throws(InputError) -> [String] {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw .badFile("\(path): no such file or directory")
            }
            guard isDirectory.boolValue else {
                files.append(path)
                continue
            }
            let found = (FileManager.default.enumerator(atPath: path)?.allObjects as? [String] ?? [])
                .filter { extensions.contains(($0 as NSString).pathExtension.lowercased()) }
                .map { (path as NSString).appendingPathComponent($0) }
            files += found.sorted()
        }
        return files
    }

    /// Checks `files` on `jobs` threads, one ``Emulator`` (Capstone handle) per thread; outcomes in
    /// file order. `progress` is called (serialised) after each file with the number done.
    public static func check(
        _ files: [String], runner: FixtureRunner, jobs: Int, progress: @escaping @Sendable (Int) -> Void = { _ in }
    ) -> [FixtureOutcome] {
        let state = CheckState(count: files.count)
        let workers = max(1, min(jobs, files.count))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            let emulator: Emulator
            do {
                emulator = try Emulator()
            } catch {
                while let index = state.claim() {
                    let failure = FixtureError(file: files[index], line: 0, message: String(describing: error))
                    state.finish(
                        index,
                        FixtureOutcome(file: files[index], name: nil, variants: 0, failures: [], malformation: failure),
                        progress: progress)
                }
                return
            }
            while let index = state.claim() {
                state.finish(index, runner.check(file: files[index], emulator: emulator), progress: progress)
            }
        }
        return state.outcomes.enumerated().map { index, outcome in
            outcome
                ?? FixtureOutcome(
                    file: files[index], name: nil, variants: 0, failures: [],
                    malformation: FixtureError(file: files[index], line: 0, message: "not checked"))
        }
    }
}

/// Work queue and results shared by the check threads.
private final class CheckState: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private var done = 0
    private let count: Int
    private var results: [FixtureOutcome?]

    init(count: Int) {
        self.count = count
        results = Array(repeating: nil, count: count)
    }

    func claim() -> Int? {
        lock.withLock {
            guard next < count else { return nil }
            next += 1
            return next - 1
        }
    }

    /// Stores an outcome and reports how many are done, under the lock so reports arrive in order.
    func finish(_ index: Int, _ outcome: FixtureOutcome, progress: (Int) -> Void) {
        lock.withLock {
            results[index] = outcome
            done += 1
            progress(done)
        }
    }

    var outcomes: [FixtureOutcome?] { lock.withLock { results } }
}
