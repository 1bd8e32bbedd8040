extension Workloads {
    /// Fill R9 qwords at 0x600000 with xorshift64 (13, 7, 17) values, then insertion-sort them
    /// (unsigned):
    ///
    ///     mov ecx,r9d; mov edi,0x600000; movabs rax,0x2545f4914f6cdd1d
    ///     fill: mov rdx,rax; shl rdx,13; xor rax,rdx; mov rdx,rax; shr rdx,7; xor rax,rdx
    ///           mov rdx,rax; shl rdx,17; xor rax,rdx; mov [rdi],rax; add rdi,8; dec ecx; jnz fill
    ///     mov esi,1
    ///     outer: cmp esi,r9d; jae done; mov rax,[rsi*8+0x600000]; mov edi,esi
    ///     inner: test edi,edi; jz place; mov rdx,[rdi*8+0x5ffff8]; cmp rdx,rax; jbe place
    ///            mov [rdi*8+0x600000],rdx; dec edi; jmp inner
    ///     place: mov [rdi*8+0x600000],rax; inc esi; jmp outer
    ///     done:
    ///
    /// The model sorts the same values and tallies the path: a shift is 8 instructions / 3 branches,
    /// stopping at j = 0 is 2 / 1, stopping at a smaller element 5 / 2.
    public static func insertionSort(elements k: Int) -> Workload {
        var values: [UInt64] = []
        var x: UInt64 = 0x2545_F491_4F6C_DD1D
        for _ in 0..<k {
            x ^= x << 13
            x ^= x >> 7
            x ^= x << 17
            values.append(x)
        }
        var instructions = 3 + 13 * UInt64(k) + 1, branches = UInt64(k)
        var lastPosition = 0
        var key: UInt64 = 0
        for i in 1..<max(k, 1) {
            key = values[i]
            instructions += 4 + 3
            branches += 1 + 1
            var j = i
            while j > 0 && values[j - 1] > key {
                values[j] = values[j - 1]
                j -= 1
                instructions += 8
                branches += 3
            }
            instructions += j == 0 ? 2 : 5
            branches += j == 0 ? 1 : 2
            values[j] = key
            lastPosition = j
        }
        instructions += 2
        branches += 1
        return Workload(
            name: "insertion-sort", summary: "insertion sort over the data area",
            code: bytes(
                "4489c9bf0000600048b81ddd6c4f91f445254889c248c1e20d4831d04889c248c1ea074831d04889c248c1e2114831d0"
                    + "4889074883c708ffc975d7be010000004439ce7333488b04f50000600089f785ff7419488b14fdf8ff5f004839c2"
                    + "760c488914fd00006000ffcfebe3488904fd00006000ffc6ebc8"),
            registers: [Register.r9: UInt64(k)],
            expected: ExpectedRun(
                instructions: instructions, branches: branches,
                registers: [Register.rax: key, Register.rsi: UInt64(k), Register.rdi: UInt64(lastPosition)]))
    }
}
