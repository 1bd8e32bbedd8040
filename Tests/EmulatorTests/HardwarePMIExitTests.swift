import Emulator
import Testing
import VirtualPMU

/// `--hw-pmi-exit` follows the host perf event, not the guest's INT bit: KVM creates every stand-in
/// with a sample period and `kvm_perf_overflow()` as overflow handler (`pmc_reprogram_counter()`), so
/// the host PMI, and with it the VM-exit, comes at every hardware wrap (cycle-model.md §3.3).
@Suite struct HardwarePMIExitTests {
    typealias Options = GuestProgram.Options

    @Test(arguments: [
        ("gp0=cycles,start=0xFFFFFFFFFFFB", 0),
        ("gp0=cycles,start=0xFFFFFFFFFFFB,int", 1),
    ])
    func aWrapEndsTheBatchWithOrWithoutInt(_ pmc: String, _ pmis: Int) throws {
        // S1, gp0 = 2^48 − 5: the 5th NOP wraps it. With the option the batch ends there (2 exits)
        // whether or not a guest PMI is requested; without it the run is one batch.
        var options = Options(pmcs: [pmc])
        options.hardware.hwPMIExit = true
        let result = try GuestProgram.run(hex: "90 90 90 90 90 90 90 90 90 90", options)
        #expect(result.exits == 2)
        #expect(result.globalStatus == 0x1)
        #expect(result.pmis.count == pmis)
        #expect(GuestProgram.counter(result, "gp0")?.value == 5)
        options.hardware.hwPMIExit = false
        #expect(try GuestProgram.run(hex: "90 90 90 90 90 90 90 90 90 90", options).exits == 1)
    }
}
