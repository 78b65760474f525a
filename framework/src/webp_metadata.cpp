#include "webp_metadata.hpp"

#include <memory>

#include <webp/mux.h>

#include "portrait/runtime/errors.hpp"

namespace portrait {

std::vector<unsigned char> webp_with_metadata(const std::vector<unsigned char>& webp, const OutputMetadata& m) {
    const WebPData in{webp.data(), webp.size()};
    std::unique_ptr<WebPMux, void (*)(WebPMux*)> mux(WebPMuxCreate(&in, 1), WebPMuxDelete);
    if (!mux) throw ImageError("cannot write metadata: libwebpmux cannot read the encoded WebP");
    auto set = [&](const char* fourcc, const unsigned char* bytes, std::size_t size) {
        if (size == 0) return;
        const WebPData chunk{bytes, size};
        if (WebPMuxSetChunk(mux.get(), fourcc, &chunk, 1) != WEBP_MUX_OK)
            throw ImageError(std::string("cannot write metadata: libwebpmux refused the ") + fourcc + " chunk");
    };
    set("ICCP", m.icc.data(), m.icc.size());
    set("EXIF", m.exif.data(), m.exif.size());
    set("XMP ", reinterpret_cast<const unsigned char*>(m.xmp.data()), m.xmp.size());
    WebPData out;
    WebPDataInit(&out);
    if (WebPMuxAssemble(mux.get(), &out) != WEBP_MUX_OK)
        throw ImageError("cannot write metadata: libwebpmux cannot assemble the WebP");
    std::vector<unsigned char> bytes(out.bytes, out.bytes + out.size);
    WebPDataClear(&out);
    return bytes;
}

}  // namespace portrait
