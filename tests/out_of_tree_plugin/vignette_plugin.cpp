// vignette: darkens the image towards its corners. A complete third-party stage plugin;
// docs/writing-a-plugin.md walks through it.
#include <portrait/sdk.hpp>  // the one header a plugin includes

#include <cmath>

namespace {

class VignetteStage final : public portrait::Stage {
public:
    // Parameters arrive validated (type and range) with defaults filled in; reading them
    // here once keeps process() cheap. Throwing here stops the run before any image.
    VignetteStage(const portrait::Params& p, portrait::Context& ctx) : strength_(p.get_float("strength")) {
        ctx.log().debug("vignette strength {}", strength_);
    }

    // Called once per image, possibly on several images at once (spec.concurrent is
    // true): no shared mutable state here. frame.image is CV_8UC3 BGR at working size.
    void process(portrait::Frame& frame, portrait::Context& ctx) override {
        if (strength_ == 0) return;  // unchanged: the host leaves the full-size image alone
        cv::Mat& img = frame.image;
        const double cx = (img.cols - 1) / 2.0, cy = (img.rows - 1) / 2.0;
        const double r2max = cx * cx + cy * cy;
        for (int y = 0; y < img.rows; ++y) {
            if (ctx.cancelled()) return;  // Ctrl-C: give up early, the host discards the image
            auto* row = img.ptr<cv::Vec3b>(y);
            for (int x = 0; x < img.cols; ++x) {
                const double r2 = ((x - cx) * (x - cx) + (y - cy) * (y - cy)) / (r2max > 0 ? r2max : 1);
                const double gain = 1.0 - strength_ * r2;
                for (int c = 0; c < 3; ++c) row[x][c] = cv::saturate_cast<uchar>(row[x][c] * gain);
            }
        }
        frame.stats["vignette.strength"] = strength_;  // "<stage>.<name>": shows up in the batch report
    }

    // Works in place: no extra memory beyond the frame the host already counts.
    std::size_t memory_estimate(cv::Size) const override { return 0; }

private:
    double strength_;
};

}  // namespace

// The entry point: name, version, licence, description, then the registration body.
PORTRAIT_PLUGIN("vignette", "1.0.0", "MIT", "Darkens the corners of the image") {
    portrait::StageSpec spec;
    spec.name = "vignette";
    spec.description = "Darkens towards the corners by the squared distance from the centre";
    spec.params = {portrait::float_param("strength", 0.3, 0.0, 1.0, "darkening at the corners; 0 = none")};
    registrar.add<VignetteStage>(spec);
}
