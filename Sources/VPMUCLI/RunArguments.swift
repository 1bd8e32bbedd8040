import ArgumentParser
import Emulator

extension Run {
    /// The configuration `vpmu run ARGUMENTS` would use: fixture `args` go through the very same
    /// option parsing as the command line.
    static func configuration(arguments: [String]) throws(InputError) -> RunConfiguration {
        let run: Run
        do {
            run = try Run.parse(arguments)
        } catch {
            let message = Run.message(for: error).split(separator: "\n").first.map(String.init) ?? "bad options"
            throw .badOption(message)
        }
        return try run.makeConfiguration()
    }
}
