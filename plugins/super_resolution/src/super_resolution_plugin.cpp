// super_resolution: enlarges the whole image 2x, 3x or 4x with an UpscalerJS ESRGAN model
// (thick, medium or slim; models esrgan-<model>, fetched with `portrait models fetch`).
#include <portrait/sdk.hpp>

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>

#include "esrgan_upscaler.hpp"

namespace {

using namespace portrait;
using portrait::super_resolution::EsrganUpscaler;

class SuperResolutionStage final : public Stage {
public:
    SuperResolutionStage(const Params& p, Context& ctx)
        : variant_(p.get_string("model")),
          scale_(int(p.get_int("scale"))),
          tile_(int(p.get_int("tile"))),
          tile_pad_(int(p.get_int("tile_pad"))) {
        const std::string model = "esrgan-" + variant_;
        const std::string file = "x" + std::to_string(scale_) + "/model.pt";
        std::filesystem::path path;
        try {
            path = ctx.find_model(model, file);
        } catch (const std::exception& e) {
            throw std::runtime_error("super_resolution: model " + variant_ + " with scale " + std::to_string(scale_) +
                                     " needs " + model + "/" + file + ": " + e.what());
        }
        up_ = std::make_unique<EsrganUpscaler>(path, scale_, ctx.device());
        ctx.log().debug("super_resolution: {} (x{}, tile {}, tile_pad {}) on {}", path.string(), scale_, tile_,
                        tile_pad_, ctx.device());
    }

    void process(Frame& frame, Context& ctx) override {
        frame.image = up_->upscale(frame.image, tile_, tile_pad_, [&ctx] { return ctx.cancelled(); });
        frame.output_scale = scale_;
    }

    std::size_t memory_estimate(cv::Size working) const override {
        // The 8-bit output, plus one network pass on the largest padded tile: its activations
        // (measured per input pixel) and the float output tensor with its 8-bit copy.
        const std::size_t k2 = std::size_t(scale_) * std::size_t(scale_);
        const std::size_t out = std::size_t(working.area()) * k2 * 3;
        std::size_t tile_px = std::size_t(working.area());
        if (tile_ > 0) {
            const int side = tile_ + 2 * tile_pad_;
            tile_px = std::size_t(std::min(side, working.width)) * std::size_t(std::min(side, working.height));
        }
        const std::size_t pass =
            tile_px * (super_resolution::activation_bytes_per_pixel(variant_, scale_) + k2 * 3 * (4 + 1) + 3 * 4);
        return out + pass;
    }

private:
    std::string variant_;
    int scale_, tile_, tile_pad_;
    std::unique_ptr<EsrganUpscaler> up_;
};

}  // namespace

PORTRAIT_PLUGIN("super_resolution", "1.0.0", "MIT", "ESRGAN super-resolution (UpscalerJS models)") {
    StageSpec spec;
    spec.name = "super_resolution";
    spec.description = "Enlarge the whole image 2x, 3x or 4x with an ESRGAN network (UpscalerJS thick, medium, slim)";
    spec.params = {
        choice_param("model", "medium", {"thick", "medium", "slim"},
                     "network: thick (RRDN, sharpest, slowest), medium (RDN) or slim (RDN, fastest); model folder "
                     "esrgan-<model> (portrait models fetch esrgan-<model>)"),
        int_param("scale", 2, 2, 4, "output size factor: 2, 3 or 4 (each has its own network)"),
        int_param("tile", 192, 0, 8192, "tile side in input pixels, bounding memory (0 = whole image at once)"),
        int_param("tile_pad", 24, 0, 512, "context pixels around each tile, so tile seams do not show"),
    };
    spec.concurrent = false;  // one network call already uses every thread
    registrar.add<SuperResolutionStage>(spec);
}
