// libFuzzer target: file bytes -> probe_image. It must throw ImageError or return a header
// the batch can trust (positive size within the pixel limit, 1/3/4 channels, 1/2 bytes).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "portrait/runtime/errors.hpp"
#include "portrait/runtime/image_io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::vector<unsigned char> bytes(data, data + size);
    try {
        const portrait::ImageHeader h = portrait::probe_image(bytes, "fuzz.img");
        const bool ok = !h.format.empty() && h.width > 0 && h.height > 0 && h.pixels() <= portrait::kMaxImagePixels &&
                        (h.channels == 1 || h.channels == 3 || h.channels == 4) &&
                        (h.depth_bytes == 1 || h.depth_bytes == 2);
        if (!ok) std::abort();
    } catch (const portrait::ImageError&) {
    }
    return 0;
}
