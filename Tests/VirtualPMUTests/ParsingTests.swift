import Testing
import VirtualPMU

/// `--pmc` (cli.md B2), `--filter` (pmu-semantics.md §15), `--lvtpc` and configuration errors.
@Suite struct ParsingTests {
    @Test func pmcNamedEventsPerVendor() throws {
        let intel = try PMCProgram.parse("gp2=branches,start=-5,int,usr", vendor: .intel)
        #expect(intel.counterName == "gp2")
        #expect(!intel.isFixed)
        #expect(intel.counterIndex == 2)
        #expect(intel.eventText == "branches")
        #expect(intel.start == 0xFFFF_FFFF_FFFB)
        #expect(intel.eventSelect == 0x51_00C4)  // EN | INT | USR | 0xC4
        let amd = try PMCProgram.parse("gp0=branches", vendor: .amd)
        #expect(amd.eventSelect == 0x43_00C2)
        #expect(try PMCProgram.parse("gp0=cycles,os", vendor: .amd).eventSelect == 0x42_0076)
        #expect(try PMCProgram.parse("gp0=ref-cycles", vendor: .intel).eventSelect == 0x43_013C)
        #expect(try PMCProgram.parse("gp0=0x1C0:0x02", vendor: .amd).eventSelect == 0x1_0043_02C0)
        #expect(try PMCProgram.parse("gp0=instructions,start=0x10", vendor: .intel).start == 16)
        #expect(try PMCProgram.parse("gp0=instructions,start=281474976710655", vendor: .intel).start == M)
        #expect(try PMCProgram.parse("gp0=instructions,start=-281474976710656", vendor: .intel).start == 0)
        let fixed = try PMCProgram.parse("fixed0=instructions,int,os", vendor: .intel)
        #expect(fixed.isFixed)
        #expect(fixed.fixedControlNibble == 0x9)
    }

    @Test(arguments: [
        ("gp0", "expected NAME=EVENT"),
        ("foo=instructions", "unknown counter 'foo'"),
        ("gp=instructions", "unknown counter 'gp'"),
        ("gp99999999999999999999=instructions", "unknown counter"),
        ("gp0=bogus", "unknown event 'bogus'"),
        ("gp0=0xC0", "unknown event"),
        ("gp0=0x1C0:0x00", "event 0x1c0 is above 0xff on intel"),
        ("gp0=0xC0:0x100", "unit mask 0x100 is above 0xff"),
        ("gp0=instructions,start=0x1000000000000", "not below 2^48"),
        ("gp0=instructions,start=-0", "outside"),
        ("gp0=instructions,start=-281474976710657", "outside"),
        ("gp0=instructions,start=12z", "bad start value"),
        ("gp0=instructions,start=1,start=2", "start given twice"),
        ("gp0=instructions,edge", "unknown option 'edge'"),
    ])
    func pmcParseErrorsOnIntel(text: String, problem: String) {
        #expect {
            _ = try PMCProgram.parse(text, vendor: .intel)
        } throws: { error in
            "\(error)".hasPrefix("--pmc '\(text)': ") && "\(error)".contains(problem)
        }
    }

    @Test func pmcParseErrorsOnAMD() {
        #expect(throws: PMUSetupError("--pmc 'gp0=ref-cycles': ref-cycles has no architectural event on AMD")) {
            try PMCProgram.parse("gp0=ref-cycles", vendor: .amd)
        }
        #expect(throws: PMUSetupError("--pmc 'fixed0=instructions': no counter fixed0 on this PMU (AMD has no fixed counters)")) {
            try PMCProgram.parse("fixed0=instructions", vendor: .amd)
        }
        #expect(throws: PMUSetupError("--pmc 'gp0=0x1000:0x00': event 0x1000 is above 0xfff on amd")) {
            try PMCProgram.parse("gp0=0x1000:0x00", vendor: .amd)
        }
    }

    @Test func programRejectsCountersThePMULacks() throws {
        func programming(_ vendor: Vendor, _ texts: [String], configure: (inout PMUConfiguration) -> Void = { _ in })
            throws -> PMU
        {
            try makePMU(vendor, pmc: texts, configure: configure)
        }
        #expect(throws: PMUSetupError("--pmc 'gp9=instructions': no counter gp9 on this PMU (8 GP counters)")) {
            try programming(.intel, ["gp9=instructions"])
        }
        #expect(throws: PMUSetupError("--pmc 'gp6=instructions': no counter gp6 on this PMU (6 GP counters)")) {
            try programming(.amd, ["gp6=instructions"])
        }
        #expect(throws: PMUSetupError("--pmc 'fixed0=instructions': no counter fixed0 on this PMU (0 fixed counters)")) {
            try programming(.intel, ["fixed0=instructions"]) { $0.version = 1 }
        }
        #expect(throws: PMUSetupError("--pmc 'fixed1=instructions': fixed1 counts only cycles")) {
            try programming(.intel, ["fixed1=instructions"])
        }
        #expect(throws: PMUSetupError("--pmc 'fixed0=branches': fixed0 counts only instructions")) {
            try programming(.intel, ["fixed0=branches"])
        }
        #expect(throws: PMUSetupError("--pmc 'gp0=branches': gp0 given twice")) {
            try programming(.intel, ["gp0=instructions", "gp0=branches"])
        }
        // A fixed counter accepts its own raw encodings.
        #expect(try programming(.intel, ["fixed2=0x00:0x03", "fixed1=0x3C:0x00", "fixed0=0xC0:0x00"]).counters.count == 11)
    }

    // cli.md B2: what a --pmc leaves in the MSRs and in the report.
    @Test func programWritesEventSelectControlAndCounter() throws {
        let pmu = try makePMU(.intel, pmc: ["gp3=0xC0:0x00,start=0x10,int", "fixed1=cycles,usr"]) {
            $0.gpCounters = 4
        }
        #expect(pmu.readMSR(0x189) == 0x53_00C0)
        #expect(pmu.readMSR(0xC4) == 0x10)
        #expect(pmu.readMSR(0x38D) == 0x20)
        #expect(pmu.readMSR(0x38F) == 0x2_0000_000F)
        let gp3 = try #require(pmu.counter("gp3"))
        #expect(gp3.event == "0xC0:0x00")
        #expect(gp3.eventSelect == 0x53_00C0)
        #expect(gp3.isProgrammed && !gp3.isFixed)
        let fixed1 = try #require(pmu.counter("fixed1"))
        #expect(fixed1.event == "cycles")
        #expect(fixed1.eventSelect == 0x2)
        #expect(fixed1.isFixed)
        #expect(pmu.counter("gp0")?.event == nil)
        #expect(pmu.counter("gp0")?.isProgrammed == false)
        // A guest that changes the event replaces the --pmc text with its own encoding.
        #expect(pmu.writeMSR(0x189, value: 0x43_00C4))
        #expect(pmu.counter("gp3")?.event == "0xc4:0x00")
    }

    @Test func filterParsing() throws {
        let deny = try EventFilter.parse("deny,0xC0:0x00,fixed=0x1", vendor: .intel)
        #expect(deny.action == .deny)
        #expect(deny.fixedCounterBitmap == 1)
        #expect(!deny.isMasked)
        let masked = try EventFilter.parse("allow,m:0xC0:0xFF:0x00,m:0xC4:0x0:0x0:x", vendor: .intel)
        #expect(masked.isMasked)
        #expect(try EventFilter.parse("deny", vendor: .intel).fixedCounterBitmap == 0)
        #expect(try EventFilter.parse("allow,0x1C0:0x00", vendor: .amd).action == .allow)
    }

    @Test(arguments: [
        ("", "expected allow or deny"),
        ("block,0xC0:0x00", "expected allow or deny"),
        ("deny,0x100:0x00", "event 0x100 is above 0xff on intel"),
        ("deny,0xC0:0x100", "unit mask 0x100 is above 0xff"),
        ("deny,0xC0", "bad entry '0xC0'"),
        ("deny,0xC0:0x00,m:0xC4:0xFF:0x00", "plain and masked entries mixed"),
        ("deny,m:0xC4:0x1FF:0x00", "mask 0x1ff is above 0xff"),
        ("deny,m:0xC4:0xFF:0x00:y", "bad masked entry"),
        ("deny,fixed=0x1,fixed=0x2", "fixed= given twice"),
        ("deny,fixed=0x100000000", "bad fixed counter bitmap"),
        ("deny,zz:0x00", "bad event 'zz'"),
    ])
    func filterParseErrors(text: String, problem: String) {
        #expect {
            _ = try EventFilter.parse(text, vendor: .intel)
        } throws: { error in
            "\(error)".hasPrefix("--filter '\(text)': ") && "\(error)".contains(problem)
        }
    }

    @Test func filterAllowsAtMost300Entries() throws {
        let entries = (0..<300).map { "0x\(String($0 % 256, radix: 16)):0x\(String($0 / 256, radix: 16))" }
        #expect(throws: Never.self) { try EventFilter.parse("allow," + entries.joined(separator: ","), vendor: .intel) }
        #expect {
            try EventFilter.parse("allow," + (entries + ["0xC0:0x05"]).joined(separator: ","), vendor: .intel)
        } throws: { "\($0)".contains("more than 300 entries") }
    }

    // §15: masked entries, exclude, allow vs deny, and the fixed bitmap.
    @Test func filterSemantics() throws {
        let specs = ["gp0=0xC0:0x00", "gp1=branches", "fixed0=instructions"]
        func counts(_ filter: String) throws -> [UInt64] {
            let pmu = try makePMU(pmc: specs)
            pmu.install(filter: try EventFilter.parse(filter, vendor: .intel))
            Guest(pmu).run(s2)
            return [pmu.value("gp0"), pmu.value("gp1"), pmu.value("fixed0")]
        }
        #expect(try counts("allow,0xC0:0x00") == [11, 0, 0])  // an allow filter with bitmap 0 blocks fixed
        #expect(try counts("allow,0xC4:0x00,fixed=0x1") == [0, 10, 11])
        #expect(try counts("deny") == [11, 10, 11])
        #expect(try counts("allow,m:0xC0:0x00:0x00,m:0xC4:0xF0:0x00") == [11, 10, 0])
        #expect(try counts("allow,m:0xC0:0x00:0x00,m:0xC0:0x00:0x00:x") == [0, 0, 0])
        #expect(try counts("deny,m:0xC4:0x00:0x01") == [11, 10, 11])  // match outside mask never hits
        #expect(try counts("deny,0xC0:0x01") == [11, 10, 11])  // plain entries need the exact umask
    }

    @Test func lvtpcFromTheCommandLine() throws {
        let pmu = try makePMU()
        try pmu.setLVTPC(hostValue: 0x1040)
        #expect(pmu.lvtpc == 0x40)
        #expect(throws: PMUSetupError("--lvtpc 0x200: delivery mode 010 is neither 000 (fixed) nor 100 (NMI)")) {
            try pmu.setLVTPC(hostValue: 0x200)
        }
        #expect(throws: PMUSetupError("--lvtpc 0x20000: bits outside 7:0, 10:8, 12 and 16 are set")) {
            try pmu.setLVTPC(hostValue: 0x2_0000)
        }
        #expect(pmu.lvtpc == 0x40)
    }

    @Test func configurationErrors() {
        #expect(throws: PMUSetupError("--pmu-version 3: must be 0, 1 or 2")) { try makePMU { $0.version = 3 } }
        #expect(throws: PMUSetupError("--gp-counters 9: intel allows 0 to 8")) { try makePMU { $0.gpCounters = 9 } }
        #expect(throws: PMUSetupError("--gp-counters 7: amd allows 0 to 6")) { try makePMU(.amd) { $0.gpCounters = 7 } }
        #expect(throws: PMUSetupError("--gp-counters -1: intel allows 0 to 8")) { try makePMU { $0.gpCounters = -1 } }
        #expect(throws: PMUSetupError("--fixed-counters 1: AMD has no fixed counters")) {
            try makePMU(.amd) { $0.fixedCounters = 1 }
        }
        #expect(throws: PMUSetupError("--fixed-counters 0: fixed counters need --pmu-version 2")) {
            try makePMU { $0.version = 1; $0.fixedCounters = 0 }
        }
        #expect(throws: PMUSetupError("--fixed-counters 4: intel allows 0 to 3")) { try makePMU { $0.fixedCounters = 4 } }
    }
}
