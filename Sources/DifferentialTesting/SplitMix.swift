/// SplitMix64 (Steele, Lea, Flood 2014): a tiny seeded generator, so a campaign and every program
/// in it are reproducible from one integer on any machine.
struct SplitMix {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `0..<bound` (bound ≥ 1; the modulo bias is irrelevant here).
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }

    mutating func pick<T>(_ choices: [T]) -> T { choices[below(choices.count)] }

    /// A value with interesting bit patterns: small, all-ones-ish, sign boundaries or random.
    mutating func interesting() -> UInt64 {
        switch below(8) {
        case 0: return next() & 0xFF
        case 1: return UInt64(bitPattern: -Int64(below(4) + 1))
        case 2:
            return pick([0x7F, 0x80, 0x7FFF, 0x8000, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 1 << 63, (1 << 63) - 1])
        case 3: return 0
        default: return next()
        }
    }
}
