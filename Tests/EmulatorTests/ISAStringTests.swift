import Emulator
import Testing

/// String instructions with and without REP/REPE/REPNE (isa-subset.md §4 "Strings and REP", §8):
/// DF walking down, RCX = 0 (no element, no memory access, nothing changes, still 1 retired),
/// REPE/REPNE termination, 0x67 (ECX/ESI/EDI), and a REP instruction retiring once.
@Suite struct ISAStringTests {
    static let strings: [FlowCase] = [
        //   0: 48 b8 88 77 66 55 44 33 22 11  movabs rax,0x1122334455667788
        //   a: 48 89 04 25 00 00 60 00        mov QWORD PTR ds:0x600000,rax
        //  12: be 00 00 60 00                 mov esi,0x600000
        //  17: bf 00 01 60 00                 mov edi,0x600100
        //  1c: b9 08 00 00 00                 mov ecx,0x8
        //  21: f3 a4                          rep movs BYTE PTR es:[rdi],BYTE PTR ds:[rsi]
        //  23: 48 8b 1c 25 00 01 60 00        mov rbx,QWORD PTR ds:0x600100
        // registers/flags: Unicorn 2.0.1; counts hand: 7 retired, 0 branches
        FlowCase("movabs rax,0x1122334455667788; mov QWORD PTR ds:0x600000,rax; mov esi,0x600000; mov edi,0x600100; mov ecx,0x8; rep movs BYTE PTR es:[rdi],BYTE PTR ds:[rsi]; mov rbx,QWORD PTR ds:0x600100", "48 b8 88 77 66 55 44 33 22 11 48 89 04 25 00 00 60 00 be 00 00 60 00 bf 00 01 60 00 b9 08 00 00 00 f3 a4 48 8b 1c 25 00 01 60 00", setup: "", expect: "rax=0x1122334455667788 rbx=0x1122334455667788 rsi=0x600008 rdi=0x600108", instructions: 7, branches: 0),
        //   0: f3 48 ab                       rep stos QWORD PTR es:[rdi],rax
        //   3: 48 8b 1c 25 10 00 60 00        mov rbx,QWORD PTR ds:0x600010
        // registers/flags: Unicorn 2.0.1; counts hand: 2 retired, 0 branches
        FlowCase("rep stos QWORD PTR es:[rdi],rax; mov rbx,QWORD PTR ds:0x600010", "f3 48 ab 48 8b 1c 25 10 00 60 00", setup: "rax=0x8877665544332211 rcx=3 rdi=0x600000", expect: "rcx=0x0 rbx=0x8877665544332211 rdi=0x600018", instructions: 2, branches: 0),
        //   0: f3 aa                          rep stos BYTE PTR es:[rdi],al
        // registers/flags: Unicorn 2.0.1; counts hand: 1 retired, 0 branches
        FlowCase("rep stos BYTE PTR es:[rdi],al", "f3 aa", setup: "rax=0x5a rcx=4096 rdi=0x600000", expect: "rcx=0x0 rdi=0x601000", instructions: 1, branches: 0),
        //   0: c7 04 25 00 00 60 00 11 22 33 44 mov DWORD PTR ds:0x600000,0x44332211
        //   b: ac                             lods al,BYTE PTR ds:[rsi]
        //   c: 66 ad                          lods ax,WORD PTR ds:[rsi]
        // registers/flags: Unicorn 2.0.1; counts hand: 3 retired, 0 branches
        FlowCase("mov DWORD PTR ds:0x600000,0x44332211; lods al,BYTE PTR ds:[rsi]; lods ax,WORD PTR ds:[rsi]", "c7 04 25 00 00 60 00 11 22 33 44 ac 66 ad", setup: "rax=0xffffffffffffffff rsi=0x600000", expect: "rax=0xffffffffffff3322 rsi=0x600003", instructions: 3, branches: 0),
        //   0: 48 89 14 25 08 00 60 00        mov QWORD PTR ds:0x600008,rdx
        //   8: f3 48 ad                       rep lods rax,QWORD PTR ds:[rsi]
        // registers/flags: Unicorn 2.0.1; counts hand: 2 retired, 0 branches
        FlowCase("mov QWORD PTR ds:0x600008,rdx; rep lods rax,QWORD PTR ds:[rsi]", "48 89 14 25 08 00 60 00 f3 48 ad", setup: "rcx=2 rdx=0x1234 rsi=0x600000", expect: "rax=0x1234 rcx=0x0 rsi=0x600010", instructions: 2, branches: 0),
        //   0: c7 04 25 00 00 60 00 41 42 43 44 mov DWORD PTR ds:0x600000,0x44434241
        //   b: c7 04 25 00 01 60 00 41 42 58 44 mov DWORD PTR ds:0x600100,0x44584241
        //  16: be 00 00 60 00                 mov esi,0x600000
        //  1b: bf 00 01 60 00                 mov edi,0x600100
        //  20: b9 04 00 00 00                 mov ecx,0x4
        //  25: f3 a6                          repz cmps BYTE PTR ds:[rsi],BYTE PTR es:[rdi]
        // registers/flags: Unicorn 2.0.1; counts hand: 6 retired, 0 branches
        FlowCase("mov DWORD PTR ds:0x600000,0x44434241; mov DWORD PTR ds:0x600100,0x44584241; mov esi,0x600000; mov edi,0x600100; mov ecx,0x4; repz cmps BYTE PTR ds:[rsi],BYTE PTR es:[rdi]", "c7 04 25 00 00 60 00 41 42 43 44 c7 04 25 00 01 60 00 41 42 58 44 be 00 00 60 00 bf 00 01 60 00 b9 04 00 00 00 f3 a6", setup: "", expect: "rcx=0x1 rsi=0x600003 rdi=0x600103", flags: 0x95, mask: Flag.status, instructions: 6, branches: 0),
        //   0: c7 04 25 00 00 60 00 41 42 43 44 mov DWORD PTR ds:0x600000,0x44434241
        //   b: c7 04 25 00 01 60 00 41 42 43 44 mov DWORD PTR ds:0x600100,0x44434241
        //  16: be 00 00 60 00                 mov esi,0x600000
        //  1b: bf 00 01 60 00                 mov edi,0x600100
        //  20: b9 04 00 00 00                 mov ecx,0x4
        //  25: f3 a6                          repz cmps BYTE PTR ds:[rsi],BYTE PTR es:[rdi]
        // registers/flags: Unicorn 2.0.1; counts hand: 6 retired, 0 branches
        FlowCase("mov DWORD PTR ds:0x600000,0x44434241; mov DWORD PTR ds:0x600100,0x44434241; mov esi,0x600000; mov edi,0x600100; mov ecx,0x4; repz cmps BYTE PTR ds:[rsi],BYTE PTR es:[rdi]", "c7 04 25 00 00 60 00 41 42 43 44 c7 04 25 00 01 60 00 41 42 43 44 be 00 00 60 00 bf 00 01 60 00 b9 04 00 00 00 f3 a6", setup: "", expect: "rsi=0x600004 rdi=0x600104", flags: 0x44, mask: Flag.status, instructions: 6, branches: 0),
        //   0: c7 04 25 00 00 60 00 41 42 43 44 mov DWORD PTR ds:0x600000,0x44434241
        //   b: bf 00 00 60 00                 mov edi,0x600000
        //  10: b0 43                          mov al,0x43
        //  12: b9 0a 00 00 00                 mov ecx,0xa
        //  17: f2 ae                          repnz scas al,BYTE PTR es:[rdi]
        // registers/flags: Unicorn 2.0.1; counts hand: 5 retired, 0 branches
        FlowCase("mov DWORD PTR ds:0x600000,0x44434241; mov edi,0x600000; mov al,0x43; mov ecx,0xa; repnz scas al,BYTE PTR es:[rdi]", "c7 04 25 00 00 60 00 41 42 43 44 bf 00 00 60 00 b0 43 b9 0a 00 00 00 f2 ae", setup: "", expect: "rax=0x43 rcx=0x7 rdi=0x600003", flags: 0x44, mask: Flag.status, instructions: 5, branches: 0),
        //   0: bf 00 00 60 00                 mov edi,0x600000
        //   5: b8 7f 00 00 00                 mov eax,0x7f
        //   a: f2 ae                          repnz scas al,BYTE PTR es:[rdi]
        // registers/flags: Unicorn 2.0.1; counts hand: 3 retired, 0 branches
        FlowCase("mov edi,0x600000; mov eax,0x7f; repnz scas al,BYTE PTR es:[rdi]", "bf 00 00 60 00 b8 7f 00 00 00 f2 ae", setup: "rcx=5", expect: "rax=0x7f rcx=0x0 rdi=0x600005", flags: 0x0, mask: Flag.status, instructions: 3, branches: 0),
        //   0: ae                             scas al,BYTE PTR es:[rdi]
        // registers/flags: Unicorn 2.0.1; counts hand: 1 retired, 0 branches
        FlowCase("scas al,BYTE PTR es:[rdi]", "ae", setup: "rax=1 rdi=0x600000", expect: "rdi=0x600001", flags: 0x0, mask: Flag.status, instructions: 1, branches: 0),
        //   0: 48 a7                          cmps QWORD PTR ds:[rsi],QWORD PTR es:[rdi]
        // registers/flags: Unicorn 2.0.1; counts hand: 1 retired, 0 branches
        FlowCase("cmps QWORD PTR ds:[rsi],QWORD PTR es:[rdi]", "48 a7", setup: "rsi=0x600000 rdi=0x600100", expect: "rsi=0x600008 rdi=0x600108", flags: 0x44, mask: Flag.status, instructions: 1, branches: 0),
        //   0: a5                             movs DWORD PTR es:[rdi],DWORD PTR ds:[rsi]
        // registers/flags: Unicorn 2.0.1; counts hand: 1 retired, 0 branches
        FlowCase("movs DWORD PTR es:[rdi],DWORD PTR ds:[rsi]", "a5", setup: "rsi=0x600000 rdi=0x600100", expect: "rsi=0x600004 rdi=0x600104", instructions: 1, branches: 0),
        //   0: fd                             std
        //   1: b0 aa                          mov al,0xaa
        //   3: bf 07 00 60 00                 mov edi,0x600007
        //   8: b9 04 00 00 00                 mov ecx,0x4
        //   d: f3 aa                          rep stos BYTE PTR es:[rdi],al
        //   f: fc                             cld
        //  10: 48 8b 1c 25 00 00 60 00        mov rbx,QWORD PTR ds:0x600000
        // registers/flags: Unicorn 2.0.1; counts hand: 7 retired, 0 branches
        FlowCase("std; mov al,0xaa; mov edi,0x600007; mov ecx,0x4; rep stos BYTE PTR es:[rdi],al; cld; mov rbx,QWORD PTR ds:0x600000", "fd b0 aa bf 07 00 60 00 b9 04 00 00 00 f3 aa fc 48 8b 1c 25 00 00 60 00", setup: "", expect: "rax=0xaa rbx=0xaaaaaaaa00000000 rdi=0x600003", instructions: 7, branches: 0),
        //   0: c7 04 25 00 00 60 00 01 02 03 04 mov DWORD PTR ds:0x600000,0x4030201
        //   b: fd                             std
        //   c: be 03 00 60 00                 mov esi,0x600003
        //  11: bf 03 01 60 00                 mov edi,0x600103
        //  16: b9 04 00 00 00                 mov ecx,0x4
        //  1b: f3 a4                          rep movs BYTE PTR es:[rdi],BYTE PTR ds:[rsi]
        //  1d: 8b 04 25 00 01 60 00           mov eax,DWORD PTR ds:0x600100
        // registers/flags: Unicorn 2.0.1; counts hand: 7 retired, 0 branches
        FlowCase("mov DWORD PTR ds:0x600000,0x4030201; std; mov esi,0x600003; mov edi,0x600103; mov ecx,0x4; rep movs BYTE PTR es:[rdi],BYTE PTR ds:[rsi]; mov eax,DWORD PTR ds:0x600100", "c7 04 25 00 00 60 00 01 02 03 04 fd be 03 00 60 00 bf 03 01 60 00 b9 04 00 00 00 f3 a4 8b 04 25 00 01 60 00", setup: "", expect: "rax=0x4030201 rsi=0x5fffff rdi=0x6000ff", flags: 0x400, mask: Flag.df, instructions: 7, branches: 0),
        //   0: fd                             std
        //   1: ad                             lods eax,DWORD PTR ds:[rsi]
        // registers/flags: Unicorn 2.0.1; counts hand: 2 retired, 0 branches
        FlowCase("std; lods eax,DWORD PTR ds:[rsi]", "fd ad", setup: "rsi=0x600010", expect: "rsi=0x60000c", flags: 0x400, mask: Flag.df, instructions: 2, branches: 0),
        //   0: f3 a4                          rep movs BYTE PTR es:[rdi],BYTE PTR ds:[rsi]
        // registers/flags: Unicorn 2.0.1; counts hand: 1 retired, 0 branches
        FlowCase("rep movs BYTE PTR es:[rdi],BYTE PTR ds:[rsi]", "f3 a4", setup: "rcx=0 rsi=0x500000 rdi=0x500000 rflags=0x8d5", expect: "", flags: 0x8d5, mask: Flag.status, instructions: 1, branches: 0),
        //   0: f3 a6                          repz cmps BYTE PTR ds:[rsi],BYTE PTR es:[rdi]
        // registers/flags: Unicorn 2.0.1; counts hand: 1 retired, 0 branches
        FlowCase("repz cmps BYTE PTR ds:[rsi],BYTE PTR es:[rdi]", "f3 a6", setup: "rcx=0 rsi=0x600000 rdi=0x600100 rflags=0x8d5", expect: "", flags: 0x8d5, mask: Flag.status, instructions: 1, branches: 0),
        //   0: f2 48 af                       repnz scas rax,QWORD PTR es:[rdi]
        // registers/flags: Unicorn 2.0.1; counts hand: 1 retired, 0 branches
        FlowCase("repnz scas rax,QWORD PTR es:[rdi]", "f2 48 af", setup: "rcx=0 rdi=0x600000 rax=1 rflags=0x0", expect: "", flags: 0x0, mask: Flag.status, instructions: 1, branches: 0),
        //   0: f3 48 ab                       rep stos QWORD PTR es:[rdi],rax
        // registers/flags: Unicorn 2.0.1; counts hand: 1 retired, 0 branches
        FlowCase("rep stos QWORD PTR es:[rdi],rax", "f3 48 ab", setup: "rcx=0 rdi=0 rax=1", expect: "", instructions: 1, branches: 0),
        //   0: 67 f3 aa                       rep stos BYTE PTR es:[edi],al
        //   3: 48 8b 1c 25 00 00 60 00        mov rbx,QWORD PTR ds:0x600000
        // registers/flags hand: 0x67: ECX = 2 elements at EDI = 0x600000; RCX and RDI written as zero-extended 32-bit values (isa-subset.md §4); counts hand: 2 retired, 0 branches
        FlowCase("rep stos BYTE PTR es:[edi],al; mov rbx,QWORD PTR ds:0x600000", "67 f3 aa 48 8b 1c 25 00 00 60 00", setup: "rax=0x55 rcx=0x100000002 rdi=0xffffffff00600000", expect: "rbx=0x5555 rcx=0x0 rdi=0x600002", instructions: 2, branches: 0),
        //   0: f2 a4                          repnz movs BYTE PTR es:[rdi],BYTE PTR ds:[rsi]
        // registers/flags: Unicorn 2.0.1; counts hand: 1 retired, 0 branches
        FlowCase("repnz movs BYTE PTR es:[rdi],BYTE PTR ds:[rsi]", "f2 a4", setup: "rcx=2 rsi=0x600000 rdi=0x600100", expect: "rcx=0x0 rsi=0x600002 rdi=0x600102", instructions: 1, branches: 0),
    ]

    @Test(arguments: strings)
    func stringInstructions(_ testCase: FlowCase) throws {
        try testCase.verify()
    }

}
