import Emulator
import VirtualPMU
import Testing

/// Shifts, rotates, double shifts and bit operations (isa-subset.md §4 "Shifts and rotates", §5).
///
/// Flags compared: CF SF ZF PF for shifts and SHLD/SHRD (plus OF when the count is 1); CF and the
/// untouched SF ZF AF PF for rotates (plus OF when the count is 1); all status flags when the masked
/// count is 0 (nothing may change); CF and the unaffected ZF for BT*; ZF for BSF/BSR; CF ZF for
/// LZCNT/TZCNT; all for POPCNT. 8/16-bit shifts by more than the width and 16-bit SHLD by more
/// than 16 are SDM-undefined: those expectations are hand-derived from isa-subset.md §4.
@Suite struct ISAShiftTests {
    static let shifts: [ISACase] = [
        //   0: d3 e0                          shl eax,cl
        ISACase("shl eax,cl", "d3 e0", setup: "rax=0x80000001 rcx=33", expect: "rax=0x2", flags: 0x801, mask: Flag.logic, count: 1),  // Unicorn 2.0.1
        //   0: 48 d3 e0                       shl rax,cl
        ISACase("shl rax,cl", "48 d3 e0", setup: "rax=0x8000000000000001 rcx=65", expect: "rax=0x2", flags: 0x801, mask: Flag.logic, count: 1),  // Unicorn 2.0.1
        //   0: 48 d3 e0                       shl rax,cl
        ISACase("shl rax,cl", "48 d3 e0", setup: "rax=1 rcx=33", expect: "rax=0x200000000", flags: 0x4, mask: Flag.logic - Flag.of, count: 1),  // Unicorn 2.0.1
        //   0: d3 e0                          shl eax,cl
        ISACase("shl eax,cl", "d3 e0", setup: "rax=0xffffffff00000001 rcx=32 rflags=0x8d5", expect: "rax=0x1", flags: 0x8d5, mask: Flag.status, count: 1),  // hand: masked count 0: flags unchanged, 32-bit destination zero-extended (isa-subset.md §4)
        //   0: 48 d3 e0                       shl rax,cl
        ISACase("shl rax,cl", "48 d3 e0", setup: "rax=5 rcx=64 rflags=0x8d5", expect: "", flags: 0x8d5, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: 66 d3 e8                       shr ax,cl
        ISACase("shr ax,cl", "66 d3 e8", setup: "rax=0x8001 rcx=0x20 rflags=0x0", expect: "", flags: 0x0, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: c1 f8 00                       sar eax,0x0
        ISACase("sar eax,0x0", "c1 f8 00", setup: "rax=0xffffffff80000000 rflags=0x8d5", expect: "rax=0x80000000", flags: 0x8d5, mask: Flag.status, count: 1),  // hand: count 0: flags unchanged, 32-bit destination zero-extended (isa-subset.md §4)
        //   0: d2 e0                          shl al,cl
        ISACase("shl al,cl", "d2 e0", setup: "rax=0x01 rcx=8", expect: "rax=0x0", flags: 0x45, mask: Flag.logic - Flag.of, count: 1),  // hand: 8-bit SHL by 8: result 0, CF = bit 0 (last bit out), ZF PF set (isa-subset.md §4)
        //   0: d2 e0                          shl al,cl
        ISACase("shl al,cl", "d2 e0", setup: "rax=0xff rcx=9 rflags=0x1", expect: "rax=0x0", flags: 0x44, mask: Flag.logic - Flag.of, count: 1),  // hand: 8-bit SHL by 9: result 0, CF = bit -1 of the zero-extended value = 0 (isa-subset.md §4)
        //   0: d2 e8                          shr al,cl
        ISACase("shr al,cl", "d2 e8", setup: "rax=0x80 rcx=8", expect: "rax=0x0", flags: 0x45, mask: Flag.logic - Flag.of, count: 1),  // hand: 8-bit SHR by 8: result 0, CF = bit 7 (isa-subset.md §4)
        //   0: 66 d3 e8                       shr ax,cl
        ISACase("shr ax,cl", "66 d3 e8", setup: "rax=0xffff rcx=17 rflags=0x1", expect: "rax=0x0", flags: 0x44, mask: Flag.logic - Flag.of, count: 1),  // hand: 16-bit SHR by 17: result 0, CF = bit 16 of the zero-extended value = 0 (isa-subset.md §4)
        //   0: d2 f8                          sar al,cl
        ISACase("sar al,cl", "d2 f8", setup: "rax=0x80 rcx=10", expect: "rax=0xff", flags: 0x85, mask: Flag.logic - Flag.of, count: 1),  // hand: 8-bit SAR by 10: all sign bits, CF = sign (isa-subset.md §4)
        //   0: 66 d3 f8                       sar ax,cl
        ISACase("sar ax,cl", "66 d3 f8", setup: "rax=0x7fff rcx=31 rflags=0x1", expect: "rax=0x0", flags: 0x44, mask: Flag.logic - Flag.of, count: 1),  // hand: 16-bit SAR by 31 of a positive value: 0, CF = 0 (isa-subset.md §4)
        //   0: 66 d3 e0                       shl ax,cl
        ISACase("shl ax,cl", "66 d3 e0", setup: "rax=0x1 rcx=16", expect: "rax=0x0", flags: 0x45, mask: Flag.logic - Flag.of, count: 1),  // hand: 16-bit SHL by 16: result 0, CF = bit 0 (isa-subset.md §4)
        //   0: 48 d1 e8                       shr rax,1
        ISACase("shr rax,1", "48 d1 e8", setup: "rax=0x8000000000000001", expect: "rax=0x4000000000000000", flags: 0x805, mask: Flag.logic, count: 1),  // Unicorn 2.0.1
        //   0: 48 d1 f8                       sar rax,1
        ISACase("sar rax,1", "48 d1 f8", setup: "rax=0x8000000000000001", expect: "rax=0xc000000000000000", flags: 0x85, mask: Flag.logic, count: 1),  // Unicorn 2.0.1
        //   0: 48 d1 e0                       shl rax,1
        ISACase("shl rax,1", "48 d1 e0", setup: "rax=0x4000000000000000", expect: "rax=0x8000000000000000", flags: 0x884, mask: Flag.logic, count: 1),  // Unicorn 2.0.1
        //   0: c1 e8 04                       shr eax,0x4
        ISACase("shr eax,0x4", "c1 e8 04", setup: "rax=0xffffffff000000f8", expect: "rax=0xf", flags: 0x5, mask: Flag.logic - Flag.of, count: 1),  // Unicorn 2.0.1
        //   0: 41 d3 f8                       sar r8d,cl
        ISACase("sar r8d,cl", "41 d3 f8", setup: "r8=0x80000000 rcx=31", expect: "r8=0xffffffff", flags: 0x84, mask: Flag.logic - Flag.of, count: 1),  // Unicorn 2.0.1
        //   0: 66 c1 e1 03                    shl cx,0x3
        ISACase("shl cx,0x3", "66 c1 e1 03", setup: "rcx=0xffffffffffff2001", expect: "rcx=0xffffffffffff0008", flags: 0x1, mask: Flag.logic - Flag.of, count: 1),  // Unicorn 2.0.1
    ]

    @Test(arguments: shifts)
    func shiftCountsAndFlags(_ testCase: ISACase) throws {
        try testCase.verify()
    }

    static let rotates: [ISACase] = [
        //   0: d0 c0                          rol al,1
        ISACase("rol al,1", "d0 c0", setup: "rax=0x80", expect: "rax=0x1", flags: 0x801, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: 48 d1 c8                       ror rax,1
        ISACase("ror rax,1", "48 d1 c8", setup: "rax=1", expect: "rax=0x8000000000000000", flags: 0x801, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: d3 c0                          rol eax,cl
        ISACase("rol eax,cl", "d3 c0", setup: "rax=0xffffffff80000001 rcx=4 rflags=0x8d4", expect: "rax=0x18", flags: 0xd4, mask: Flag.status - Flag.of, count: 1),  // Unicorn 2.0.1
        //   0: 66 d3 c8                       ror ax,cl
        ISACase("ror ax,cl", "66 d3 c8", setup: "rax=0x1234 rcx=4 rflags=0x1", expect: "rax=0x4123", flags: 0x0, mask: Flag.status - Flag.of, count: 1),  // Unicorn 2.0.1
        //   0: d2 c0                          rol al,cl
        ISACase("rol al,cl", "d2 c0", setup: "rax=0x81 rcx=8", expect: "", flags: 0x1, mask: Flag.status - Flag.of, count: 1),  // Unicorn 2.0.1
        //   0: 48 d3 c0                       rol rax,cl
        ISACase("rol rax,cl", "48 d3 c0", setup: "rax=0x81 rcx=64 rflags=0x8d4", expect: "", flags: 0x8d4, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: d0 d0                          rcl al,1
        ISACase("rcl al,1", "d0 d0", setup: "rax=0x80", expect: "rax=0x0", flags: 0x801, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: d2 d0                          rcl al,cl
        ISACase("rcl al,cl", "d2 d0", setup: "rax=0x81 rcx=9 rflags=0x1", expect: "", flags: 0x1, mask: Flag.status - Flag.of, count: 1),  // Unicorn 2.0.1
        //   0: d2 d0                          rcl al,cl
        ISACase("rcl al,cl", "d2 d0", setup: "rax=0x81 rcx=10", expect: "rax=0x2", flags: 0x1, mask: Flag.status - Flag.of, count: 1),  // Unicorn 2.0.1
        //   0: 66 d3 d8                       rcr ax,cl
        ISACase("rcr ax,cl", "66 d3 d8", setup: "rax=0x1 rcx=17 rflags=0x1", expect: "", flags: 0x1, mask: Flag.status - Flag.of, count: 1),  // Unicorn 2.0.1
        //   0: 66 d3 d8                       rcr ax,cl
        ISACase("rcr ax,cl", "66 d3 d8", setup: "rax=0x1 rcx=18 rflags=0x1", expect: "rax=0x8000", flags: 0x1, mask: Flag.status - Flag.of, count: 1),  // Unicorn 2.0.1
        //   0: 48 d1 d8                       rcr rax,1
        ISACase("rcr rax,1", "48 d1 d8", setup: "rax=1", expect: "rax=0x0", flags: 0x1, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: 48 d3 d0                       rcl rax,cl
        ISACase("rcl rax,cl", "48 d3 d0", setup: "rax=0x8000000000000000 rcx=2 rflags=0x1", expect: "rax=0x3", flags: 0x0, mask: Flag.status - Flag.of, count: 1),  // Unicorn 2.0.1
        //   0: d3 d8                          rcr eax,cl
        ISACase("rcr eax,cl", "d3 d8", setup: "rax=0xffffffff00000003 rcx=3 rflags=0x1", expect: "rax=0xe0000000", flags: 0x0, mask: Flag.status - Flag.of, count: 1),  // Unicorn 2.0.1
    ]

    @Test(arguments: rotates)
    func rotatesAndRotatesThroughCarry(_ testCase: ISACase) throws {
        try testCase.verify()
    }

    static let doubleShifts: [ISACase] = [
        //   0: 48 0f a4 c8 04                 shld rax,rcx,0x4
        ISACase("shld rax,rcx,0x4", "48 0f a4 c8 04", setup: "rax=0x123456789abcdef0 rcx=0xf000000000000000", expect: "rax=0x23456789abcdef0f", flags: 0x5, mask: Flag.logic - Flag.of, count: 1),  // Unicorn 2.0.1
        //   0: 48 0f ac c8 01                 shrd rax,rcx,0x1
        ISACase("shrd rax,rcx,0x1", "48 0f ac c8 01", setup: "rax=1 rcx=1", expect: "rax=0x8000000000000000", flags: 0x885, mask: Flag.logic, count: 1),  // Unicorn 2.0.1
        //   0: 0f a5 d0                       shld eax,edx,cl
        ISACase("shld eax,edx,cl", "0f a5 d0", setup: "rax=0xffffffff12345678 rdx=0x9abcdef0 rcx=8", expect: "rax=0x3456789a", flags: 0x4, mask: Flag.logic - Flag.of, count: 1),  // Unicorn 2.0.1
        //   0: 48 0f ad d0                    shrd rax,rdx,cl
        ISACase("shrd rax,rdx,cl", "48 0f ad d0", setup: "rax=0x1234 rdx=0x5678 rcx=64 rflags=0x8d5", expect: "", flags: 0x8d5, mask: Flag.status, count: 1),  // Unicorn 2.0.1
        //   0: 4d 0f ac c8 3c                 shrd r8,r9,0x3c
        ISACase("shrd r8,r9,0x3c", "4d 0f ac c8 3c", setup: "r8=0xf0 r9=0x1", expect: "r8=0x10", flags: 0x0, mask: Flag.logic - Flag.of, count: 1),  // Unicorn 2.0.1
        //   0: 66 0f a5 d0                    shld ax,dx,cl
        ISACase("shld ax,dx,cl", "66 0f a5 d0", setup: "rax=0x1234 rdx=0x5678 rcx=20", expect: "rax=0x6781", flags: 0x5, mask: Flag.logic - Flag.of, count: 1),  // hand: 16-bit SHLD by 20 shifts the 48-bit dest:src:dest (isa-subset.md §4) = 0x123456781234 << 20, top 16 bits 0x6781, CF = bit 28 = 1, PF(0x81) = 1
    ]

    @Test(arguments: doubleShifts)
    func doublePrecisionShifts(_ testCase: ISACase) throws {
        try testCase.verify()
    }

    static let bitOperations: [ISACase] = [
        //   0: 48 0f ba e0 3f                 bt rax,0x3f
        ISACase("bt rax,0x3f", "48 0f ba e0 3f", setup: "rax=0x8000000000000000 rflags=0x40", expect: "", flags: 0x41, mask: Flag.cf | Flag.zf, count: 1),  // Unicorn 2.0.1
        //   0: 0f ba e0 21                    bt eax,0x21
        ISACase("bt eax,0x21", "0f ba e0 21", setup: "rax=2", expect: "", flags: 0x1, mask: Flag.cf | Flag.zf, count: 1),  // Unicorn 2.0.1
        //   0: 48 0f a3 c8                    bt rax,rcx
        ISACase("bt rax,rcx", "48 0f a3 c8", setup: "rax=2 rcx=65", expect: "", flags: 0x1, mask: Flag.cf | Flag.zf, count: 1),  // Unicorn 2.0.1
        //   0: 66 0f a3 c8                    bt ax,cx
        ISACase("bt ax,cx", "66 0f a3 c8", setup: "rax=0x8000 rcx=0x1f rflags=0x41", expect: "", flags: 0x41, mask: Flag.cf | Flag.zf, count: 1),  // Unicorn 2.0.1
        //   0: 48 0f ba e8 05                 bts rax,0x5
        ISACase("bts rax,0x5", "48 0f ba e8 05", setup: "rax=0 rflags=0x1", expect: "rax=0x20", flags: 0x0, mask: Flag.cf | Flag.zf, count: 1),  // Unicorn 2.0.1
        //   0: 48 0f b3 d1                    btr rcx,rdx
        ISACase("btr rcx,rdx", "48 0f b3 d1", setup: "rcx=0xffffffffffffffff rdx=0x3f", expect: "rcx=0x7fffffffffffffff", flags: 0x1, mask: Flag.cf | Flag.zf, count: 1),  // Unicorn 2.0.1
        //   0: 0f ba f8 1f                    btc eax,0x1f
        ISACase("btc eax,0x1f", "0f ba f8 1f", setup: "rax=0xffffffff00000000", expect: "rax=0x80000000", flags: 0x0, mask: Flag.cf | Flag.zf, count: 1),  // Unicorn 2.0.1
        //   0: 66 41 0f ba f9 11              btc r9w,0x11
        ISACase("btc r9w,0x11", "66 41 0f ba f9 11", setup: "r9=0xffff", expect: "r9=0xfffd", flags: 0x1, mask: Flag.cf | Flag.zf, count: 1),  // Unicorn 2.0.1
        //   0: 48 89 14 25 08 00 60 00        mov QWORD PTR ds:0x600008,rdx
        //   8: 48 0f a3 0c 25 00 00 60 00     bt QWORD PTR ds:0x600000,rcx
        //  11: 0f 92 c0                       setb al
        ISACase("mov QWORD PTR ds:0x600008,rdx; bt QWORD PTR ds:0x600000,rcx; setb al", "48 89 14 25 08 00 60 00 48 0f a3 0c 25 00 00 60 00 0f 92 c0", setup: "rdx=0x8 rcx=67", expect: "rax=0x1", flags: 0x1, mask: Flag.cf | Flag.zf, count: 3),  // Unicorn 2.0.1
        //   0: 48 0f ab 0c 25 10 00 60 00     bts QWORD PTR ds:0x600010,rcx
        //   9: 48 8b 1c 25 08 00 60 00        mov rbx,QWORD PTR ds:0x600008
        ISACase("bts QWORD PTR ds:0x600010,rcx; mov rbx,QWORD PTR ds:0x600008", "48 0f ab 0c 25 10 00 60 00 48 8b 1c 25 08 00 60 00", setup: "rcx=0xffffffffffffffff", expect: "rbx=0x8000000000000000", flags: 0x0, mask: Flag.cf | Flag.zf, count: 2),  // Unicorn 2.0.1
        //   0: c7 04 25 20 00 60 00 ff ff ff ff mov DWORD PTR ds:0x600020,0xffffffff
        //   b: 0f b3 0c 25 00 00 60 00        btr DWORD PTR ds:0x600000,ecx
        //  13: 8b 04 25 20 00 60 00           mov eax,DWORD PTR ds:0x600020
        ISACase("mov DWORD PTR ds:0x600020,0xffffffff; btr DWORD PTR ds:0x600000,ecx; mov eax,DWORD PTR ds:0x600020", "c7 04 25 20 00 60 00 ff ff ff ff 0f b3 0c 25 00 00 60 00 8b 04 25 20 00 60 00", setup: "rcx=0x100", expect: "rax=0xfffffffe", flags: 0x1, mask: Flag.cf | Flag.zf, count: 3),  // Unicorn 2.0.1
        //   0: c6 04 25 00 00 60 00 02        mov BYTE PTR ds:0x600000,0x2
        //   8: 0f ba 24 25 00 00 60 00 21     bt DWORD PTR ds:0x600000,0x21
        ISACase("mov BYTE PTR ds:0x600000,0x2; bt DWORD PTR ds:0x600000,0x21", "c6 04 25 00 00 60 00 02 0f ba 24 25 00 00 60 00 21", setup: "", expect: "", flags: 0x1, mask: Flag.cf | Flag.zf, count: 2),  // Unicorn 2.0.1
        //   0: 66 0f bb 0c 25 10 00 60 00     btc WORD PTR ds:0x600010,cx
        //   9: 8b 04 25 0c 00 60 00           mov eax,DWORD PTR ds:0x60000c
        ISACase("btc WORD PTR ds:0x600010,cx; mov eax,DWORD PTR ds:0x60000c", "66 0f bb 0c 25 10 00 60 00 8b 04 25 0c 00 60 00", setup: "rcx=0x1234ffef", expect: "rax=0x8000", flags: 0x0, mask: Flag.cf | Flag.zf, count: 2),  // Unicorn 2.0.1
        //   0: 48 0f bc c1                    bsf rax,rcx
        ISACase("bsf rax,rcx", "48 0f bc c1", setup: "rax=0xffffffffffffffff rcx=0x8000000000000080", expect: "rax=0x7", flags: 0x0, mask: Flag.zf, count: 1),  // Unicorn 2.0.1
        //   0: 48 0f bd c1                    bsr rax,rcx
        ISACase("bsr rax,rcx", "48 0f bd c1", setup: "rcx=0x8000000000000080 rflags=0x40", expect: "rax=0x3f", flags: 0x0, mask: Flag.zf, count: 1),  // Unicorn 2.0.1
        //   0: 0f bd c1                       bsr eax,ecx
        ISACase("bsr eax,ecx", "0f bd c1", setup: "rax=0xffffffffffffffff rcx=0x100000001", expect: "rax=0x0", flags: 0x0, mask: Flag.zf, count: 1),  // Unicorn 2.0.1
        //   0: 66 44 0f bc c1                 bsf r8w,cx
        ISACase("bsf r8w,cx", "66 44 0f bc c1", setup: "r8=0xffffffffffffffff rcx=0x8000", expect: "r8=0xffffffffffff000f", flags: 0x0, mask: Flag.zf, count: 1),  // Unicorn 2.0.1
        //   0: 48 0f bc c1                    bsf rax,rcx
        ISACase("bsf rax,rcx", "48 0f bc c1", setup: "rax=0x1234 rcx=0", expect: "", flags: 0x40, mask: Flag.zf, count: 1),  // Unicorn 2.0.1
        //   0: 66 0f bd c1                    bsr ax,cx
        ISACase("bsr ax,cx", "66 0f bd c1", setup: "rax=0x1234 rcx=0xffff0000", expect: "", flags: 0x40, mask: Flag.zf, count: 1),  // Unicorn 2.0.1
        //   0: 0f bc c1                       bsf eax,ecx
        ISACase("bsf eax,ecx", "0f bc c1", setup: "rax=0xffffffff12345678 rcx=0", expect: "rax=0x12345678", flags: 0x40, mask: Flag.zf, count: 1),  // hand: Intel (the default vendor): 32-bit BSF with source 0 clears RAX[63:32], ZF=1 (isa-subset.md §4)
        //   0: f3 48 0f bd c1                 lzcnt rax,rcx
        ISACase("lzcnt rax,rcx", "f3 48 0f bd c1", setup: "rcx=1", expect: "rax=0x3f", flags: 0x0, mask: Flag.cf | Flag.zf, count: 1),  // Unicorn 2.0.1
        //   0: f3 0f bd c1                    lzcnt eax,ecx
        ISACase("lzcnt eax,ecx", "f3 0f bd c1", setup: "rax=0xffffffffffffffff rcx=0xffffffff00000000", expect: "rax=0x20", flags: 0x1, mask: Flag.cf | Flag.zf, count: 1),  // Unicorn 2.0.1
        //   0: 66 f3 0f bd c1                 lzcnt ax,cx
        ISACase("lzcnt ax,cx", "66 f3 0f bd c1", setup: "rax=0xffffffffffffffff rcx=0x0100", expect: "rax=0xffffffffffff0007", flags: 0x0, mask: Flag.cf | Flag.zf, count: 1),  // Unicorn 2.0.1
        //   0: f3 48 0f bd c1                 lzcnt rax,rcx
        ISACase("lzcnt rax,rcx", "f3 48 0f bd c1", setup: "rcx=0x8000000000000000", expect: "", flags: 0x40, mask: Flag.cf | Flag.zf, count: 1),  // Unicorn 2.0.1
        //   0: f3 48 0f bc c1                 tzcnt rax,rcx
        ISACase("tzcnt rax,rcx", "f3 48 0f bc c1", setup: "rcx=0", expect: "rax=0x40", flags: 0x1, mask: Flag.cf | Flag.zf, count: 1),  // Unicorn 2.0.1
        //   0: f3 0f bc c1                    tzcnt eax,ecx
        ISACase("tzcnt eax,ecx", "f3 0f bc c1", setup: "rcx=0x100000000", expect: "rax=0x20", flags: 0x1, mask: Flag.cf | Flag.zf, count: 1),  // Unicorn 2.0.1
        //   0: f3 48 0f bc c1                 tzcnt rax,rcx
        ISACase("tzcnt rax,rcx", "f3 48 0f bc c1", setup: "rcx=1", expect: "", flags: 0x40, mask: Flag.cf | Flag.zf, count: 1),  // Unicorn 2.0.1
        //   0: 66 f3 45 0f bc d3              tzcnt r10w,r11w
        ISACase("tzcnt r10w,r11w", "66 f3 45 0f bc d3", setup: "r10=0xffffffffffffffff r11=0x8000", expect: "r10=0xffffffffffff000f", flags: 0x0, mask: Flag.cf | Flag.zf, count: 1),  // Unicorn 2.0.1
        //   0: f3 48 0f b8 c1                 popcnt rax,rcx
        ISACase("popcnt rax,rcx", "f3 48 0f b8 c1", setup: "rcx=0xf0f0 rflags=0x8d5", expect: "rax=0x8", flags: 0x0, mask: Flag.status, count: 1),  // hand: 8 bits set; ZF=0 and OF SF AF CF PF cleared (SDM POPCNT)
        //   0: f3 0f b8 c1                    popcnt eax,ecx
        ISACase("popcnt eax,ecx", "f3 0f b8 c1", setup: "rax=0xffffffffffffffff rcx=0xffffffff00000000", expect: "rax=0x0", flags: 0x40, mask: Flag.status, count: 1),  // hand: ECX = 0 ⇒ 0, ZF=1, upper half zero-extended (SDM POPCNT)
        //   0: 66 f3 0f b8 ca                 popcnt cx,dx
        ISACase("popcnt cx,dx", "66 f3 0f b8 ca", setup: "rcx=0xffffffffffffffff rdx=0xffff", expect: "rcx=0xffffffffffff0010", flags: 0x0, mask: Flag.status, count: 1),  // hand: 16 bits set, merged into CX (SDM POPCNT)
    ]

    @Test(arguments: bitOperations)
    func bitTestScanAndCount(_ testCase: ISACase) throws {
        try testCase.verify()
    }


    /// hand: BSF/BSR with a zero source leave the destination unchanged; on Intel the 32-bit form
    /// clears RAX[63:32], on AMD the whole register is unchanged (isa-subset.md §4). ZF = 1.
    ///   0: 0f bc c1   bsf eax,ecx
    ///   0: 48 0f bd c1   bsr rax,rcx
    @Test(arguments: [
        (Vendor.intel, "0f bc c1", UInt64(0x1234_5678)),
        (Vendor.amd, "0f bc c1", UInt64(0xFFFF_FFFF_1234_5678)),
        (Vendor.intel, "48 0f bd c1", UInt64(0xFFFF_FFFF_1234_5678)),
        (Vendor.amd, "48 0f bd c1", UInt64(0xFFFF_FFFF_1234_5678)),
    ])
    func bitScanOfZeroByVendor(vendor: Vendor, hex: String, rax: UInt64) throws {
        var configuration = RunConfiguration()
        configuration.pmu.vendor = vendor
        try configuration.setRegister("rax=0xffffffff12345678")
        let result = try Emulator().run(try GuestCode.parseHex(hex), configuration: configuration)
        #expect(result.stop == .end)
        #expect(result.registers[0] == rax)
        #expect(result.rflags & Flag.zf != 0)
    }
}
