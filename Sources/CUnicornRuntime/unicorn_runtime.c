// Unicorn as a reference engine for `vpmu bench`, loaded at run time so the vpmu product neither
// links nor needs libunicorn. Only the handful of uc_* calls used here are resolved; the numeric
// constants are Unicorn 2's (unicorn.h / x86.h), restated because the header is not a build need.
#include "unicorn_runtime.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

typedef void uc_engine;
typedef size_t uc_hook;

enum { UC_ARCH_X86 = 4, UC_MODE_64 = 8, UC_PROT_RW = 3, UC_PROT_ALL = 7 };
enum { UC_HOOK_CODE = 1 << 2, UC_HOOK_BLOCK = 1 << 3 };
enum { UC_X86_REG_RIP = 41, UC_X86_REG_RFLAGS = 253 };
// RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8 … R15 in x86 encoding order.
static const int gpr_ids[16] = {35, 38, 40, 37, 44, 36, 43, 39, 106, 107, 108, 109, 110, 111, 112, 113};

static struct {
    int loaded;
    int (*open)(int, int, uc_engine **);
    int (*close)(uc_engine *);
    int (*mem_map)(uc_engine *, uint64_t, size_t, uint32_t);
    int (*mem_write)(uc_engine *, uint64_t, const void *, size_t);
    int (*reg_write)(uc_engine *, int, const void *);
    int (*reg_read)(uc_engine *, int, void *);
    int (*emu_start)(uc_engine *, uint64_t, uint64_t, uint64_t, size_t);
    int (*hook_add)(uc_engine *, uc_hook *, int, void *, void *, uint64_t, uint64_t, ...);
} uc;

int vpmu_unicorn_load(char *why, size_t why_size) {
    if (uc.loaded) return 1;
    void *library = dlopen("libunicorn.so.2", RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        snprintf(why, why_size, "libunicorn.so.2 not found (apt-get install libunicorn-dev): %s", dlerror());
        return 0;
    }
#define RESOLVE(field, name)                                                         \
    if (!(*(void **)&uc.field = dlsym(library, name))) {                            \
        snprintf(why, why_size, "libunicorn.so.2 has no %s", name);                  \
        return 0;                                                                    \
    }
    RESOLVE(open, "uc_open") RESOLVE(close, "uc_close") RESOLVE(mem_map, "uc_mem_map")
    RESOLVE(mem_write, "uc_mem_write") RESOLVE(reg_write, "uc_reg_write") RESOLVE(reg_read, "uc_reg_read")
    RESOLVE(emu_start, "uc_emu_start") RESOLVE(hook_add, "uc_hook_add")
#undef RESOLVE
    uc.loaded = 1;
    return 1;
}

typedef struct {
    const uint8_t *code;
    size_t length;
    uint64_t count;
    uint64_t last;
} counting_state;

// A REP-prefixed string instruction at `offset`: legacy prefixes and REX, then F2/F3 seen, then a
// string opcode (A4–A7, AA–AF).
static int is_rep_string(const uint8_t *code, size_t length, uint64_t offset) {
    int rep = 0;
    for (size_t i = offset; i < length && i < offset + 15; i++) {
        uint8_t byte = code[i];
        if (byte == 0xF2 || byte == 0xF3) rep = 1;
        else if (byte == 0x66 || byte == 0x67 || byte == 0x2E || byte == 0x3E || byte == 0x26 ||
                 byte == 0x36 || byte == 0x64 || byte == 0x65 || (byte & 0xF0) == 0x40) continue;
        else return rep && ((byte >= 0xA4 && byte <= 0xA7) || (byte >= 0xAA && byte <= 0xAF));
    }
    return 0;
}

// Unicorn's code hook fires before every instruction, once per REP iteration: count an
// instruction unless it is another iteration of the REP string instruction just seen.
static void count_instruction(uc_engine *engine, uint64_t address, uint32_t size, void *user) {
    (void)engine; (void)size;
    counting_state *state = user;
    if (address == state->last && is_rep_string(state->code, state->length, address - 0x400000)) return;
    state->last = address;
    state->count++;
}

static void count_block(uc_engine *engine, uint64_t address, uint32_t size, void *user) {
    (void)engine; (void)address; (void)size;
    ((counting_state *)user)->count++;
}

int vpmu_unicorn_run(const uint8_t *code, size_t length, const uint64_t registers[16], int hook,
                     vpmu_unicorn_result *result) {
    memset(result, 0, sizeof *result);
    uc_engine *engine = NULL;
    int error = uc.open(UC_ARCH_X86, UC_MODE_64, &engine);
    if (error) { result->error = error; return error; }
    size_t code_size = (length + 0xFFF) & ~(size_t)0xFFF;
    if (code_size == 0) code_size = 0x1000;
    counting_state state = {code, length, 0, ~(uint64_t)0};
    uint64_t rflags = 2, start = 0x400000;
    uc_hook handle;
    if ((error = uc.mem_map(engine, 0x400000, code_size, UC_PROT_ALL)) ||
        (error = uc.mem_map(engine, 0x600000, 0x100000, UC_PROT_RW)) ||
        (error = uc.mem_map(engine, 0x700000, 0x100000, UC_PROT_RW)) ||
        (error = uc.mem_write(engine, 0x400000, code, length)) ||
        (error = uc.reg_write(engine, UC_X86_REG_RFLAGS, &rflags)) ||
        (error = uc.reg_write(engine, UC_X86_REG_RIP, &start)))
        goto done;
    for (int i = 0; i < 16; i++)
        if ((error = uc.reg_write(engine, gpr_ids[i], &registers[i]))) goto done;
    if (hook == VPMU_UNICORN_CODE_HOOK)
        error = uc.hook_add(engine, &handle, UC_HOOK_CODE, (void *)count_instruction, &state, 1, 0);
    else if (hook == VPMU_UNICORN_BLOCK_HOOK)
        error = uc.hook_add(engine, &handle, UC_HOOK_BLOCK, (void *)count_block, &state, 1, 0);
    if (error) goto done;
    struct timespec before, after;
    clock_gettime(CLOCK_MONOTONIC, &before);
    error = uc.emu_start(engine, 0x400000, 0x400000 + length, 0, 0);
    clock_gettime(CLOCK_MONOTONIC, &after);
    result->seconds = (double)(after.tv_sec - before.tv_sec) + (double)(after.tv_nsec - before.tv_nsec) * 1e-9;
    result->hook_count = state.count;
    for (int i = 0; i < 16; i++) uc.reg_read(engine, gpr_ids[i], &result->registers[i]);
    uc.reg_read(engine, UC_X86_REG_RIP, &result->rip);
done:
    result->error = error;
    uc.close(engine);
    return error;
}
