// The syntax of resources.device, apart from its resolution (device.cpp): the pipeline
// parser checks it without linking LibTorch (the fuzz targets build it alone).
#include <regex>

#include "portrait/runtime/device.hpp"

namespace portrait {

bool is_device_setting(const std::string& text) {
    static const std::regex re("auto|cpu|cuda(:([0-9]|[1-5][0-9]|6[0-3]))?");
    return std::regex_match(text, re);
}

}  // namespace portrait
