import DifferentialTesting
import Foundation

// vpmu-difftest [--seed S] [--count N] [--jobs J] [--no-shrink]: a differential campaign against Unicorn.
// Build it in release for large campaigns: swift run -c release vpmu-difftest --count 100000
var seed: UInt64 = 0x5650_4D55
var count = 2_000
var shrink = true
var jobs = 1
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--seed":
        guard let text = arguments.popFirst(),
            let value = UInt64(text.replacingOccurrences(of: "0x", with: ""), radix: text.hasPrefix("0x") ? 16 : 10)
        else {
            FileHandle.standardError.write(Data("vpmu-difftest: --seed needs a decimal or 0x hex value\n".utf8))
            exit(2)
        }
        seed = value
    case "--count":
        guard let text = arguments.popFirst(), let value = Int(text), value >= 1 else {
            FileHandle.standardError.write(Data("vpmu-difftest: --count needs an integer >= 1\n".utf8))
            exit(2)
        }
        count = value
    case "--jobs":
        guard let text = arguments.popFirst(), let value = Int(text), (1...64).contains(value) else {
            FileHandle.standardError.write(Data("vpmu-difftest: --jobs needs an integer from 1 to 64\n".utf8))
            exit(2)
        }
        jobs = value
    case "--no-shrink":
        shrink = false
    default:
        FileHandle.standardError.write(
            Data("vpmu-difftest: unknown argument '\(argument)' (--seed S, --count N, --jobs J, --no-shrink)\n".utf8))
        exit(2)
    }
}
var campaign = DifferentialCampaign(seed: seed, count: count)
campaign.shrink = shrink
do {
    let report = try campaign.run(jobs: jobs) {
        print($0)
        fflush(nil)  // progress shows up at once even when stdout is a file
    }
    for reproducer in report.reproducers { print("---\n" + reproducer) }
    let rate = Double(report.programs) / max(report.seconds, 0.001)
    print(
        "\(report.programs) programs (seed \(String(format: "0x%llx", seed))), \(report.instructions) instructions, "
            + "\(report.branches) branches, \(report.faults) ending in a fault; \(report.mismatches) mismatches; "
            + String(format: "%.1f s, %.0f programs/s", report.seconds, rate))
    exit(report.mismatches == 0 ? 0 : 1)
} catch {
    FileHandle.standardError.write(Data("vpmu-difftest: \(error)\n".utf8))
    exit(2)
}
