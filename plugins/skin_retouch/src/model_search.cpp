#include "model_search.hpp"

#include <system_error>

#include <portrait/modelscope_downloads.hpp>

namespace portrait::skin {
namespace fs = std::filesystem;
namespace {

constexpr const char* kGeneratorSource = "pytorch_model.pt";
constexpr const char* kJointSource = "joint_20210926.pth";

bool is_file(const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec);
}

}  // namespace

std::vector<fs::path> modelscope_source_dirs() {
    return modelscope_download_dirs({"iic/cv_unet_skin-retouching", "damo/cv_unet_skin-retouching"});
}

fs::path find_modelscope_source() {
    for (const auto& d : modelscope_source_dirs())
        if (is_file(d / kGeneratorSource) && is_file(d / kJointSource)) return d;
    return {};
}

std::vector<fs::path> segmenter_downloads() {
    std::vector<fs::path> v;
    for (const auto& d : modelscope_source_dirs())
        if (is_file(d / "tf_graph.pb")) v.push_back(d / "tf_graph.pb");
    for (const auto& d : modelscope_download_dirs({"damo/cv_unet_skin_retouching_torch"}))
        if (is_file(d / "model.onnx")) v.push_back(d / "model.onnx");
    return v;
}

std::string missing_model_message(const std::string& locator_message) {
    // The host's message stays whole (folders searched, how to fetch or convert); the stage
    // adds where the source is and whether a download of it is already here.
    std::string msg = locator_message;
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
