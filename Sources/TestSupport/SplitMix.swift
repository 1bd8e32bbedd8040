/// SplitMix64 (Steele, Lea, Flood 2014): a tiny seeded generator, so a campaign, a random-program
/// test and every failure they report reproduce from one integer on any machine. Shared by the
/// tests and the differential-testing tool (never linked into the `vpmu` product).
public struct SplitMix {
    public var state: UInt64

    public init(state: UInt64) { self.state = state }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `0..<bound` (bound ≥ 1; the modulo bias is irrelevant here).
    public mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    public mutating func chance(_ percent: Int) -> Bool { below(100) < percent }

    public mutating func pick<T>(_ choices: [T]) -> T { choices[below(choices.count)] }

    /// A value with interesting bit patterns: small, all-ones-ish, sign boundaries or random.
    public mutating func interesting() -> UInt64 {
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
