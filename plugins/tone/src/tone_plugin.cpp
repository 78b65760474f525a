// Global tone and colour: exposure, contrast, saturation, warmth. A small real
// stage and the reference example of a plugin (docs/writing-a-plugin.md).
#include <portrait/sdk.hpp>

#include <cmath>

#include <opencv2/imgproc.hpp>

namespace {

class ToneStage final : public portrait::Stage {
public:
    ToneStage(const portrait::Params& p, portrait::Context&)
        : exposure_(p.get_float("exposure")),
          contrast_(p.get_float("contrast")),
          saturation_(p.get_float("saturation")),
          warmth_(p.get_float("warmth")) {
        // One lookup table per channel: exposure (in stops), contrast around mid-grey, warmth.
        for (int c = 0; c < 3; ++c) {
            lut_[c] = cv::Mat(1, 256, CV_8U);
            const double tint = c == 2 ? 1 + 0.1 * warmth_ : c == 0 ? 1 - 0.1 * warmth_ : 1.0;  // BGR
            for (int i = 0; i < 256; ++i) {
                double v = i / 255.0 * std::pow(2.0, exposure_) * tint;
                v = (v - 0.5) * (1 + contrast_) + 0.5;
                lut_[c].at<uchar>(i) = cv::saturate_cast<uchar>(v * 255.0 + 0.5);
            }
        }
    }

    void process(portrait::Frame& frame, portrait::Context& ctx) override {
        if (exposure_ == 0 && contrast_ == 0 && saturation_ == 0 && warmth_ == 0) return;  // identity
        std::vector<cv::Mat> ch;
        cv::split(frame.image, ch);
        for (int c = 0; c < 3; ++c) cv::LUT(ch[c], lut_[c], ch[c]);
        cv::merge(ch, frame.image);
        if (saturation_ != 0) {
            cv::Mat grey, grey3;
            cv::cvtColor(frame.image, grey, cv::COLOR_BGR2GRAY);
            cv::cvtColor(grey, grey3, cv::COLOR_GRAY2BGR);
            cv::addWeighted(frame.image, 1 + saturation_, grey3, -saturation_, 0, frame.image);
        }
        ctx.log().debug("{}: tone applied", frame.source);
    }

private:
    double exposure_, contrast_, saturation_, warmth_;
    cv::Mat lut_[3];
};

}  // namespace

PORTRAIT_PLUGIN("tone", "1.0.0", "MIT", "Global tone and colour adjustments") {
    portrait::StageSpec spec;
    spec.name = "tone";
    spec.description = "Exposure, contrast, saturation and warmth for the whole image";
    spec.params = {
        portrait::float_param("exposure", 0.0, -3.0, 3.0, "brightness change in stops (EV)"),
        portrait::float_param("contrast", 0.0, -1.0, 1.0, "contrast around mid-grey; 0 keeps it"),
        portrait::float_param("saturation", 0.0, -1.0, 1.0, "-1 is greyscale, 0 keeps colours"),
        portrait::float_param("warmth", 0.0, -1.0, 1.0, "positive warms (more red), negative cools"),
    };
    registrar.add<ToneStage>(spec);
}
