extension PMU {
    /// CPUID as the guest sees it (pmu-semantics.md §14), the whole table: unlisted leaves are zero.
    ///
    /// PMU fields follow the configuration: leaf 0xA (Intel) from version and counter counts, PDCM
    /// only for an Intel vPMU, AMD PERFCTR_CORE when there are 6 counters or PerfMonV2, and leaf
    /// 0x80000022 (AMD) only with PerfMonV2.
    public func cpuid(leaf: UInt32, subleaf: UInt32) -> (eax: UInt32, ebx: UInt32, ecx: UInt32, edx: UInt32) {
        switch vendor {
        case .intel: return intelCPUID(leaf: leaf, subleaf: subleaf)
        case .amd: return amdCPUID(leaf: leaf, subleaf: subleaf)
        }
    }

    private static let genuineIntel: (ebx: UInt32, ecx: UInt32, edx: UInt32) = (0x756E_6547, 0x6C65_746E, 0x4965_6E69)
    private static let authenticAMD: (ebx: UInt32, ecx: UInt32, edx: UInt32) = (0x6874_7541, 0x444D_4163, 0x6974_6E65)
    /// PAE, MSR, APIC, CMOV, CLFSH, SSE, SSE2.
    private static let leaf1EDX: UInt32 = 0x0608_8260
    /// POPCNT, x2APIC, hypervisor.
    private static let leaf1ECX: UInt32 = 0x80A0_0000
    /// PDCM (perfmon and debug capability: PERF_CAPABILITIES exists).
    private static let pdcm: UInt32 = 1 << 15
    /// 64-byte CLFLUSH line.
    private static let leaf1EBX: UInt32 = 0x800
    /// BMI1 (TZCNT), CLFLUSHOPT.
    private static let leaf7EBX: UInt32 = 0x0080_0008
    /// LAHF/SAHF, LZCNT.
    private static let extendedLeaf1ECX: UInt32 = 0x21
    /// PERFCTR_CORE.
    private static let perfCounterCore: UInt32 = 1 << 23
    /// LM.
    private static let extendedLeaf1EDX: UInt32 = 0x2000_0000

    private func intelCPUID(leaf: UInt32, subleaf: UInt32) -> (eax: UInt32, ebx: UInt32, ecx: UInt32, edx: UInt32) {
        switch leaf {
        case 0:
            let name = Self.genuineIntel
            return (0xA, name.ebx, name.ecx, name.edx)
        case 1:
            let ecx = Self.leaf1ECX | (version >= 1 ? Self.pdcm : 0)
            return (0x0009_06EA, Self.leaf1EBX, ecx, Self.leaf1EDX)
        case 7 where subleaf == 0:
            return (0, Self.leaf7EBX, 0, 0)
        case 0xA where version >= 1:
            // EAX: version, GP counters, width 48, EBX length 7. EBX: LLC refs, LLC misses and branch
            // mispredicts unavailable. EDX (v2): fixed counters, width 48, AnyThread deprecated.
            let eax = UInt32(version) | UInt32(gpCount) << 8 | 48 << 16 | 7 << 24
            let edx: UInt32 = version >= 2 ? UInt32(fixedCount) | 48 << 5 | 1 << 15 : 0
            return (eax, 0x58, 0, edx)
        case 0x8000_0000:
            return (0x8000_0008, 0, 0, 0)
        case 0x8000_0001:
            return (0, 0, Self.extendedLeaf1ECX, Self.extendedLeaf1EDX)
        default:
            return (0, 0, 0, 0)
        }
    }

    private func amdCPUID(leaf: UInt32, subleaf: UInt32) -> (eax: UInt32, ebx: UInt32, ecx: UInt32, edx: UInt32) {
        let name = Self.authenticAMD
        switch leaf {
        case 0:
            return (0x7, name.ebx, name.ecx, name.edx)
        case 1:
            return (0x00A0_0F11, Self.leaf1EBX, Self.leaf1ECX, Self.leaf1EDX)
        case 7 where subleaf == 0:
            return (0, Self.leaf7EBX, 0, 0)
        case 0x8000_0000:
            return (0x8000_0022, name.ebx, name.ecx, name.edx)
        case 0x8000_0001:
            let ecx = Self.extendedLeaf1ECX | (hasPerfCounterCore ? Self.perfCounterCore : 0)
            return (0, 0, ecx, Self.extendedLeaf1EDX)
        case 0x8000_0022 where version >= 2:
            // EAX bit 0 PerfMonV2; EBX[3:0] core PMCs.
            return (0x1, UInt32(gpCount), 0, 0)
        default:
            return (0, 0, 0, 0)
        }
    }
}
