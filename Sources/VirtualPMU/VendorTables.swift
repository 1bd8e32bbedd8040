/// Counter width mask M = 2^48 − 1; GP and fixed counters are 48 bits on both vendors.
let counterMask: UInt64 = 0xFFFF_FFFF_FFFF

/// Index of fixed counter 0 in GLOBAL_CTRL / GLOBAL_STATUS / the reprogram bitmap (KVM_FIXED_PMC_BASE_IDX).
let fixedIndexBase = 32

/// `get_sample_period()`: hardware events until the visible value wraps, 2^48 when that is 0.
func samplePeriod(of value: UInt64) -> UInt64 {
    let period = (0 &- value) & counterMask
    return period == 0 ? counterMask + 1 : period
}

/// Bits of an event-select MSR (SDM Vol. 3B §20.2.1; AMD APM Vol. 2 §13.2).
enum EventSelect {
    /// USR: count at CPL 1–3.
    static let usr: UInt64 = 1 << 16
    /// OS: count at CPL 0.
    static let os: UInt64 = 1 << 17
    /// INT: PMI on overflow.
    static let int: UInt64 = 1 << 20
    /// EN: locally enabled.
    static let enable: UInt64 = 1 << 22
    /// `AMD64_RAW_EVENT_MASK_NB`: event select 7:0, unit mask 15:8 and bits 35:32, what emulated-event
    /// matching compares (`pmc_is_event_match()` / `eventsel_match_perf_hw_id()`).
    static let matchMask: UInt64 = 0xF_0000_FFFF
    /// Intel reserved bits for vpmu's guest (no TSX, no PEBS): 63:32 and 21 (ANY).
    static let intelReserved: UInt64 = 0xFFFF_FFFF_0020_0000
    /// AMD bits dropped on write (`amd_pmu_refresh()` reserved_bits): 63:36, 21, 19.
    static let amdReserved: UInt64 = 0xFFFF_FFF0_0028_0000

    /// The event number of an eventsel: bits 7:0, plus AMD's bits 35:32 as 11:8.
    static func eventNumber(_ eventSelect: UInt64) -> UInt64 {
        (eventSelect & 0xFF) | ((eventSelect >> 24) & 0xF00)
    }

    /// The unit mask (bits 15:8) of an eventsel.
    static func unitMask(_ eventSelect: UInt64) -> UInt64 {
        (eventSelect >> 8) & 0xFF
    }

    /// Packs an event number (AMD: up to 12 bits) and a unit mask into eventsel bits 7:0, 15:8, 35:32.
    static func encode(event: UInt64, unitMask: UInt64) -> UInt64 {
        (event & 0xFF) | ((unitMask & 0xFF) << 8) | (((event >> 8) & 0xF) << 32)
    }

    /// Lowercase `0xee:0xuu`, the JSON form of a guest-programmed event.
    static func text(_ eventSelect: UInt64) -> String {
        "0x\(hexByte(eventNumber(eventSelect))):0x\(hexByte(unitMask(eventSelect)))"
    }

    private static func hexByte(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return digits.count < 2 ? "0" + digits : digits
    }
}

/// IA32_FIXED_CTR_CTRL nibble bits (SDM Vol. 3B §20.2.2).
enum FixedControl {
    /// Count at CPL 0.
    static let os: UInt64 = 0x1
    /// Count at CPL > 0.
    static let usr: UInt64 = 0x2
    /// PMI on overflow.
    static let pmi: UInt64 = 0x8
    /// The bits a guest may set in one nibble (`intel_pmu_enable_fixed_counter_bits()`); bit 2 AnyThread is reserved.
    static let allowed: UInt64 = 0xB

    /// Nibble `i` of a FIXED_CTR_CTRL value (`fixed_ctrl_field()`).
    static func nibble(_ value: UInt64, _ i: Int) -> UInt64 {
        (value >> UInt64(4 * i)) & 0xF
    }
}

/// The constant eventsel KVM gives fixed counter `i` so that matching is uniform
/// (`intel_get_fixed_pmc_eventsel()`): INST_RETIRED.ANY, CPU_CLK_UNHALTED.CORE, the ref-cycles pseudo-encoding.
let fixedEventSelects: [UInt64] = [0x00C0, 0x003C, 0x0300]

/// The two events vpmu raises for every retired instruction (pmu-semantics.md §4.2).
struct EmulatedEventTargets {
    /// INSTRUCTIONS: 0xC0 on both vendors.
    let instructions: UInt64
    /// BRANCHES: Intel 0xC4, AMD 0xC2.
    let branches: UInt64

    init(vendor: Vendor) {
        instructions = 0x00C0
        branches = vendor == .intel ? 0x00C4 : 0x00C2
    }
}

/// MSR indices the vPMU and its local-APIC neighbour answer (pmu-semantics.md §10–§12).
enum MSRIndex {
    static let intelPMC0: UInt32 = 0xC1
    static let intelPerfEventSelect0: UInt32 = 0x186
    static let intelFullWidthPMC0: UInt32 = 0x4C1
    static let intelFixedCounter0: UInt32 = 0x309
    static let perfCapabilities: UInt32 = 0x345
    static let fixedCounterControl: UInt32 = 0x38D
    static let globalStatus: UInt32 = 0x38E
    static let globalControl: UInt32 = 0x38F
    static let globalOverflowControl: UInt32 = 0x390
    static let k7EventSelect0: UInt32 = 0xC001_0000
    static let k7PerfCounter0: UInt32 = 0xC001_0004
    static let f15hPerfControl0: UInt32 = 0xC001_0200
    static let amdGlobalStatus: UInt32 = 0xC000_0300
    static let amdGlobalControl: UInt32 = 0xC000_0301
    static let amdGlobalStatusClear: UInt32 = 0xC000_0302
    static let amdGlobalStatusSet: UInt32 = 0xC000_0303
    static let x2apicEOI: UInt32 = 0x80B
    static let x2apicLVTPC: UInt32 = 0x834
}

/// PERF_CAPABILITIES.FW_WRITES (bit 13).
let perfCapabilitiesFullWidthWrites: UInt64 = 0x2000

/// x2APIC LVT Performance Counter register fields (SDM Vol. 3A §11.5.1).
enum LVTPC {
    /// Reset value vpmu uses: NMI delivery, unmasked.
    static let defaultValue: UInt64 = 0x400
    static let vectorMask: UInt64 = 0xFF
    static let deliveryModeMask: UInt64 = 0x700
    /// Delivery status: read-only, reads 0, ignored on write.
    static let deliveryStatus: UInt64 = 0x1000
    static let masked: UInt64 = 0x1_0000
    static let modeFixed: UInt64 = 0x000
    static let modeNMI: UInt64 = 0x400

    /// Why `value` is not a valid LVTPC write, or nil if it is (pmu-semantics.md §12, a vpmu restriction:
    /// KVM itself silently drops bits outside `apic_lvt_mask`).
    static func problem(with value: UInt64) -> String? {
        let known = vectorMask | deliveryModeMask | deliveryStatus | masked
        if value & ~known != 0 {
            return "bits outside 7:0, 10:8, 12 and 16 are set"
        }
        let mode = value & deliveryModeMask
        if mode != modeFixed && mode != modeNMI {
            var bits = String(mode >> 8, radix: 2)
            while bits.count < 3 { bits = "0" + bits }
            return "delivery mode \(bits) is neither 000 (fixed) nor 100 (NMI)"
        }
        return nil
    }
}
