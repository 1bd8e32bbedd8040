import Testing
import VirtualPMU

/// pmu-semantics.md §14: CPUID as the guest sees it.
@Suite struct CPUIDTests {
    typealias Registers = (eax: UInt32, ebx: UInt32, ecx: UInt32, edx: UInt32)

    func expectLeaf(
        _ pmu: PMU, _ leaf: UInt32, subleaf: UInt32 = 0, is expected: Registers,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let r = pmu.cpuid(leaf: leaf, subleaf: subleaf)
        #expect(r.eax == expected.eax, "eax of leaf \(leaf)", sourceLocation: sourceLocation)
        #expect(r.ebx == expected.ebx, "ebx of leaf \(leaf)", sourceLocation: sourceLocation)
        #expect(r.ecx == expected.ecx, "ecx of leaf \(leaf)", sourceLocation: sourceLocation)
        #expect(r.edx == expected.edx, "edx of leaf \(leaf)", sourceLocation: sourceLocation)
    }

    @Test func intelDefault() throws {
        let pmu = try makePMU(.intel)
        expectLeaf(pmu, 0, is: (0xA, 0x756E_6547, 0x6C65_746E, 0x4965_6E69))
        expectLeaf(pmu, 1, is: (0x0009_06EA, 0x800, 0x80A0_8000, 0x0608_8260))
        expectLeaf(pmu, 7, subleaf: 0, is: (0, 0x0080_0008, 0, 0))
        expectLeaf(pmu, 7, subleaf: 1, is: (0, 0, 0, 0))
        expectLeaf(pmu, 0xA, is: (0x0730_0802, 0x58, 0, 0x8603))
        expectLeaf(pmu, 0x8000_0000, is: (0x8000_0008, 0, 0, 0))
        expectLeaf(pmu, 0x8000_0001, is: (0, 0, 0x21, 0x2000_0000))
        expectLeaf(pmu, 0x8000_0022, is: (0, 0, 0, 0))
        expectLeaf(pmu, 2, is: (0, 0, 0, 0))
        expectLeaf(pmu, 0xB, is: (0, 0, 0, 0))
        expectLeaf(pmu, 0x4000_0000, is: (0, 0, 0, 0))
    }

    @Test func intelVersionOne() throws {
        let pmu = try makePMU(.intel) { $0.version = 1 }
        expectLeaf(pmu, 0xA, is: (0x0730_0801, 0x58, 0, 0))
        expectLeaf(pmu, 1, is: (0x0009_06EA, 0x800, 0x80A0_8000, 0x0608_8260))
    }

    @Test func intelCounterCountsShowInLeafA() throws {
        let pmu = try makePMU(.intel) {
            $0.gpCounters = 4
            $0.fixedCounters = 1
        }
        expectLeaf(pmu, 0xA, is: (0x0730_0402, 0x58, 0, 0x8601))
    }

    // Version 0: leaf 0xA all zero and PDCM clear.
    @Test func intelVersionZero() throws {
        let pmu = try makePMU(.intel) { $0.version = 0 }
        expectLeaf(pmu, 0xA, is: (0, 0, 0, 0))
        expectLeaf(pmu, 1, is: (0x0009_06EA, 0x800, 0x80A0_0000, 0x0608_8260))
    }

    @Test func amdDefault() throws {
        let pmu = try makePMU(.amd)
        expectLeaf(pmu, 0, is: (0x7, 0x6874_7541, 0x444D_4163, 0x6974_6E65))
        // EBX is not in the spec's AMD column; vpmu reports the same 64-byte CLFLUSH line as Intel.
        expectLeaf(pmu, 1, is: (0x00A0_0F11, 0x800, 0x80A0_0000, 0x0608_8260))
        expectLeaf(pmu, 7, subleaf: 0, is: (0, 0x0080_0008, 0, 0))
        expectLeaf(pmu, 0xA, is: (0, 0, 0, 0))
        expectLeaf(pmu, 0x8000_0000, is: (0x8000_0022, 0x6874_7541, 0x444D_4163, 0x6974_6E65))
        expectLeaf(pmu, 0x8000_0001, is: (0, 0, 0x0080_0021, 0x2000_0000))
        expectLeaf(pmu, 0x8000_0022, is: (0x1, 0x6, 0, 0))
    }

    @Test func amdVersionOne() throws {
        let six = try makePMU(.amd) { $0.version = 1 }
        expectLeaf(six, 0x8000_0022, is: (0, 0, 0, 0))
        expectLeaf(six, 0x8000_0001, is: (0, 0, 0x0080_0021, 0x2000_0000))
        let four = try makePMU(.amd) {
            $0.version = 1
            $0.gpCounters = 4
        }
        expectLeaf(four, 0x8000_0001, is: (0, 0, 0x21, 0x2000_0000))
        let v2four = try makePMU(.amd) { $0.gpCounters = 4 }
        expectLeaf(v2four, 0x8000_0022, is: (0x1, 0x4, 0, 0))
        expectLeaf(v2four, 0x8000_0001, is: (0, 0, 0x0080_0021, 0x2000_0000))
    }
}
