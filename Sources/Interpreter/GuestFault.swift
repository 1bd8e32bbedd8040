/// A guest exception: a result of running guest code, never a host error (isa-subset.md §9).
public struct GuestFault: Error, Equatable, Sendable {
    public var vector: UInt8
    /// Error code pushed for #GP, #SS and #PF.
    public var errorCode: UInt64?
    /// Faulting linear address for #PF.
    public var cr2: UInt64?

    public init(vector: UInt8, errorCode: UInt64? = nil, cr2: UInt64? = nil) {
        self.vector = vector
        self.errorCode = errorCode
        self.cr2 = cr2
    }

    public static let divideError = GuestFault(vector: 0)
    public static let invalidOpcode = GuestFault(vector: 6)
    public static func generalProtection(_ code: UInt64 = 0) -> GuestFault { GuestFault(vector: 13, errorCode: code) }
    public static let stackFault = GuestFault(vector: 12, errorCode: 0)
    public static func pageFault(at address: UInt64, code: UInt64) -> GuestFault {
        GuestFault(vector: 14, errorCode: code, cr2: address)
    }

    /// The mnemonic of the exception ("#GP"), or "INT n" for a software interrupt vector.
    public var name: String {
        switch vector {
        case 0: "#DE"
        case 1: "#DB"
        case 3: "#BP"
        case 6: "#UD"
        case 12: "#SS"
        case 13: "#GP"
        case 14: "#PF"
        default: "INT \(vector)"
        }
    }
}
