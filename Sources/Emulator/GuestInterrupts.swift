import Interpreter
import VirtualPMU

/// The vCPU's interrupt state as far as a PMI needs it: NMI blocking, the single in-service bit of
/// vpmu's reduced local APIC, the STI shadow, and the PMI held per delivery mode (isa-subset.md §7).
///
/// KVM injects an accepted PMI at VM-Enter when the vCPU can take it and otherwise asks for an
/// NMI- or interrupt-window exit; ``windowOpened(interpreter:)`` plays that exit.
struct GuestInterrupts {
    /// An NMI handler runs: new NMIs wait for the next IRETQ (SDM Vol. 3 §6.7.1).
    var nmiBlocked = false
    /// A fixed-mode PMI was delivered and the guest has not written EOI yet.
    var fixedInService = false
    /// The instruction after an STI that set IF is running or about to run.
    var shadowActive = false
    /// Index in `pmu.pmis` of the PMI held in NMI mode (a later one merges into it).
    var heldNMI: Int? = nil
    /// Index and vector of the PMI held in fixed mode.
    var heldFixed: (index: Int, vector: UInt8)? = nil

    /// Takes a PMI just accepted through LVTPC; without a usable gate it is recorded only.
    mutating func accept(_ record: PMIRecord, index: Int, interpreter: Interpreter) {
        let vector = UInt8(truncatingIfNeeded: record.vector)
        guard interpreter.hasGate(for: vector) else { return }
        if record.mode == "nmi" {
            heldNMI = index
        } else {
            heldFixed = (index, vector)
        }
    }

    /// Nothing held and no STI shadow: a VM-Enter step delivers nothing.
    var isIdle: Bool { heldNMI == nil && heldFixed == nil && !shadowActive }

    /// Vectors what is held and deliverable now (never at the step after the guest stopped).
    mutating func deliverHeld(interpreter: Interpreter, pmu: PMU) {
        if let index = heldNMI, !nmiBlocked {
            heldNMI = nil
            if interpreter.deliverInterrupt(vector: 2, errorCode: nil) {
                nmiBlocked = true
                shadowActive = false  // event delivery ends blocking by STI
                pmu.markVectored(pmiIndex: index)
            }
        }
        if let (index, vector) = heldFixed, canTakeFixed(interpreter) {
            heldFixed = nil
            if interpreter.deliverInterrupt(vector: vector, errorCode: nil) {
                fixedInService = true
                pmu.markVectored(pmiIndex: index)
            }
        }
    }

    func canTakeFixed(_ interpreter: Interpreter) -> Bool {
        interpreter.interruptsEnabled && !shadowActive && !fixedInService
    }

    /// Notices that end a run: an IRETQ while an NMI is held, IF going to 1 while a fixed PMI is held.
    var runStops: InterpreterNotices {
        var notices: InterpreterNotices = []
        if heldNMI != nil { notices.insert(.iretq) }
        if heldFixed != nil { notices.insert(.interruptsEnabled) }
        return notices
    }

    /// Updates the state after a run that retired `retired` instructions and raised `notices`.
    mutating func observe(_ notices: InterpreterNotices, retired: Int) {
        if notices.contains(.iretq) { nmiBlocked = false }
        if retired > 0 && shadowActive && !notices.contains(.interruptShadow) { shadowActive = false }
        if notices.contains(.interruptShadow) { shadowActive = true }
    }

    /// Guest EOI write (x2APIC 0x80B := 0): ends the in-service fixed-mode PMI.
    mutating func endOfInterrupt() { fixedInService = false }

    /// Whether a held PMI just became deliverable, so the batch ends (KVM's NMI/interrupt-window exit).
    func windowOpened(interpreter: Interpreter) -> Bool {
        (heldNMI != nil && !nmiBlocked) || (heldFixed != nil && canTakeFixed(interpreter))
    }
}
