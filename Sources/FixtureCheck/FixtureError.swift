/// A malformed fixture: the file, the line and what is wrong with it (cli.md B7 exit code 2).
///
/// Distinct from a failing fixture, whose expectations simply do not hold.
public struct FixtureError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The fixture file as given to the checker.
    public var file: String
    /// 1-based line in the file; 0 when the problem concerns the whole file.
    public var line: Int
    public var message: String

    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    /// `file:line: message`, one line.
    public var description: String {
        let place = line > 0 ? "\(file):\(line)" : file
        return "\(place): \(message.split(separator: "\n").joined(separator: " "))"
    }
}
