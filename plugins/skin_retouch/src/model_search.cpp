#include "model_search.hpp"

#include <system_error>

#include <portrait/modelscope_downloads.hpp>

namespace portrait::skin {
namespace fs = std::filesystem;

std::vector<fs::path> segmenter_downloads() {
    std::vector<fs::path> v;
    std::error_code ec;
    for (const auto& d : modelscope_download_dirs({"iic/cv_unet_skin-retouching", "damo/cv_unet_skin-retouching"}))
        if (fs::is_regular_file(d / "tf_graph.pb", ec)) v.push_back(d / "tf_graph.pb");
    for (const auto& d : modelscope_download_dirs({"damo/cv_unet_skin_retouching_torch"}))
        if (fs::is_regular_file(d / "model.onnx", ec)) v.push_back(d / "model.onnx");
    return v;
}

std::string missing_model_message(const std::string& locator_message) {
    // The host's message stays whole: the folders searched, and from the catalogue how to
    // fetch or convert the model and whether a download of it is already here.
    return locator_message + "\nThe converted ABPN networks come from ModelScope's iic/cv_unet_skin-retouching." +
           "\nOr use backend: builtin, which needs no download.";
}

}  // namespace portrait::skin
