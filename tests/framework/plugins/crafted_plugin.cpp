// Plugins that are not what they claim, one per CRAFT_* definition (tests/framework's
// CMakeLists.txt builds each): the host must refuse every one with one line, survive it,
// and go on loading the others.
#include <portrait/sdk.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace {

class Noop final : public portrait::Stage {
public:
    Noop(const portrait::Params&, portrait::Context&) {}
    void process(portrait::Frame&, portrait::Context&) override {}
};

[[maybe_unused]] int register_one(portrait::StageRegistrar* r, char*, std::size_t) noexcept {
    portrait::StageSpec s;
    s.name = "crafted_stage";
    s.description = "Changes nothing";
#if defined(CRAFT_SPEC_DEFAULT_OUT_OF_RANGE)
    s.params = {portrait::float_param("amount", 2.0, 0, 1, "how much")};
#elif defined(CRAFT_SPEC_DUPLICATE_PARAM)
    s.params = {portrait::float_param("amount", 0.5, 0, 1, "how much"), portrait::bool_param("amount", true, "again")};
#elif defined(CRAFT_SPEC_CHOICE_DEFAULT)
    s.params = {portrait::choice_param("mode", "slow", {"fast", "best"}, "which")};
#elif defined(CRAFT_SPEC_BAD_NAME)
    s.name = "Crafted Stage";
#endif
    r->add<Noop>(s);
    return 0;
}

// A real invalid write; the address is volatile so the compiler can neither see it is
// bad nor drop the write.
[[maybe_unused]] void crash() {
    volatile std::uintptr_t address = 8;
    *reinterpret_cast<volatile int*>(address) = 1;
}

}  // namespace

#if defined(CRAFT_CTOR_CRASH)
__attribute__((constructor)) static void on_load() { crash(); }
#elif defined(CRAFT_CTOR_EXIT)
__attribute__((constructor)) static void on_load() { std::exit(3); }
#elif defined(CRAFT_CTOR_HANG)
__attribute__((constructor)) static void on_load() { std::this_thread::sleep_for(std::chrono::hours(1)); }
#elif defined(CRAFT_CTOR_MARKER)
// Leaves a file behind when its code runs: proof that a pipeline did (or did not) run it.
__attribute__((constructor)) static void on_load() {
    if (const char* m = std::getenv("PORTRAIT_TEST_MARKER"))
        if (FILE* f = std::fopen(m, "a")) {
            std::fputs("loaded\n", f);
            std::fclose(f);
        }
}
#endif

#if defined(CRAFT_GARBAGE_DESCRIPTOR)
extern "C" PORTRAIT_EXPORT const portrait::PluginDescriptor* portrait_plugin_entry() noexcept {
    return reinterpret_cast<const portrait::PluginDescriptor*>(std::uintptr_t(0x10));
}
#else
extern "C" PORTRAIT_EXPORT const portrait::PluginDescriptor* portrait_plugin_entry() noexcept {
#if defined(CRAFT_NULL_TOOLCHAIN)
    const char* toolchain = nullptr;
#else
    const char* toolchain = PORTRAIT_TOOLCHAIN;
#endif
#if defined(CRAFT_NULL_NAME)
    const char* name = nullptr;
#else
    const char* name = CRAFT_NAME;
#endif
#if defined(CRAFT_NULL_REGISTER)
    auto* reg = static_cast<int (*)(portrait::StageRegistrar*, char*, std::size_t) noexcept>(nullptr);
#elif defined(CRAFT_REGISTER_CRASH)
    auto* reg = +[](portrait::StageRegistrar*, char*, std::size_t) noexcept -> int {
        crash();
        return 0;
    };
#elif defined(CRAFT_NULL_STAGE_FUNCTION)
    auto* reg = +[](portrait::StageRegistrar* r, char*, std::size_t) noexcept -> int {
        portrait::StageSpec s;
        s.name = "crafted_hollow";
        r->add_stage(s, portrait::StageVTable{});
        return 0;
    };
#else
    auto* reg = &register_one;
#endif
#if defined(CRAFT_SIZE_TOO_SMALL)
    const std::uint32_t size = 8;
#elif defined(CRAFT_SIZE_NEWER)
    const std::uint32_t size = sizeof(portrait::PluginDescriptor) + 8;
#elif defined(CRAFT_SIZE_BETWEEN)
    const std::uint32_t size = portrait::descriptor_sizes[0] + 4;
#elif defined(CRAFT_REVISION_3_0)
    // An older revision of this ABI, without the torch field: loads, and the host never
    // reads the bogus pointer that follows where a 3.1 descriptor has it.
    const std::uint32_t size = portrait::descriptor_sizes[0];
#else
    const std::uint32_t size = sizeof(portrait::PluginDescriptor);
#endif
#if defined(CRAFT_OTHER_TORCH)
    const char* torch = "0.4.1";
#elif defined(CRAFT_REVISION_3_0)
    const char* torch = reinterpret_cast<const char*>(std::uintptr_t(0x10));
#else
    const char* torch = nullptr;
#endif
    static const portrait::PluginDescriptor d{size, PORTRAIT_PLUGIN_ABI_VERSION, PORTRAIT_VERSION_STRING, toolchain,
                                              name, "1.0.0", "MIT", "crafted", reg, torch};
    return &d;
}
#endif
