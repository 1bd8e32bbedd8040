import CCapstone
import X86IR

/// How one Capstone register id maps onto vpmu's operands, built once from Capstone's own names.
struct RegisterMap {
    enum Entry {
        case general(Operand, size: UInt8)
        case instructionPointer(size: UInt8)
        case other
    }
    private var entries: [Entry]

    init(handle: CapstoneHandle) {
        let count = Int(X86_REG_ENDING.rawValue)
        var entries = [Entry](repeating: .other, count: count)
        for id in 1..<count {
            guard let name = handle.registerName(UInt32(id)) else { continue }
            entries[id] = Self.entry(forName: name)
        }
        self.entries = entries
    }

    subscript(id: x86_reg) -> Entry {
        let index = Int(id.rawValue)
        return index < entries.count ? entries[index] : .other
    }

    private static let legacy = ["ax": 0, "cx": 1, "dx": 2, "bx": 3, "sp": 4, "bp": 5, "si": 6, "di": 7]

    private static func entry(forName name: String) -> Entry {
        switch name {
        case "rip": return .instructionPointer(size: 8)
        case "eip": return .instructionPointer(size: 4)
        case "ah": return .general(.highByte(0), size: 1)
        case "ch": return .general(.highByte(1), size: 1)
        case "dh": return .general(.highByte(2), size: 1)
        case "bh": return .general(.highByte(3), size: 1)
        case "al", "cl", "dl", "bl":
            return .general(.register(legacy[String(name.prefix(1)) + "x"] ?? 0), size: 1)
        case "spl", "bpl", "sil", "dil":
            return .general(.register(legacy[String(name.prefix(2))] ?? 0), size: 1)
        default: break
        }
        if name.hasPrefix("r"), let number = Int(name.dropFirst().prefix { $0.isNumber }), number >= 8,
            number <= 15
        {
            let suffix = name.drop { $0 != "d" && $0 != "w" && $0 != "b" }
            let size: UInt8 = suffix == "d" ? 4 : suffix == "w" ? 2 : suffix == "b" ? 1 : 8
            return .general(.register(number), size: size)
        }
        if name.count == 3, let number = legacy[String(name.dropFirst())] {
            if name.hasPrefix("r") { return .general(.register(number), size: 8) }
            if name.hasPrefix("e") { return .general(.register(number), size: 4) }
        }
        if name.count == 2, let number = legacy[name] { return .general(.register(number), size: 2) }
        return .other
    }
}
