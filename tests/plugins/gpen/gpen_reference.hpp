// The original pipeline (ModelScope ImagePortraitEnhancementPipeline, ../shared/docs/gpen.md
// §3.2-3.8), written step by step as the spec describes it: whole-image resizes and warps,
// numpy's array arithmetic, the original's channel flips. It shares no code with the stage,
// so the tests can check the stage image to image against it. The networks are the
// converted TorchScript modules, which the fixture tests prove equal to the original ones.
#pragma once

#include <array>
#include <vector>

#include <opencv2/core.hpp>
#include <torch/script.h>

namespace gpen_ref {

using Points = std::array<cv::Point2d, 5>;

// §3.5: the S x S template, and the 112 x 112 one the gate crop uses.
Points template_for(int size);
Points template_112();

// The original's _umeyama(src, dst, estimate_scale, scale) as a 2 x 3 matrix; `scale_out`
// receives the scale used.
cv::Matx23d umeyama(const Points& src, const Points& dst, bool estimate_scale, double fixed_scale,
                    double* scale_out = nullptr);

// get_params: tfm (points -> template), tfm_inv (template -> points, fixed scale 1 / s).
void get_params(const Points& ref, const Points& pts, cv::Matx23d& tfm, cv::Matx23d& tfm_inv);

// §3.2 sr_process: BGR 8-bit in (the original takes RGB; the network sees RGB either way),
// whole image through the network, BGR 8-bit out at twice the size.
cv::Mat sr_process(const cv::Mat& bgr, torch::jit::Module& rrdb);

// §3.7 enhance_face on the RGB crop `of_rgb`: (x/255 - 0.5)/0.5, network, *0.5+0.5, RGB->BGR,
// clip, *255, astype(uint8). Returns BGR CV_8UC3.
cv::Mat enhance_face(const cv::Mat& of_rgb, torch::jit::Module& gpen);

// fqa.get_face_quality: the crop as given, CHW, flip(1), (x - 127.5)/128.
struct Quality {
    double quality;
    std::vector<float> feature;
};
Quality get_face_quality(const cv::Mat& img, torch::jit::Module& eqface);

// mean(squareform(pdist([a, b], 'cosine')))
double pdist_cosine_mean(const std::vector<float>& a, const std::vector<float>& b);

// §3.8 self.mask: 512 x 512 x 3 float32, filled LINE_AA rectangle, GaussianBlur(101, 4) twice.
cv::Mat paste_mask_512();

struct Options {
    int size = 512;
    double fqa_thres = 0.1, id_thres = 0.15;
};

// What the gate saw, per face in order (when an EQFace module is given).
struct GateLog {
    double quality = -1, distance = -1;
    bool restored = false;
};

// forward(): `bgr` is the input image (the working image), `pts2x` the faces' five points
// in the bilinear 2x image, as the detector would report them. img_sr: the background the
// faces are pasted onto (sr_process, or any 2x image). eqface: null skips the gate.
cv::Mat forward(const cv::Mat& bgr, const cv::Mat& img_sr, const std::vector<Points>& pts2x, torch::jit::Module& gpen,
                torch::jit::Module* eqface, const Options& opt, std::vector<GateLog>* log = nullptr);

}  // namespace gpen_ref
