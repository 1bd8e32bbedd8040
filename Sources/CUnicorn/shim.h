// Unicorn's uc_ctl and uc_hook_add are C variadics, which Swift cannot call; these wrappers
// fix their arguments. Used only by the DifferentialTesting target, never by the vpmu product.
#include <unicorn/unicorn.h>

static inline uc_err vpmu_uc_set_cpu_model(uc_engine *uc, int model) {
    return uc_ctl(uc, UC_CTL_WRITE(UC_CTL_CPU_MODEL, 1), model);
}

/// A code hook over every address (begin > end means "everywhere" in Unicorn 2).
static inline uc_err vpmu_uc_hook_code(uc_engine *uc, uc_hook *handle, uc_cb_hookcode_t callback,
                                       void *user_data) {
    return uc_hook_add(uc, handle, UC_HOOK_CODE, (void *)callback, user_data, 1, 0);
}

/// An interrupt hook: CPU exceptions (#DE, #UD …) and INT n arrive here with their vector.
static inline uc_err vpmu_uc_hook_interrupt(uc_engine *uc, uc_hook *handle, uc_cb_hookintr_t callback,
                                            void *user_data) {
    return uc_hook_add(uc, handle, UC_HOOK_INTR, (void *)callback, user_data, 1, 0);
}

/// An invalid-instruction hook (#UD from the translator); returning false stops emulation.
static inline uc_err vpmu_uc_hook_invalid(uc_engine *uc, uc_hook *handle, uc_cb_hookinsn_invalid_t callback,
                                          void *user_data) {
    return uc_hook_add(uc, handle, UC_HOOK_INSN_INVALID, (void *)callback, user_data, 1, 0);
}
