#ifndef VPMU_UNICORN_RUNTIME_H
#define VPMU_UNICORN_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

/// How the reference run observes execution.
enum vpmu_unicorn_hook {
    VPMU_UNICORN_NO_HOOK = 0,    ///< plain JIT, nothing counted
    VPMU_UNICORN_CODE_HOOK = 1,  ///< UC_HOOK_CODE on every instruction, counting (REP collapsed)
    VPMU_UNICORN_BLOCK_HOOK = 2, ///< UC_HOOK_BLOCK, counting translation blocks
};

/// Outcome of one reference run on Unicorn.
typedef struct {
    uint64_t registers[16]; ///< RAX … R15 after the run
    uint64_t rip;
    uint64_t hook_count;    ///< code hook: instructions (REP counted once); block hook: blocks
    double seconds;         ///< wall time of uc_emu_start only
    int error;              ///< 0, or the uc_err Unicorn returned
} vpmu_unicorn_result;

/// Loads libunicorn.so.2 with dlopen (once). Returns 1 if usable; otherwise 0 and a message in `why`.
/// vpmu never links Unicorn: the product runs without it, `vpmu bench` reports it missing.
int vpmu_unicorn_load(char *why, size_t why_size);

/// Runs `code` on vpmu's default machine (code RWX at 0x400000, data 1 MiB at 0x600000, stack 1 MiB
/// ending at 0x800000) from `registers` (RSP included) until RIP reaches the end of the code.
int vpmu_unicorn_run(const uint8_t *code, size_t length, const uint64_t registers[16], int hook,
                     vpmu_unicorn_result *result);

#endif
