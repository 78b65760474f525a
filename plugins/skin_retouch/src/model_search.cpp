#include "model_search.hpp"

#include <cstdlib>
#include <system_error>

namespace portrait::skin {
namespace fs = std::filesystem;
namespace {

constexpr const char* kGeneratorSource = "pytorch_model.pt";
constexpr const char* kJointSource = "joint_20210926.pth";

fs::path modelscope_hub() {
    if (const char* c = std::getenv("MODELSCOPE_CACHE"); c && *c) return fs::path(c);
    const char* home = std::getenv("HOME");
    return fs::path(home && *home ? home : ".") / ".cache" / "modelscope" / "hub";
}

std::vector<fs::path> portrait_models_dirs() {
    std::vector<fs::path> v;
    const char* env = std::getenv("PORTRAIT_MODELS");
    if (!env) return v;
    std::string s(env);
    std::size_t start = 0;
    while (start <= s.size()) {
        std::size_t end = s.find(':', start);
        if (end == std::string::npos) end = s.size();
        if (end > start) v.emplace_back(s.substr(start, end - start));
        start = end + 1;
    }
    return v;
}

bool is_file(const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec);
}

}  // namespace

std::vector<fs::path> modelscope_source_dirs() {
    std::vector<fs::path> v;
    v.push_back(fs::path("models") / "iic_cv_unet_skin-retouching");
    const fs::path hub = modelscope_hub();
    for (const char* org : {"iic", "damo"}) {
        v.push_back(hub / org / "cv_unet_skin-retouching");
        v.push_back(hub / "models" / org / "cv_unet_skin-retouching");  // newer modelscope layout
    }
    for (const auto& d : portrait_models_dirs()) {
        v.push_back(d / "iic_cv_unet_skin-retouching");
        v.push_back(d / "cv_unet_skin-retouching");
    }
    return v;
}

fs::path find_modelscope_source() {
    for (const auto& d : modelscope_source_dirs())
        if (is_file(d / kGeneratorSource) && is_file(d / kJointSource)) return d;
    return {};
}

std::vector<fs::path> segmenter_candidates() {
    std::vector<fs::path> v;
    for (const auto& d : modelscope_source_dirs())
        if (is_file(d / "tf_graph.pb")) v.push_back(d / "tf_graph.pb");
    const fs::path hub = modelscope_hub();
    for (const fs::path& d : {hub / "damo" / "cv_unet_skin_retouching_torch",
                              hub / "models" / "damo" / "cv_unet_skin_retouching_torch"})
        if (is_file(d / "model.onnx")) v.push_back(d / "model.onnx");
    return v;
}

std::string missing_model_message(const std::string& locator_message) {
    // The locator's own hint names `models fetch`, which has no source for this model.
    std::string msg = locator_message.substr(0, locator_message.find("\nget it with:"));
    msg += "\nThe converted ABPN networks come from ModelScope's iic/cv_unet_skin-retouching.";
    const fs::path src = find_modelscope_source();
    if (!src.empty()) {
        std::error_code ec;
        const fs::path abs = fs::absolute(src, ec);
        msg += "\nA download was found in " + (ec ? src : abs).string() + "; convert it with:\n  portrait models convert skin-retouching " +
               (ec ? src : abs).string();
    } else {
        msg += "\nNo download was found either; looked for " + std::string(kGeneratorSource) + " + " + kJointSource +
               " in:";
        for (const auto& d : modelscope_source_dirs()) msg += "\n  " + d.string();
        msg += "\nDownload the model into a folder (e.g. with ModelScope) and run:\n  portrait models convert "
               "skin-retouching SOURCE";
    }
    msg += "\nOr use backend: builtin, which needs no download.";
    return msg;
}

}  // namespace portrait::skin
