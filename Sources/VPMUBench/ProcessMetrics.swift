#if canImport(Glibc)
    import Glibc
#endif

/// Whole-process figures: cold start of `vpmu run` and its peak resident set, measured on child
/// processes of the running vpmu executable.
public enum ProcessMetrics {
    public struct ChildRun: Sendable {
        public var seconds: Double
        /// The child's VmHWM in KiB, sampled every 2 ms while it runs (the cold-start runs end too soon to sample: 0).
        public var peakKiB: Int
        public var status: Int32
    }

    /// Runs this executable (`/proc/self/exe`) with `arguments`, stdout and stderr to /dev/null.
    /// With `sampleMemory` the parent polls the child's VmHWM every 2 ms (which delays noticing its
    /// exit by up to that much); without, it blocks in waitpid and `peakKiB` is 0.
    public static func runSelf(_ arguments: [String], sampleMemory: Bool = true) -> ChildRun? {
        let path = "/proc/self/exe"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = (["vpmu"] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let clock = ContinuousClock()
        let start = clock.now
        guard posix_spawn(&pid, path, &actions, nil, argv, environ) == 0 else { return nil }
        // wait4's ru_maxrss would include this (large) process: Linux folds the pre-exec address
        // space's high-water mark into the child's. The child's own VmHWM is read while it runs.
        var status: Int32 = 0
        var peak = 0
        while !sampleMemory {
            let waited = waitpid(pid, &status, 0)
            if waited == pid { break }
            guard waited == -1 && errno == EINTR else { return nil }
        }
        while sampleMemory {
            let waited = waitpid(pid, &status, WNOHANG)
            if waited == pid { break }
            guard waited == 0 else { return nil }
            peak = max(peak, highWaterMarkKiB(of: pid) ?? 0)
            usleep(2000)
        }
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return ChildRun(seconds: seconds, peakKiB: peak, status: status)
    }

    /// `VmHWM` of a live process, in KiB, from /proc/PID/status.
    static func highWaterMarkKiB(of pid: pid_t) -> Int? {
        guard let file = fopen("/proc/\(pid)/status", "r") else { return nil }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if text.hasPrefix("VmHWM:") {
                return Int(text.dropFirst(6).filter(\.isNumber))
            }
        }
        return nil
    }

    /// Median wall time of `count` runs of `vpmu run --hex <10 NOPs> --json`, process start to exit.
    public static func coldStart(count: Int = 15) -> Double? {
        let runs = (0..<count).compactMap { _ in
            runSelf(["run", "--hex", String(repeating: "90", count: 10), "--json"], sampleMemory: false)
        }
        guard runs.count == count else { return nil }
        let times = runs.map(\.seconds).sorted()
        return times[times.count / 2]
    }

    /// Peak RSS (KiB) of `vpmu run` on the tight loop, 100 M instructions, two PMCs, exit every 256.
    public static func tightLoopPeakKiB() -> Int? {
        runSelf([
            "run", "--hex", "4801c84831c248ffc975f5", "--reg", "rcx=25000000", "--pmc", "gp0=instructions",
            "--pmc", "gp1=branches", "--exit-every", "256", "--json",
        ]).map(\.peakKiB)
    }
}
