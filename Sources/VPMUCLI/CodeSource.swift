import ArgumentParser
import Emulator

/// Where the guest code comes from: FILE or `--hex` (exactly one).
struct CodeSource: ParsableArguments {
    @Argument(help: "Code file: .bin raw bytes or .hex text ('#' comments allowed).")
    var file: String?

    @Option(name: .customLong("hex"), help: "Code as hex bytes, e.g. \"4801c8 48ffc9 75f8\".")
    var hexText: String?

    func load() throws(InputError) -> GuestCode {
        switch (file, hexText) {
        case (nil, nil): throw .badOption("no code given: pass FILE or --hex HEX")
        case (.some, .some): throw .badOption("give either FILE or --hex, not both")
        case (let path?, nil): return try GuestCode.load(path: path)
        case (nil, let text?): return try GuestCode.parseHex(text)
        }
    }
}
