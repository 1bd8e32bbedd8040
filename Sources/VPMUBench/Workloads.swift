import Foundation

/// The benchmark suite (issue 8): guest programs assembled with `as --64 -msyntax=intel`, sized by
/// registers, each with a model of what it must retire. The models are written from the guest
/// source alone — closed forms counted by hand, or the guest algorithm re-enacted in plain Swift
/// with its instruction and branch tallies — never from vpmu's output.
public enum Workloads {
    /// The full-size suite `vpmu bench` runs; `scale` < 1 shrinks every size (tests use small ones).
    public static func suite(scale: Double = 1) -> [Workload] {
        func size(_ full: Int, minimum: Int = 2) -> Int { max(minimum, Int(Double(full) * scale)) }
        return [
            tightLoop(iterations: size(10_000_000)),
            // fib's work grows by the golden ratio per step of n: shrink n by log_φ(1 / scale).
            recursiveFibonacci(n: scale >= 1 ? 30 : max(10, 30 + Int((log(scale) / log(1.618)).rounded(.down)))),
            memoryLoop(passes: size(60), elements: 65_536),
            insertionSort(elements: size(3_000)),
            bulkStrings(passes: size(200), bytes: 0x8_0000),
            multiplyDivide(iterations: size(3_000_000)),
            branchyLFSR(iterations: size(3_000_000)),
        ]
    }

    /// `1: add rax,rcx; xor rdx,rax; dec rcx; jnz 1b` with RCX = N: 4N instructions, N branches,
    /// RAX = N + (N−1) + … + 1.
    public static func tightLoop(iterations n: Int) -> Workload {
        let count = UInt64(n)
        return Workload(
            name: "tight-loop", summary: "add/xor/dec/jnz register loop", code: bytes("4801c84831c248ffc975f5"),
            registers: [Register.rcx: count],
            expected: ExpectedRun(
                instructions: 4 &* count, branches: count,
                registers: [Register.rax: count &* (count &+ 1) / 2, Register.rcx: 0]))
    }

    /// Recursive Fibonacci, RDI = n:
    ///
    ///     call fib; jmp done
    ///     fib: cmp rdi,2; jb base; push rdi; dec rdi; call fib; pop rdi; push rax; sub rdi,2
    ///          call fib; pop rcx; add rax,rcx; ret
    ///     base: mov rax,rdi; ret
    ///     done:
    ///
    /// An inner call (n ≥ 2) retires 12 instructions and 4 branches (jb, call, call, ret), a leaf 4
    /// and 2 (jb, ret); the call tree of fib(n) has F(n+1) leaves and F(n+1) − 1 inner nodes; the
    /// outer call and jmp add 2 and 2.
    public static func recursiveFibonacci(n: Int) -> Workload {
        var (previous, current): (UInt64, UInt64) = (0, 1)  // F(k), F(k+1)
        for _ in 0..<n { (previous, current) = (current, previous &+ current) }
        let leaves = current, inner = current - 1
        return Workload(
            name: "fib", summary: "recursive fib: CALL/RET and stack traffic",
            code: bytes("e802000000eb234883ff0272195748ffcfe8f1ffffff5f504883ef02e8e6ffffff594801c8c34889f8c3"),
            registers: [Register.rdi: UInt64(n)],
            expected: ExpectedRun(
                instructions: 12 * inner + 4 * leaves + 2, branches: 4 * inner + 2 * leaves + 2,
                registers: [Register.rax: previous]))
    }

    /// Sum, copy and increment an array, R8 = passes, R9 = qwords (≤ 65,536):
    ///
    ///     outer: mov esi,0x600000; mov edi,0x680000; mov ecx,r9d
    ///     inner: mov rdx,[rsi]; add rax,rdx; mov [rdi],rdx; add qword [rsi],1; add rsi,8; add rdi,8
    ///            dec ecx; jnz inner
    ///            dec r8d; jnz outer
    ///
    /// 8N + 5 instructions and N + 1 branches a pass; pass p reads p from every element, so
    /// RAX = N·(0 + 1 + … + (M−1)).
    public static func memoryLoop(passes m: Int, elements n: Int) -> Workload {
        let passes = UInt64(m), elements = UInt64(n)
        return Workload(
            name: "memory", summary: "array sum, copy and read-modify-write",
            code: bytes("be00006000bf000068004489c9488b164801d0488917488306014883c6084883c708ffc975e741ffc875d5"),
            registers: [Register.r8: passes, Register.r9: elements],
            expected: ExpectedRun(
                instructions: passes * (8 * elements + 5), branches: passes * (elements + 1),
                registers: [Register.rax: elements * (passes * (passes - 1) / 2)]))
    }

    /// `rep movsb` of R9 bytes then `rep stosq` of R9/8 qwords, R8 times:
    ///
    ///     again: mov esi,0x600000; mov edi,0x680000; mov ecx,r9d; rep movsb
    ///            mov edi,0x600000; mov ecx,r9d; shr ecx,3; mov rax,r8; rep stosq
    ///            dec r8d; jnz again
    ///
    /// Each REP instruction retires once: 11 instructions and 1 branch a pass; the last pass stores 1.
    public static func bulkStrings(passes m: Int, bytes count: Int) -> Workload {
        let passes = UInt64(m)
        return Workload(
            name: "rep-strings", summary: "rep movsb + rep stosq bulk copies",
            code: bytes("be00006000bf000068004489c9f3a4bf000060004489c9c1e9034c89c0f348ab41ffc875db"),
            registers: [Register.r8: passes, Register.r9: UInt64(count)],
            expected: ExpectedRun(
                instructions: 11 * passes, branches: passes,
                registers: [Register.rax: 1, Register.rcx: 0, Register.r8: 0]))
    }

    /// A dependent multiply/divide chain, RCX = N:
    ///
    ///     mov eax,1; mov ebx,0x9e3779b9; mov r9d,7
    ///     l: imul rax,rbx; add rax,rcx; xor edx,edx; mov r10,rax; div r9; add rax,r10
    ///        mul rbx; xor rax,rdx; dec ecx; jnz l
    public static func multiplyDivide(iterations n: Int) -> Workload {
        var rax: UInt64 = 1
        let rbx: UInt64 = 0x9E37_79B9
        for rcx in stride(from: UInt64(n), to: 0, by: -1) {
            rax = rax &* rbx &+ rcx
            let dividend = rax
            rax = dividend / 7 &+ dividend
            let product = rax.multipliedFullWidth(by: rbx)
            rax = product.low ^ product.high
        }
        return Workload(
            name: "mul-div", summary: "imul/div/mul dependency chain",
            code: bytes("b801000000bbb979379e41b907000000480fafc34801c831d24989c249f7f14c01d048f7e34831d0ffc975e4"),
            registers: [Register.rcx: UInt64(n)],
            expected: ExpectedRun(
                instructions: 3 + 10 * UInt64(n), branches: UInt64(n), registers: [Register.rax: rax]))
    }

    /// A Galois LFSR (taps 0xB400) steering four conditional branches, RCX = N:
    ///
    ///     mov eax,0xace1; xor ebx,ebx; xor esi,esi
    ///     l: mov edx,eax; shr edx,1; test al,1; jz nobit; xor edx,0xb400
    ///     nobit: mov eax,edx; test al,2; jz a; inc ebx
    ///     a: test al,4; jnz b; inc esi
    ///     b: cmp eax,0x8000; jb c; add ebx,esi
    ///     c: dec ecx; jnz l
    ///
    /// 13 instructions and 5 branches an iteration, plus one for each skipped-over instruction that runs.
    public static func branchyLFSR(iterations n: Int) -> Workload {
        var eax: UInt32 = 0xACE1, ebx: UInt32 = 0, esi: UInt32 = 0
        var instructions: UInt64 = 3
        for _ in 0..<n {
            var edx = eax >> 1
            instructions += 13
            if eax & 1 != 0 { edx ^= 0xB400; instructions += 1 }
            eax = edx
            if eax & 2 != 0 { ebx &+= 1; instructions += 1 }
            if eax & 4 == 0 { esi &+= 1; instructions += 1 }
            if eax >= 0x8000 { ebx &+= esi; instructions += 1 }
        }
        return Workload(
            name: "lfsr-branches", summary: "LFSR-driven taken/not-taken Jcc mix",
            code: bytes("b8e1ac000031db31f689c2d1eaa801740681f200b4000089d0a8027402ffc3a8047502ffc63d00800000720201f3ffc975d7"),
            registers: [Register.rcx: UInt64(n)],
            expected: ExpectedRun(
                instructions: instructions, branches: 5 * UInt64(n),
                registers: [Register.rax: UInt64(eax), Register.rbx: UInt64(ebx), Register.rsi: UInt64(esi)]))
    }
}
