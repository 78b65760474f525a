// The plugin boundary: one extern "C" noexcept entry returning a size-prefixed,
// versioned descriptor. No exception crosses it: every call into plugin code goes
// through the shims below, compiled into the plugin, which turn exceptions into
// an error status and message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <memory>
#include <string>

#include <opencv2/core/version.hpp>
#include <spdlog/version.h>
#if defined(SPDLOG_USE_STD_FORMAT)
#define PORTRAIT_FMT_ID_ "std"
#else
#if defined(SPDLOG_FMT_EXTERNAL) || defined(SPDLOG_FMT_EXTERNAL_HO)
#include <fmt/core.h>
#else
#include <spdlog/fmt/bundled/core.h>
#endif
#define PORTRAIT_FMT_ID_ PORTRAIT_STR(FMT_VERSION)
#endif

#include "portrait/stage.hpp"
#include "portrait/version.hpp"

#define PORTRAIT_STR2(x) #x
#define PORTRAIT_STR(x) PORTRAIT_STR2(x)

// Everything that must match between host and plugin for C++ types to be shared, as
// key=value;...: the compiler, libstdc++'s string ABI, the C++ standard, and the
// libraries whose objects cross the boundary (cv::Mat in Frame, the spdlog::logger of
// Context::log() and the fmt it formats with). The host names each key that differs.
#define PORTRAIT_TOOLCHAIN                                                                          \
    "gcc=" PORTRAIT_STR(__GNUC__) "." PORTRAIT_STR(__GNUC_MINOR__) ";cxx11abi=" PORTRAIT_STR(     \
        _GLIBCXX_USE_CXX11_ABI) ";std=" PORTRAIT_STR(__cplusplus) ";opencv=" CV_VERSION           \
        ";spdlog=" PORTRAIT_STR(SPDLOG_VER_MAJOR) "." PORTRAIT_STR(SPDLOG_VER_MINOR) "." PORTRAIT_STR( \
            SPDLOG_VER_PATCH) ";fmt=" PORTRAIT_FMT_ID_

// The LibTorch a plugin was compiled against (its TORCH_VERSION), or null for a plugin
// without LibTorch. Plugins that link portrait::torch get PORTRAIT_WITH_TORCH from it;
// torch_support.hpp sets it too. A plugin without LibTorch (tone) never sees a torch header.
#if !defined(PORTRAIT_TORCH_FINGERPRINT)
#if defined(PORTRAIT_WITH_TORCH)
#include <torch/version.h>
#define PORTRAIT_TORCH_FINGERPRINT TORCH_VERSION
#else
#define PORTRAIT_TORCH_FINGERPRINT nullptr
#endif
#endif

#define PORTRAIT_ENTRY_SYMBOL portrait_plugin_entry
#define PORTRAIT_ENTRY_NAME "portrait_plugin_entry"

namespace portrait {
inline namespace PORTRAIT_SDK_NAMESPACE {

// C-callable table for one stage type, generated inside the plugin by StageRegistrar::add.
struct StageVTable {
    void* (*create)(const Params* params, Context* ctx, char* err, std::size_t err_size) noexcept;
    int (*process)(void* self, Frame* frame, Context* ctx, char* err, std::size_t err_size) noexcept;
    std::size_t (*memory_estimate)(const void* self, int width, int height) noexcept;
    void (*destroy)(void* self) noexcept;
};

// The host implements this; a plugin's registration function calls add<T>() on it.
class StageRegistrar {
public:
    virtual ~StageRegistrar() = default;
    virtual void add_stage(const StageSpec& spec, const StageVTable& vtable) = 0;

    // T must be constructible from (const Params&, Context&) and derive from Stage.
    template <class T>
    void add(const StageSpec& spec) {
        add_stage(spec, make_vtable<T>());
    }

private:
    static void copy_error(char* err, std::size_t n, const char* what) noexcept {
        if (n == 0) return;
        std::strncpy(err, what, n - 1);
        err[n - 1] = '\0';
    }
    template <class T>
    static StageVTable make_vtable() {
        StageVTable vt{};
        vt.create = [](const Params* p, Context* c, char* err, std::size_t n) noexcept -> void* {
            try {
                return static_cast<Stage*>(new T(*p, *c));
            } catch (const std::exception& e) {
                copy_error(err, n, e.what());
            } catch (...) {
                copy_error(err, n, "unknown exception");
            }
            return nullptr;
        };
        vt.process = [](void* self, Frame* f, Context* c, char* err, std::size_t n) noexcept -> int {
            try {
                static_cast<Stage*>(self)->process(*f, *c);
                return 0;
            } catch (const std::exception& e) {
                copy_error(err, n, e.what());
            } catch (...) {
                copy_error(err, n, "unknown exception");
            }
            return 1;
        };
        vt.memory_estimate = [](const void* self, int w, int h) noexcept -> std::size_t {
            try {
                return static_cast<const Stage*>(self)->memory_estimate(cv::Size(w, h));
            } catch (...) {
                return std::size_t(w) * std::size_t(h) * 12;
            }
        };
        vt.destroy = [](void* self) noexcept { delete static_cast<Stage*>(self); };
        return vt;
    }
};

// The descriptor. Its leading fields are plain C and are checked by the host
// before it calls anything else in the plugin. Within one ABI it only grows: a new
// field is appended and PORTRAIT_PLUGIN_ABI_MINOR goes up, so struct_size says which
// revision a plugin has. The host reads only the fields a plugin's revision has, and
// refuses a size that is no revision it knows (smaller than 3.0, or newer than its own).
struct PluginDescriptor {
    std::uint32_t struct_size;  // sizeof(PluginDescriptor) as the plugin saw it
    std::uint32_t abi_version;  // PORTRAIT_PLUGIN_ABI_VERSION the plugin was built with
    const char* sdk_version;    // PORTRAIT_VERSION_STRING the plugin was built with
    const char* toolchain;      // PORTRAIT_TOOLCHAIN the plugin was built with
    const char* name;
    const char* version;
    const char* license;
    const char* description;
    // Registers the plugin's stages; returns 0, or non-zero with a message in err.
    int (*register_stages)(StageRegistrar* registrar, char* err, std::size_t err_size) noexcept;
    // 3.1: PORTRAIT_TORCH_FINGERPRINT, the LibTorch version the plugin links, or null.
    const char* torch;
};

// struct_size of each revision of this ABI's descriptor, indexed by minor version.
inline constexpr std::uint32_t descriptor_sizes[] = {
    std::uint32_t(offsetof(PluginDescriptor, torch)),  // 3.0: up to register_stages
    std::uint32_t(sizeof(PluginDescriptor)),           // 3.1: + torch
};
static_assert(sizeof(descriptor_sizes) / sizeof(descriptor_sizes[0]) == PORTRAIT_PLUGIN_ABI_MINOR + 1,
              "one descriptor size per minor revision: append one when PORTRAIT_PLUGIN_ABI_MINOR grows");
static_assert(descriptor_sizes[PORTRAIT_PLUGIN_ABI_MINOR] == sizeof(PluginDescriptor),
              "the newest revision is the whole descriptor");

}  // namespace PORTRAIT_SDK_NAMESPACE
}  // namespace portrait

#define PORTRAIT_EXPORT __attribute__((visibility("default")))

// Defines the plugin's entry point. Follow it with the body of the registration
// function, which receives `portrait::StageRegistrar& registrar`:
//
//   PORTRAIT_PLUGIN("tone", "1.0.0", "MIT", "Colour and tone adjustments") {
//       registrar.add<ToneStage>(tone_spec());
//   }
#define PORTRAIT_PLUGIN(NAME, VERSION, LICENSE, DESCRIPTION)                                         \
    static void portrait_register_(::portrait::StageRegistrar& registrar);                           \
    static int portrait_register_shim_(::portrait::StageRegistrar* r, char* err,                     \
                                       std::size_t n) noexcept {                                     \
        try {                                                                                        \
            portrait_register_(*r);                                                                  \
            return 0;                                                                                \
        } catch (const std::exception& e) {                                                          \
            if (n) { std::strncpy(err, e.what(), n - 1); err[n - 1] = '\0'; }                       \
        } catch (...) {                                                                              \
            if (n) { std::strncpy(err, "unknown exception", n - 1); err[n - 1] = '\0'; }            \
        }                                                                                            \
        return 1;                                                                                    \
    }                                                                                                \
    extern "C" PORTRAIT_EXPORT const ::portrait::PluginDescriptor* PORTRAIT_ENTRY_SYMBOL() noexcept { \
        static const ::portrait::PluginDescriptor descriptor{                                        \
            sizeof(::portrait::PluginDescriptor), PORTRAIT_PLUGIN_ABI_VERSION, PORTRAIT_VERSION_STRING,  \
            PORTRAIT_TOOLCHAIN, NAME, VERSION, LICENSE, DESCRIPTION, &portrait_register_shim_,       \
            PORTRAIT_TORCH_FINGERPRINT};                                                             \
        return &descriptor;                                                                          \
    }                                                                                                \
    static void portrait_register_(::portrait::StageRegistrar& registrar)
