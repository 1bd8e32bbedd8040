import Testing

/// INC and DEC leave CF as the previous operation set it, whichever way that CF is still held
/// (lazily after ADD/SUB/CMP/logic, or eagerly after STC). Values by hand from the SDM.
@Suite struct IncDecCarryTests {
    //   mov al,0xff; add al,1           ; CF = 1 (0xff + 1 carries out of 8 bits)
    //   inc ecx; inc ecx; setb bl       ; CF still 1 ⇒ bl = 1, ecx = 2
    //   xor eax,eax; cmp eax,1          ; CF = 1 (0 − 1 borrows)
    //   dec ecx; setb dl                ; CF still 1 ⇒ dl = 1, ecx = 1
    //   stc; xor eax,eax; inc ecx       ; XOR clears CF ⇒ 0, ecx = 2
    //   setb sil                        ; sil = 0
    //   mov eax,0x7fffffff; inc eax     ; 0x80000000: OF SF AF PF set, ZF clear, CF still 0
    //   seto dil                        ; dil = 1
    @Test func carryFlagSurvivesIncAndDec() throws {
        let result = try ISA.run("b0ff0401ffc1ffc10f92c331c083f801ffc90f92c2f931c0ffc1400f92c6b8ffffff7fffc0400f90c7")
        ISA.check(result, expect: "rax=0x80000000 rcx=2 rdx=1 rbx=1 rsi=0 rdi=1", flags: 0x894, mask: Flag.status)
        #expect(result.instructions == 16)
    }
}
