/// What one MSR index means on this vCPU (`kvm_pmu_is_valid_msr()` plus the generic x86 cases).
enum PMUMSR: Equatable {
    enum CounterAccess { case legacy, fullWidth, amd }

    case gpCounter(position: Int, access: CounterAccess)
    case gpEventSelect(position: Int)
    case fixedCounter(position: Int)
    case fixedCounterControl
    /// IA32_PERF_GLOBAL_STATUS / CTRL / OVF_CTRL.
    case intelGlobalStatus, intelGlobalControl, intelGlobalOverflowControl
    case amdGlobalStatus, amdGlobalControl, amdGlobalStatusClear, amdGlobalStatusSet
    case perfCapabilities
    case lvtpc, eoi
    /// §10.4: a legacy PMU MSR this vCPU does not have; writes dropped, reads 0.
    case legacyIgnored
    /// #GP.
    case invalid
}

extension PMU {
    /// Classifies `index` for this vendor and configuration.
    func classify(_ index: UInt32) -> PMUMSR {
        let known: PMUMSR?
        switch vendor {
        case .intel: known = classifyIntel(index)
        case .amd: known = classifyAMD(index)
        }
        if let known {
            return known
        }
        switch index {
        case MSRIndex.x2apicLVTPC: return .lvtpc
        case MSRIndex.x2apicEOI: return .eoi
        // kvm_set_msr_common() / kvm_get_msr_common(): MSR_P6_PERFCTR0..1, MSR_P6_EVNTSEL0..1 and the K7
        // block are dropped / read 0 when kvm_pmu_is_valid_msr() says no.
        case 0xC1...0xC2, 0x186...0x187, MSRIndex.k7EventSelect0...(MSRIndex.k7PerfCounter0 + 3):
            return .legacyIgnored
        default: return .invalid
        }
    }

    /// `intel_is_valid_msr()` / `intel_msr_idx_to_pmc()` / `get_fw_gp_pmc()`; nil = not a valid PMU MSR.
    private func classifyIntel(_ index: UInt32) -> PMUMSR? {
        switch index {
        case MSRIndex.intelPMC0..<(MSRIndex.intelPMC0 + 8):
            let i = Int(index - MSRIndex.intelPMC0)
            return i < gpCount ? .gpCounter(position: i, access: .legacy) : nil
        case MSRIndex.intelPerfEventSelect0..<(MSRIndex.intelPerfEventSelect0 + 8):
            let i = Int(index - MSRIndex.intelPerfEventSelect0)
            return i < gpCount ? .gpEventSelect(position: i) : nil
        case MSRIndex.intelFullWidthPMC0..<(MSRIndex.intelFullWidthPMC0 + 8):
            let i = Int(index - MSRIndex.intelFullWidthPMC0)
            return i < gpCount && configuration.fullWidthWrites ? .gpCounter(position: i, access: .fullWidth) : nil
        case MSRIndex.intelFixedCounter0..<(MSRIndex.intelFixedCounter0 + 3):
            let i = Int(index - MSRIndex.intelFixedCounter0)
            return i < fixedCount ? .fixedCounter(position: gpCount + i) : nil
        case MSRIndex.perfCapabilities:
            // x86.c gates PERF_CAPABILITIES on guest CPUID PDCM, which vpmu sets for Intel version ≥ 1.
            return version >= 1 ? .perfCapabilities : nil
        case MSRIndex.fixedCounterControl:
            return version >= 2 ? .fixedCounterControl : nil
        default:
            return classifyIntelGlobal(index)
        }
    }

    /// `kvm_pmu_is_valid_msr()`: the three Intel-named global MSRs exist whenever `version > 1`.
    ///
    /// KVM checks only `kvm_pmu_has_perf_global_ctrl()`, not the vendor, so an AMD PerfMonV2 guest also
    /// reaches 0x38E–0x390 with Intel semantics. pmu-semantics.md §12 says every MSR not listed #GPs;
    /// the kernel wins here.
    private func classifyIntelGlobal(_ index: UInt32) -> PMUMSR? {
        guard version >= 2 else { return nil }
        switch index {
        case MSRIndex.globalStatus: return .intelGlobalStatus
        case MSRIndex.globalControl: return .intelGlobalControl
        case MSRIndex.globalOverflowControl: return .intelGlobalOverflowControl
        default: return nil
        }
    }

    /// `amd_is_valid_msr()` / `get_gp_pmc_amd()`; nil = not a valid PMU MSR, `.invalid` = valid but
    /// `amd_pmu_get_msr()` / `amd_pmu_set_msr()` fail.
    ///
    /// The K7 block is valid whenever `version > 0`, so a K7 MSR past the last counter reaches
    /// `amd_pmu_get_msr()` / `amd_pmu_set_msr()`, which fail: #GP, not the §10.4 drop (only reachable
    /// with fewer than 4 AMD counters; the kernel wins).
    private func classifyAMD(_ index: UInt32) -> PMUMSR? {
        switch index {
        case MSRIndex.k7EventSelect0..<(MSRIndex.k7EventSelect0 + 4):
            guard version > 0 else { return nil }
            let i = Int(index - MSRIndex.k7EventSelect0)
            return i < gpCount ? .gpEventSelect(position: i) : .invalid
        case MSRIndex.k7PerfCounter0..<(MSRIndex.k7PerfCounter0 + 4):
            guard version > 0 else { return nil }
            let i = Int(index - MSRIndex.k7PerfCounter0)
            return i < gpCount ? .gpCounter(position: i, access: .amd) : .invalid
        case MSRIndex.f15hPerfControl0..<(MSRIndex.f15hPerfControl0 + 12):
            let offset = Int(index - MSRIndex.f15hPerfControl0)
            let i = offset / 2
            guard hasPerfCounterCore else { return nil }
            guard i < gpCount else { return .invalid }
            return offset % 2 == 0 ? .gpEventSelect(position: i) : .gpCounter(position: i, access: .amd)
        case MSRIndex.amdGlobalStatus where version >= 2: return .amdGlobalStatus
        case MSRIndex.amdGlobalControl where version >= 2: return .amdGlobalControl
        case MSRIndex.amdGlobalStatusClear where version >= 2: return .amdGlobalStatusClear
        case MSRIndex.amdGlobalStatusSet where version >= 2: return .amdGlobalStatusSet
        default:
            return classifyIntelGlobal(index)
        }
    }

    /// Guest RDMSR at CPL 0 (the caller #GPs at CPL > 0), mirroring `kvm_pmu_get_msr()`,
    /// `intel_pmu_get_msr()`, `amd_pmu_get_msr()` and the x2APIC LVTPC / EOI registers.
    ///
    /// - Returns: the value, or nil when the guest gets #GP(0).
    public func readMSR(_ index: UInt32) -> UInt64? {
        switch classify(index) {
        case .gpCounter(let position, _), .fixedCounter(let position):
            return pmcs[position].read()
        case .gpEventSelect(let position):
            return pmcs[position].eventSelect
        case .fixedCounterControl:
            return fixedCtrl
        case .intelGlobalStatus, .amdGlobalStatus:
            return globalStatus
        case .intelGlobalControl, .amdGlobalControl:
            return globalCtrl
        case .intelGlobalOverflowControl, .amdGlobalStatusClear, .amdGlobalStatusSet:
            return 0
        case .perfCapabilities:
            return configuration.fullWidthWrites ? perfCapabilitiesFullWidthWrites : 0
        case .lvtpc:
            return lvtpc
        case .legacyIgnored:
            return 0
        case .eoi, .invalid:
            return nil
        }
    }

    /// Guest WRMSR at CPL 0 (the caller #GPs at CPL > 0), mirroring `kvm_pmu_set_msr()`,
    /// `intel_pmu_set_msr()`, `amd_pmu_set_msr()` and the x2APIC LVTPC / EOI registers.
    ///
    /// A write of 0 to EOI (0x80B) succeeds and does nothing here; the emulator, which owns the
    /// in-service bit of a fixed-mode PMI, clears it when this returns true for 0x80B.
    ///
    /// - Returns: false when the guest gets #GP(0).
    public func writeMSR(_ index: UInt32, value: UInt64) -> Bool {
        let msr = classify(index)
        switch msr {
        case .gpCounter(let position, let access):
            // kvm_pmu_mark_pmc_in_use() looks the MSR up with msr_idx_to_pmc(), which on Intel does not
            // know the full-width aliases (spec §10.3 says every counter write marks in use).
            if access != .fullWidth {
                pmcInUse |= pmcs[position].bit
            }
            var data = value
            switch access {
            case .legacy:
                data = UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: value)))
            case .fullWidth:
                guard value & ~counterMask == 0 else { return false }
            case .amd:
                break
            }
            writeCounter(at: position, data, hostInitiated: false)
            return true
        case .fixedCounter(let position):
            pmcInUse |= pmcs[position].bit
            writeCounter(at: position, value, hostInitiated: false)
            return true
        case .gpEventSelect(let position):
            pmcInUse |= pmcs[position].bit
            var data = value
            switch vendor {
            case .intel:
                guard value & eventSelectReserved == 0 else { return false }
            case .amd:
                data &= ~eventSelectReserved
            }
            writeEventSelect(at: position, data)
            pmcs[position].isProgrammed = true
            return true
        case .fixedCounterControl:
            guard value & fixedCtrlReserved == 0 else { return false }
            if value != fixedCtrl {
                reprogramFixedCounters(value)
            }
            return true
        case .intelGlobalStatus:
            return false  // read-only for the guest
        case .amdGlobalStatus:
            return true  // read-only, writes ignored (PPR)
        case .intelGlobalControl:
            guard value & globalCtrlReserved == 0 else { return false }
            setGlobalControl(value)
            return true
        case .amdGlobalControl:
            setGlobalControl(value & ~globalCtrlReserved)
            return true
        case .intelGlobalOverflowControl:
            guard value & globalStatusReserved == 0 else { return false }
            globalStatus &= ~value
            return true
        case .amdGlobalStatusClear:
            globalStatus &= ~value
            return true
        case .amdGlobalStatusSet:
            globalStatus |= value & ~globalStatusReserved
            return true
        case .perfCapabilities:
            return false  // only host-initiated writes are allowed
        case .lvtpc:
            guard LVTPC.problem(with: value) == nil else { return false }
            lvtpc = value & ~LVTPC.deliveryStatus
            return true
        case .eoi:
            return value == 0
        case .legacyIgnored:
            return true
        case .invalid:
            return false
        }
    }

    /// `pmc_write_counter()` for the PMC at `position`; guest writes honour [QUIRK untruncated-legacy-write].
    ///
    /// Before v6.6 every counter write stored `counter + value − read` unmasked, not only legacy
    /// ones, so the quirk applies to every guest counter MSR (host values are below 2^48 anyway).
    func writeCounter(at position: Int, _ value: UInt64, hostInitiated: Bool) {
        let truncated = hostInitiated || !configuration.untruncatedLegacyWrite
        pmcs[position].write(value, truncated: truncated)
        pmcs[position].isProgrammed = true
    }

    /// Stores a new GP event select and requests a reprogram if it changed.
    func writeEventSelect(at position: Int, _ value: UInt64) {
        let old = pmcs[position].eventSelect
        guard value != old else { return }
        if (value ^ old) & EventSelect.matchMask != 0 {
            hostEventTexts[position] = nil
        }
        pmcs[position].eventSelect = value
        eventMapsStale = true
        reprogram |= pmcs[position].bit
    }

    /// Mirrors `reprogram_fixed_counters()`: compares whole nibbles of the 64-bit old and new values
    /// (05519c86d699) and marks each changed counter in use and for reprogram.
    func reprogramFixedCounters(_ value: UInt64) {
        let old = fixedCtrl
        fixedCtrl = value
        eventMapsStale = true
        for i in 0..<fixedCount where FixedControl.nibble(old, i) != FixedControl.nibble(value, i) {
            let position = gpCount + i
            pmcInUse |= pmcs[position].bit
            reprogram |= pmcs[position].bit
            pmcs[position].isProgrammed = true
        }
    }

    /// GLOBAL_CTRL write: on change, `reprogram_counters()` for every bit that changed.
    func setGlobalControl(_ value: UInt64) {
        guard value != globalCtrl else { return }
        let diff = globalCtrl ^ value
        globalCtrl = value
        reprogram |= diff & validMask
    }
}
