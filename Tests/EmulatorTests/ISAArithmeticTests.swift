import Emulator
import Testing

/// ADD/ADC/SUB/SBB/CMP/NEG/INC/DEC, logic, MUL/IMUL and DIV/IDIV (isa-subset.md §3–§5).
///
/// Flags: only the SDM-defined flags are compared (mask per table, isa-subset.md §5): all six
/// status flags for ADD…NEG (INC/DEC with CF preset to show it is preserved), OF SF ZF PF CF for
/// logic (AF undefined), CF/OF for multiplies, none for divides. Registers not named in `expect`
/// must keep their initial values.
@Suite struct ISAArithmeticTests {
    static let addSub: [ISACase] = [
        //   0: 00 c8                          add al,cl
        ISACase("add al,cl", "00 c8", setup: "rax=0x7f rcx=1", expect: "rax=0x80", flags: 0x890, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: 00 c8                          add al,cl
        ISACase("add al,cl", "00 c8", setup: "rax=0xff rcx=1", expect: "rax=0x0", flags: 0x55, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: 00 c8                          add al,cl
        ISACase("add al,cl", "00 c8", setup: "rax=0x80 rcx=0x80", expect: "rax=0x0", flags: 0x845, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: 00 c8                          add al,cl
        ISACase("add al,cl", "00 c8", setup: "rax=0x0f rcx=0x0f", expect: "rax=0x1e", flags: 0x14, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: 66 01 c8                       add ax,cx
        ISACase("add ax,cx", "66 01 c8", setup: "rax=0x12347fff rcx=1", expect: "rax=0x12348000", flags: 0x894, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: 66 01 c8                       add ax,cx
        ISACase("add ax,cx", "66 01 c8", setup: "rax=0xffff rcx=1", expect: "rax=0x0", flags: 0x55, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: 01 c8                          add eax,ecx
        ISACase("add eax,ecx", "01 c8", setup: "rax=0x1234567880000000 rcx=0x80000000", expect: "rax=0x0", flags: 0x845, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: 01 c8                          add eax,ecx
        ISACase("add eax,ecx", "01 c8", setup: "rax=0x7fffffff rcx=1", expect: "rax=0x80000000", flags: 0x894, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: 48 01 c8                       add rax,rcx
        ISACase("add rax,rcx", "48 01 c8", setup: "rax=0x7fffffffffffffff rcx=1", expect: "rax=0x8000000000000000", flags: 0x894, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: 48 01 c8                       add rax,rcx
        ISACase("add rax,rcx", "48 01 c8", setup: "rax=0xffffffffffffffff rcx=1", expect: "rax=0x0", flags: 0x55, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: 48 83 c0 ff                    add rax,0xffffffffffffffff
        ISACase("add rax,0xffffffffffffffff", "48 83 c0 ff", setup: "rax=5", expect: "rax=0x4", flags: 0x11, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: 48 05 ff ff ff 7f              add rax,0x7fffffff
        ISACase("add rax,0x7fffffff", "48 05 ff ff ff 7f", setup: "rax=0x8000000000000000", expect: "rax=0x800000007fffffff", flags: 0x84, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: 48 05 00 00 00 80              add rax,0xffffffff80000000
        ISACase("add rax,0xffffffff80000000", "48 05 00 00 00 80", setup: "rax=0x80000000", expect: "rax=0x0", flags: 0x45, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: 10 c8                          adc al,cl
        ISACase("adc al,cl", "10 c8", setup: "rax=0x7f rcx=0 rflags=0x1", expect: "rax=0x80", flags: 0x890, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: 48 11 c8                       adc rax,rcx
        ISACase("adc rax,rcx", "48 11 c8", setup: "rax=0xffffffffffffffff rcx=0 rflags=0x1", expect: "rax=0x0", flags: 0x55, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: 11 c8                          adc eax,ecx
        ISACase("adc eax,ecx", "11 c8", setup: "rax=0xffffffff rcx=0xffffffff rflags=0x1", expect: "", flags: 0x95, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: 66 11 c8                       adc ax,cx
        ISACase("adc ax,cx", "66 11 c8", setup: "rax=0x7ffe rcx=1 rflags=0x1", expect: "rax=0x8000", flags: 0x894, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: 48 11 c8                       adc rax,rcx
        ISACase("adc rax,rcx", "48 11 c8", setup: "rax=1 rcx=2 rflags=0x0", expect: "rax=0x3", flags: 0x4, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: 28 c8                          sub al,cl
        ISACase("sub al,cl", "28 c8", setup: "rax=0x80 rcx=1", expect: "rax=0x7f", flags: 0x810, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: 29 c8                          sub eax,ecx
        ISACase("sub eax,ecx", "29 c8", setup: "rax=0xffffffff00000000 rcx=1", expect: "rax=0xffffffff", flags: 0x95, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: 48 29 c8                       sub rax,rcx
        ISACase("sub rax,rcx", "48 29 c8", setup: "rax=0x1234 rcx=0x1234", expect: "rax=0x0", flags: 0x44, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: 66 29 c8                       sub ax,cx
        ISACase("sub ax,cx", "66 29 c8", setup: "rax=0x8000 rcx=1", expect: "rax=0x7fff", flags: 0x814, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: 48 29 c8                       sub rax,rcx
        ISACase("sub rax,rcx", "48 29 c8", setup: "rax=0x10 rcx=0x8000000000000000", expect: "rax=0x8000000000000010", flags: 0x881, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: 18 c8                          sbb al,cl
        ISACase("sbb al,cl", "18 c8", setup: "rax=0 rcx=0 rflags=0x1", expect: "rax=0xff", flags: 0x95, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: 48 19 c8                       sbb rax,rcx
        ISACase("sbb rax,rcx", "48 19 c8", setup: "rax=0x8000000000000000 rcx=0 rflags=0x1", expect: "rax=0x7fffffffffffffff", flags: 0x814, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: 18 c8                          sbb al,cl
        ISACase("sbb al,cl", "18 c8", setup: "rax=0 rcx=0xff rflags=0x1", expect: "", flags: 0x55, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: 19 c8                          sbb eax,ecx
        ISACase("sbb eax,ecx", "19 c8", setup: "rax=5 rcx=5 rflags=0x1", expect: "rax=0xffffffff", flags: 0x95, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: 19 c8                          sbb eax,ecx
        ISACase("sbb eax,ecx", "19 c8", setup: "rax=5 rcx=5 rflags=0x0", expect: "rax=0x0", flags: 0x44, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: 38 c8                          cmp al,cl
        ISACase("cmp al,cl", "38 c8", setup: "rax=0x80 rcx=0x7f", expect: "", flags: 0x810, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: 48 39 c8                       cmp rax,rcx
        ISACase("cmp rax,rcx", "48 39 c8", setup: "rax=1 rcx=2", expect: "", flags: 0x95, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: 48 83 f8 ff                    cmp rax,0xffffffffffffffff
        ISACase("cmp rax,0xffffffffffffffff", "48 83 f8 ff", setup: "rax=0xffffffffffffffff", expect: "", flags: 0x44, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: 81 f9 00 00 00 80              cmp ecx,0x80000000
        ISACase("cmp ecx,0x80000000", "81 f9 00 00 00 80", setup: "rcx=0x7fffffff", expect: "", flags: 0x885, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: 66 83 3c 25 00 00 60 00 01     cmp WORD PTR ds:0x600000,0x1
        ISACase("cmp WORD PTR ds:0x600000,0x1", "66 83 3c 25 00 00 60 00 01", setup: "", expect: "", flags: 0x95, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: f6 d8                          neg al
        ISACase("neg al", "f6 d8", setup: "rax=0", expect: "", flags: 0x44, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: f6 d8                          neg al
        ISACase("neg al", "f6 d8", setup: "rax=0x80", expect: "", flags: 0x881, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: 48 f7 d8                       neg rax
        ISACase("neg rax", "48 f7 d8", setup: "rax=1", expect: "rax=0xffffffffffffffff", flags: 0x95, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: 66 f7 d8                       neg ax
        ISACase("neg ax", "66 f7 d8", setup: "rax=0x8000", expect: "", flags: 0x885, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: f7 d8                          neg eax
        ISACase("neg eax", "f7 d8", setup: "rax=0xffffffff00000010", expect: "rax=0xfffffff0", flags: 0x85, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: fe c0                          inc al
        ISACase("inc al", "fe c0", setup: "rax=0x7f rflags=0x1", expect: "rax=0x80", flags: 0x891, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: ff c0                          inc eax
        ISACase("inc eax", "ff c0", setup: "rax=0x12345678ffffffff", expect: "rax=0x0", flags: 0x54, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: 48 ff c0                       inc rax
        ISACase("inc rax", "48 ff c0", setup: "rax=0x0f rflags=0x1", expect: "rax=0x10", flags: 0x11, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: 66 ff c8                       dec ax
        ISACase("dec ax", "66 ff c8", setup: "rax=0x8000", expect: "rax=0x7fff", flags: 0x814, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: 48 ff c9                       dec rcx
        ISACase("dec rcx", "48 ff c9", setup: "rcx=1 rflags=0x1", expect: "rcx=0x0", flags: 0x45, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: fe cb                          dec bl
        ISACase("dec bl", "fe cb", setup: "rbx=0", expect: "rbx=0xff", flags: 0x94, mask: Flag.status, count: 1),  // Unicorn 2.0.1
    ]

    @Test(arguments: addSub)
    func addSubCompareNegIncDec(_ testCase: ISACase) throws {
        try testCase.verify()
    }

    static let logic: [ISACase] = [
        //   0: 48 21 c8                       and rax,rcx
        ISACase("and rax,rcx", "48 21 c8", setup: "rax=0xff00ff00ff00ff00 rcx=0xf0f0f0f0f0f0f0f0 rflags=0x801", expect: "rax=0xf000f000f000f000", flags: 0x84, mask: Flag.logic, count: 1),  // Unicorn 2.0.1
        //   0: 83 e0 ff                       and eax,0xffffffff
        ISACase("and eax,0xffffffff", "83 e0 ff", setup: "rax=0xffffffff12345678", expect: "rax=0x12345678", flags: 0x4, mask: Flag.logic, count: 1),  // Unicorn 2.0.1
        //   0: 24 0f                          and al,0xf
        ISACase("and al,0xf", "24 0f", setup: "rax=0xf0", expect: "rax=0x0", flags: 0x44, mask: Flag.logic, count: 1),  // Unicorn 2.0.1
        //   0: 0c 80                          or al,0x80
        ISACase("or al,0x80", "0c 80", setup: "rax=0x01 rflags=0x801", expect: "rax=0x81", flags: 0x84, mask: Flag.logic, count: 1),  // Unicorn 2.0.1
        //   0: 48 09 c8                       or rax,rcx
        ISACase("or rax,rcx", "48 09 c8", setup: "rax=0 rcx=0", expect: "", flags: 0x44, mask: Flag.logic, count: 1),  // Unicorn 2.0.1
        //   0: 31 c0                          xor eax,eax
        ISACase("xor eax,eax", "31 c0", setup: "rax=0xffffffffffffffff rflags=0x881", expect: "rax=0x0", flags: 0x44, mask: Flag.logic, count: 1),  // Unicorn 2.0.1
        //   0: 48 31 c8                       xor rax,rcx
        ISACase("xor rax,rcx", "48 31 c8", setup: "rax=0x8000000000000001 rcx=1", expect: "rax=0x8000000000000000", flags: 0x84, mask: Flag.logic, count: 1),  // Unicorn 2.0.1
        //   0: 48 85 c8                       test rax,rcx
        ISACase("test rax,rcx", "48 85 c8", setup: "rax=0x8000000000000000 rcx=0x8000000000000000 rflags=0x1", expect: "", flags: 0x84, mask: Flag.logic, count: 1),  // Unicorn 2.0.1
        //   0: a8 81                          test al,0x81
        ISACase("test al,0x81", "a8 81", setup: "rax=0x100", expect: "", flags: 0x44, mask: Flag.logic, count: 1),  // Unicorn 2.0.1
        //   0: 85 c9                          test ecx,ecx
        ISACase("test ecx,ecx", "85 c9", setup: "rcx=0x8000000000000000", expect: "", flags: 0x44, mask: Flag.logic, count: 1),  // Unicorn 2.0.1
        //   0: 48 f7 d0                       not rax
        ISACase("not rax", "48 f7 d0", setup: "rax=0x00ff rflags=0x8d5", expect: "rax=0xffffffffffffff00", flags: 0x8d5, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: f7 d0                          not eax
        ISACase("not eax", "f7 d0", setup: "rax=0xffffffff0000ffff", expect: "rax=0xffff0000", flags: 0x0, mask: Flag.status, count: 1),  // Unicorn 2.0.1
    ]

    @Test(arguments: logic)
    func logicOperations(_ testCase: ISACase) throws {
        try testCase.verify()
    }

    static let multiply: [ISACase] = [
        //   0: f6 e1                          mul cl
        ISACase("mul cl", "f6 e1", setup: "rax=0x80 rcx=2", expect: "rax=0x100", flags: 0x801, mask: Flag.mul, count: 1),  // Unicorn 2.0.1
        //   0: f6 e1                          mul cl
        ISACase("mul cl", "f6 e1", setup: "rax=0x1234560f rcx=0x10", expect: "rax=0x123400f0", flags: 0x0, mask: Flag.mul, count: 1),  // Unicorn 2.0.1
        //   0: 66 f7 e1                       mul cx
        ISACase("mul cx", "66 f7 e1", setup: "rax=0xffff rcx=0xffff rdx=0x123456789", expect: "rax=0x1 rdx=0x12345fffe", flags: 0x801, mask: Flag.mul, count: 1),  // Unicorn 2.0.1
        //   0: f7 e1                          mul ecx
        ISACase("mul ecx", "f7 e1", setup: "rax=0xffffffff80000000 rcx=4 rdx=0xffffffffffffffff", expect: "rax=0x0 rdx=0x2", flags: 0x801, mask: Flag.mul, count: 1),  // Unicorn 2.0.1
        //   0: 48 f7 e1                       mul rcx
        ISACase("mul rcx", "48 f7 e1", setup: "rax=0xffffffffffffffff rcx=0xffffffffffffffff", expect: "rax=0x1 rdx=0xfffffffffffffffe", flags: 0x801, mask: Flag.mul, count: 1),  // Unicorn 2.0.1
        //   0: 48 f7 e1                       mul rcx
        ISACase("mul rcx", "48 f7 e1", setup: "rax=0x1000 rcx=0x1000 rdx=5", expect: "rax=0x1000000 rdx=0x0", flags: 0x0, mask: Flag.mul, count: 1),  // Unicorn 2.0.1
        //   0: f6 e9                          imul cl
        ISACase("imul cl", "f6 e9", setup: "rax=0xff rcx=0xff", expect: "rax=0x1", flags: 0x0, mask: Flag.mul, count: 1),  // Unicorn 2.0.1
        //   0: f6 e9                          imul cl
        ISACase("imul cl", "f6 e9", setup: "rax=0x40 rcx=2", expect: "rax=0x80", flags: 0x801, mask: Flag.mul, count: 1),  // Unicorn 2.0.1
        //   0: 66 f7 e9                       imul cx
        ISACase("imul cx", "66 f7 e9", setup: "rax=0xffff rcx=2 rdx=0x55555", expect: "rax=0xfffe rdx=0x5ffff", flags: 0x0, mask: Flag.mul, count: 1),  // Unicorn 2.0.1
        //   0: 48 f7 e9                       imul rcx
        ISACase("imul rcx", "48 f7 e9", setup: "rax=0xffffffffffffffff rcx=0x8000000000000000", expect: "rax=0x8000000000000000", flags: 0x801, mask: Flag.mul, count: 1),  // Unicorn 2.0.1
        //   0: 48 f7 e9                       imul rcx
        ISACase("imul rcx", "48 f7 e9", setup: "rax=0x100000000 rcx=0x100000000", expect: "rax=0x0 rdx=0x1", flags: 0x801, mask: Flag.mul, count: 1),  // Unicorn 2.0.1
        //   0: 48 0f af c1                    imul rax,rcx
        ISACase("imul rax,rcx", "48 0f af c1", setup: "rax=0x100000000 rcx=0x100000000", expect: "rax=0x0", flags: 0x801, mask: Flag.mul, count: 1),  // Unicorn 2.0.1
        //   0: 48 0f af c1                    imul rax,rcx
        ISACase("imul rax,rcx", "48 0f af c1", setup: "rax=0xfffffffffffffffd rcx=7", expect: "rax=0xffffffffffffffeb", flags: 0x0, mask: Flag.mul, count: 1),  // Unicorn 2.0.1
        //   0: 0f af c1                       imul eax,ecx
        ISACase("imul eax,ecx", "0f af c1", setup: "rax=0xffffffff00010000 rcx=0x8000", expect: "rax=0x80000000", flags: 0x801, mask: Flag.mul, count: 1),  // Unicorn 2.0.1
        //   0: 66 0f af c1                    imul ax,cx
        ISACase("imul ax,cx", "66 0f af c1", setup: "rax=0x100 rcx=0x7f", expect: "rax=0x7f00", flags: 0x0, mask: Flag.mul, count: 1),  // Unicorn 2.0.1
        //   0: 48 6b c1 fe                    imul rax,rcx,0xfffffffffffffffe
        ISACase("imul rax,rcx,0xfffffffffffffffe", "48 6b c1 fe", setup: "rcx=0x4000000000000000", expect: "rax=0x8000000000000000", flags: 0x0, mask: Flag.mul, count: 1),  // Unicorn 2.0.1
        //   0: 69 c1 78 56 34 12              imul eax,ecx,0x12345678
        ISACase("imul eax,ecx,0x12345678", "69 c1 78 56 34 12", setup: "rax=0xffffffffffffffff rcx=0x10", expect: "rax=0x23456780", flags: 0x801, mask: Flag.mul, count: 1),  // Unicorn 2.0.1
        //   0: 48 6b 14 25 00 00 60 00 05     imul rdx,QWORD PTR ds:0x600000,0x5
        ISACase("imul rdx,QWORD PTR ds:0x600000,0x5", "48 6b 14 25 00 00 60 00 05", setup: "rdx=0x77", expect: "rdx=0x0", flags: 0x0, mask: Flag.mul, count: 1),  // Unicorn 2.0.1
    ]

    @Test(arguments: multiply)
    func multiplyResultsAndFlags(_ testCase: ISACase) throws {
        try testCase.verify()
    }

    static let divide: [ISACase] = [
        //   0: f6 f1                          div cl
        ISACase("div cl", "f6 f1", setup: "rax=0xabcd0f34 rcx=0x10", expect: "rax=0xabcd04f3", count: 1),  // Unicorn 2.0.1
        //   0: 66 f7 f1                       div cx
        ISACase("div cx", "66 f7 f1", setup: "rax=0x5678 rdx=0xffff0012 rcx=0x100", expect: "rax=0x1256 rdx=0xffff0078", count: 1),  // Unicorn 2.0.1
        //   0: f7 f1                          div ecx
        ISACase("div ecx", "f7 f1", setup: "rax=0xffffffff00000005 rdx=0xffffffff00000001 rcx=0x10", expect: "rax=0x10000000 rdx=0x5", count: 1),  // Unicorn 2.0.1
        //   0: 48 f7 f1                       div rcx
        ISACase("div rcx", "48 f7 f1", setup: "rax=0x0 rdx=0x1 rcx=0x3", expect: "rax=0x5555555555555555", count: 1),  // Unicorn 2.0.1
        //   0: 48 f7 f9                       idiv rcx
        ISACase("idiv rcx", "48 f7 f9", setup: "rax=0xfffffffffffffff9 rdx=0xffffffffffffffff rcx=2", expect: "rax=0xfffffffffffffffd", count: 1),  // Unicorn 2.0.1
        //   0: f6 f9                          idiv cl
        ISACase("idiv cl", "f6 f9", setup: "rax=0xff9c rcx=0x07", expect: "rax=0xfef2", count: 1),  // Unicorn 2.0.1
        //   0: f7 f9                          idiv ecx
        ISACase("idiv ecx", "f7 f9", setup: "rax=0x80000000 rdx=0xffffffff rcx=0xfffffffe", expect: "rax=0x40000000 rdx=0x0", count: 1),  // Unicorn 2.0.1
        //   0: 48 f7 f9                       idiv rcx
        ISACase("idiv rcx", "48 f7 f9", setup: "rax=7 rdx=0 rcx=0xfffffffffffffffe", expect: "rax=0xfffffffffffffffd rdx=0x1", count: 1),  // Unicorn 2.0.1
    ]

    @Test(arguments: divide)
    func divideResults(_ testCase: ISACase) throws {
        try testCase.verify()
    }


    /// A divide that raises #DE changes nothing and does not retire (isa-subset.md §4, §9).
    struct DivideFault: Sendable, CustomTestStringConvertible {
        var name: String
        var hex: String
        var setup: String
        /// Address of the faulting divide.
        var rip: UInt64
        /// Instructions retired before it.
        var retired: UInt64
        var testDescription: String { "\(name) [\(setup)]" }
    }

    static let divideFaults: [DivideFault] = [
        // hand: divisor 0 ⇒ #DE (SDM DIV).   0: 48 f7 f1  div rcx
        DivideFault(name: "div rcx", hex: "48 f7 f1", setup: "rax=5 rdx=7 rcx=0 rflags=0x8d5", rip: 0x400000, retired: 0),
        // hand: RDX:RAX / RCX ≥ 2^64 when RDX ≥ RCX ⇒ quotient overflow.   0: 48 f7 f1  div rcx
        DivideFault(name: "div rcx", hex: "48 f7 f1", setup: "rax=0 rdx=3 rcx=3", rip: 0x400000, retired: 0),
        // hand: INT64_MIN / −1 = 2^63 does not fit ⇒ #DE.   0: 48 f7 f9  idiv rcx
        DivideFault(name: "idiv rcx", hex: "48 f7 f9",
                    setup: "rax=0x8000000000000000 rdx=0xffffffffffffffff rcx=0xffffffffffffffff", rip: 0x400000, retired: 0),
        // hand: AX = −32768 / −1 = 32768 > 127 ⇒ #DE.   0: f6 f9  idiv cl
        DivideFault(name: "idiv cl", hex: "f6 f9", setup: "rax=0x8000 rcx=0xff", rip: 0x400000, retired: 0),
        // hand: 0x1234 / 0x10 = 0x123 > 0xFF ⇒ #DE (Unicorn 2.0.1 also raises vector 0).   0: f6 f1  div cl
        DivideFault(name: "div cl", hex: "f6 f1", setup: "rax=0x1234 rcx=0x10", rip: 0x400000, retired: 0),
        // hand: EDX:EAX = −2^31, / −1 = 2^31 > INT32_MAX ⇒ #DE (Unicorn 2.0.1 also raises vector 0).   0: f7 f9  idiv ecx
        DivideFault(name: "idiv ecx", hex: "f7 f9", setup: "rax=0x80000000 rdx=0xffffffff rcx=0xffffffff", rip: 0x400000, retired: 0),
        // hand: the 32-bit form only looks at ECX = 0 (RCX[63:32] ignored).
        //   0: b8 05 00 00 00  mov eax,0x5
        //   5: f7 f1           div ecx
        DivideFault(name: "mov eax,0x5; div ecx", hex: "b8 05 00 00 00 f7 f1", setup: "rcx=0x100000000", rip: 0x400005, retired: 1),
    ]

    @Test(arguments: divideFaults)
    func divideErrorChangesNothing(_ testCase: DivideFault) throws {
        let result = try ISA.run(testCase.hex, testCase.setup)
        #expect(result.stop == .fault)
        #expect(result.fault?.exception == "#DE")
        #expect(result.fault?.vector == 0)
        #expect(result.fault?.errorCode == nil)
        #expect(result.stopRIP == testCase.rip)
        #expect(result.instructions == testCase.retired)
        #expect(result.branches == 0)
        var expected = result.initialRegisters
        if testCase.retired == 1 { expected[0] = 5 }  // the mov eax,5 before the divide
        #expect(result.registers == expected)
        if testCase.setup.contains("rflags=0x8d5") { #expect(result.rflags == 0x8d7) }
    }
}
