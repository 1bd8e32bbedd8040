import TestSupport
import Testing
import X86IR

@testable import Interpreter

/// Lazy flags against a reference that computes each flag from its SDM definition with
/// arbitrary-width (Int128-free, two-word) arithmetic, over a fixed-seed random sample.
@Suite struct LazyFlagsTests {
    /// SDM definitions: CF = unsigned result does not fit; OF = signed result does not fit;
    /// AF = carry/borrow out of bit 3; ZF, SF, PF from the truncated result.
    func reference(add: Bool, _ a: UInt64, _ b: UInt64, carry: UInt64, size: UInt8) -> UInt64 {
        let bits = Int(size) * 8
        let m: UInt64 = bits == 64 ? ~0 : (1 << UInt64(bits)) - 1
        func signed(_ v: UInt64) -> Int64 { bits == 64 ? Int64(bitPattern: v) : Int64(bitPattern: v << UInt64(64 - bits)) >> Int64(64 - bits) }
        let (r, cf, of): (UInt64, Bool, Bool)
        if add {
            let (s1, o1) = a.addingReportingOverflow(b)
            let (s2, o2) = s1.addingReportingOverflow(carry)
            let wideCarry = bits == 64 ? (o1 || o2) : (s2 > m)
            let (ss1, so1) = signed(a).addingReportingOverflow(signed(b))
            let (ss2, so2) = ss1.addingReportingOverflow(Int64(carry))
            let signedOverflow = bits == 64 ? (so1 != so2) : (ss2 != signed(UInt64(bitPattern: ss2) & m))
            (r, cf, of) = (s2 & m, wideCarry, signedOverflow)
        } else {
            let wideBorrow = a < b || (a == b && carry == 1)
            let (ss1, so1) = signed(a).subtractingReportingOverflow(signed(b))
            let (ss2, so2) = ss1.subtractingReportingOverflow(Int64(carry))
            let signedOverflow = bits == 64 ? (so1 != so2) : (ss2 != signed(UInt64(bitPattern: ss2) & m))
            (r, cf, of) = ((a &- b &- carry) & m, wideBorrow, signedOverflow)
        }
        let low4 = add ? (a & 0xF) + (b & 0xF) + carry > 0xF : (a & 0xF) < (b & 0xF) + carry
        var flags: UInt64 = 0
        if cf { flags |= RFlags.cf }
        if of { flags |= RFlags.of }
        if low4 { flags |= RFlags.af }
        if r == 0 { flags |= RFlags.zf }
        if r >> UInt64(bits - 1) & 1 == 1 { flags |= RFlags.sf }
        if (r & 0xFF).nonzeroBitCount % 2 == 0 { flags |= RFlags.pf }
        return flags
    }

    @Test(arguments: [1, 2, 4, 8] as [UInt8])
    func addAndSubtractFlagsMatchTheirDefinitions(size: UInt8) {
        var random = SplitMix(state: UInt64(size))
        let m: UInt64 = size == 8 ? ~0 : (1 << (UInt64(size) * 8)) - 1
        let interesting: [UInt64] = [0, 1, 0xF, 0x10, m >> 1, (m >> 1) + 1, m - 1, m]
        for trial in 0..<4000 {
            let a = trial < 64 ? interesting[trial % 8] : random.next() & m
            let b = trial < 64 ? interesting[trial / 8] : random.next() & m
            let carry: UInt64 = random.next() & 1
            for add in [true, false] {
                let result = add ? (a &+ b &+ carry) & m : (a &- b &- carry) & m
                let lazy = LazyFlags(kind: add ? .add : .sub, size: size, left: a, right: b, result: result, carry: carry)
                let expected = reference(add: add, a, b, carry: carry, size: size)
                #expect(lazy.statusFlags() == expected, "\(add ? "adc" : "sbb") \(a), \(b), cf=\(carry) size \(size)")
            }
        }
    }
}
