extension PMU {
    /// Host-initiated setup for one `--pmc` (cli.md B2), in command-line order, before the first step.
    ///
    /// Writes the event select (GP) or the counter's FIXED_CTR_CTRL nibble (fixed), writes the counter
    /// with a full-width host write, sets its GLOBAL_CTRL bit (version ≥ 2) and marks it for reprogram,
    /// so step 0 creates its stand-in and latches `intr`.
    ///
    /// - Throws: ``PMUSetupError`` for a counter this PMU lacks, a name given twice, or a fixed counter
    ///   given an event other than its own.
    public func program(_ program: PMCProgram) throws(PMUSetupError) {
        func failure(_ problem: String) -> PMUSetupError {
            PMUSetupError("--pmc '\(program.text)': \(problem)")
        }
        let position: Int
        if program.isFixed {
            guard program.counterIndex < fixedCount else {
                throw failure("no counter \(program.counterName) on this PMU (\(fixedCount) fixed counters)")
            }
            let i = program.counterIndex
            // Its own event: the constant encoding, or the GP encoding of the same named event.
            let own: [UInt64] = [fixedEventSelects[i], [0x00C0, 0x003C, 0x013C][i]]
            guard own.contains(program.eventCode) else {
                let names = ["instructions", "cycles", "ref-cycles"]
                throw failure("\(program.counterName) counts only \(names[i])")
            }
            position = gpCount + i
        } else {
            guard program.counterIndex < gpCount else {
                throw failure("no counter \(program.counterName) on this PMU (\(gpCount) GP counters)")
            }
            position = program.counterIndex
        }
        let bit = pmcs[position].bit
        guard hostProgrammed & bit == 0 else {
            throw failure("\(program.counterName) given twice")
        }
        hostProgrammed |= bit

        if program.isFixed {
            let shift = UInt64(4 * program.counterIndex)
            let value = (fixedCtrl & ~(0xF << shift)) | (program.fixedControlNibble << shift)
            if value != fixedCtrl {
                reprogramFixedCounters(value)
            }
        } else {
            writeEventSelect(at: position, program.eventSelect)
        }
        pmcInUse |= bit
        writeCounter(at: position, program.start, hostInitiated: true)
        if version >= 2 {
            setGlobalControl(globalCtrl | bit)
        }
        reprogram |= bit
        hostEventTexts[position] = program.eventText
        pmcs[position].isProgrammed = true
    }
}
