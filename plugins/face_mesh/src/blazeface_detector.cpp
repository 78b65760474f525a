#include "blazeface_detector.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <opencv2/imgproc.hpp>

#include "onnx_net.hpp"
#include "ssd_anchors.hpp"

namespace portrait::face {

DetectorChoice parse_detector_choice(const std::string& s) {
    if (s == "auto") return DetectorChoice::Auto;
    if (s == "front") return DetectorChoice::Front;
    if (s == "back") return DetectorChoice::Back;
    throw std::invalid_argument("detector must be auto, front or back, not '" + s + "'");
}

struct BlazeFaceModel::Impl {
    cv::dnn::Net net;
    int size = 128;
    std::vector<Anchor> anchors;
    std::vector<std::string> outputs{"Identity:0", "Identity_1:0", "Identity_2:0", "Identity_3:0"};
    cv::Mat input;  // size x size CV_32FC3, reused
};

BlazeFaceModel::BlazeFaceModel(const std::string& path, bool back) : impl_(std::make_unique<Impl>()) {
    impl_->net = read_onnx_net(path);
    impl_->size = back ? 256 : 128;
    impl_->anchors = make_ssd_anchors(back ? back_anchor_options() : front_anchor_options());
    impl_->input.create(impl_->size, impl_->size, CV_32FC3);
}

BlazeFaceModel::~BlazeFaceModel() = default;

int BlazeFaceModel::input_size() const { return impl_->size; }

std::vector<Detection> BlazeFaceModel::run(const cv::Mat& bgr, float min_score) {
    CV_Assert(bgr.type() == CV_8UC3 && !bgr.empty());
    Impl& m = *impl_;
    const int S = m.size;
    // Keep-aspect fit with a black border, centred (MediaPipe's FIT letterbox).
    const double scale = double(S) / std::max(bgr.cols, bgr.rows);
    const int w = std::max(1, int(std::lround(bgr.cols * scale))), h = std::max(1, int(std::lround(bgr.rows * scale)));
    const int px = (S - w) / 2, py = (S - h) / 2;
    cv::Mat small;
    cv::resize(bgr, small, {w, h}, 0, 0, scale < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
    m.input.setTo(cv::Scalar::all(-1.0));
    cv::Mat roi = m.input(cv::Rect(px, py, w, h));
    cv::Mat rgb;
    cv::cvtColor(small, rgb, cv::COLOR_BGR2RGB);
    rgb.convertTo(roi, CV_32F, 1.0 / 127.5, -1.0);  // the model wants RGB in [-1, 1]
    const int dims[] = {1, S, S, 3};                  // NHWC: the graph transposes itself
    m.net.setInput(cv::Mat(4, dims, CV_32F, m.input.data));
    std::vector<cv::Mat> outs;
    m.net.forward(outs, m.outputs);
    // Outputs: logits 512 + 384, regressors 512x16 + 384x16, in anchor order.
    std::vector<float> logits(m.anchors.size()), regs(m.anchors.size() * 16);
    CV_Assert(outs[0].total() + outs[1].total() == logits.size());
    CV_Assert(outs[2].total() + outs[3].total() == regs.size());
    std::copy_n(outs[0].ptr<float>(), outs[0].total(), logits.begin());
    std::copy_n(outs[1].ptr<float>(), outs[1].total(), logits.begin() + outs[0].total());
    std::copy_n(outs[2].ptr<float>(), outs[2].total(), regs.begin());
    std::copy_n(outs[3].ptr<float>(), outs[3].total(), regs.begin() + outs[2].total());
    std::vector<Detection> dets = decode_blazeface(logits.data(), regs.data(), m.anchors, S, min_score);
    // Normalised letterbox coordinates -> image pixel indices.
    auto to_img = [&](cv::Point2f p) {
        return cv::Point2f(float((p.x * S - px) / scale - 0.5), float((p.y * S - py) / scale - 0.5));
    };
    for (Detection& d : dets) {
        const cv::Point2f tl = to_img({d.box.x, d.box.y});
        d.box = {tl.x, tl.y, float(d.box.width * S / scale), float(d.box.height * S / scale)};
        for (auto& k : d.keypoints) k = to_img(k);
    }
    return dets;
}

FaceDetector::FaceDetector(const std::string& front, const std::string& back, DetectorOptions opt) : opt_(opt) {
    if (opt_.choice != DetectorChoice::Back) {
        if (front.empty()) throw std::invalid_argument("face detector: the front model path is missing");
        front_ = std::make_unique<BlazeFaceModel>(front, false);
    }
    if (opt_.choice != DetectorChoice::Front) {
        if (back.empty()) throw std::invalid_argument("face detector: the back model path is missing");
        back_ = std::make_unique<BlazeFaceModel>(back, true);
    }
}

FaceDetector::~FaceDetector() = default;

std::vector<Detection> FaceDetector::detect_upright(const cv::Mat& bgr) { return detect_pass(bgr, opt_.tiles); }

std::vector<Detection> FaceDetector::detect_pass(const cv::Mat& bgr, bool tiles) {
    std::vector<Detection> all;
    auto add = [&](std::vector<Detection> d) { all.insert(all.end(), d.begin(), d.end()); };
    if (front_) add(front_->run(bgr, opt_.min_score));
    if (back_) {
        add(back_->run(bgr, opt_.min_score));
        const int longest = std::max(bgr.cols, bgr.rows);
        if (tiles && longest >= opt_.tile_min_side) {
            // Square tiles (a fraction of the short side) on a grid with a quarter overlap, so
            // faces too small for the whole-image pass are seen at 2-3x the resolution.
            const int tile = std::max(1, int(std::min(bgr.cols, bgr.rows) * opt_.tile_fraction));
            const int nx = int(std::ceil((bgr.cols - tile) / (tile * 0.75))) + 1;
            const int ny = int(std::ceil((bgr.rows - tile) / (tile * 0.75))) + 1;
            for (int j = 0; j < ny; ++j)
                for (int i = 0; i < nx; ++i) {
                    const int x = nx == 1 ? 0 : int(std::lround(double(bgr.cols - tile) * i / (nx - 1)));
                    const int y = ny == 1 ? 0 : int(std::lround(double(bgr.rows - tile) * j / (ny - 1)));
                    std::vector<Detection> d = back_->run(bgr(cv::Rect(x, y, tile, tile)), opt_.min_score);
                    for (Detection& e : d) {
                        // Faces cut by a tile edge are left to the whole-image pass.
                        const bool inner = (x == 0 || e.box.x > 2) && (y == 0 || e.box.y > 2) &&
                                           (x + tile >= bgr.cols || e.box.br().x < tile - 2) &&
                                           (y + tile >= bgr.rows || e.box.br().y < tile - 2);
                        if (!inner) continue;
                        e.box.x += x, e.box.y += y;
                        for (auto& k : e.keypoints) k += cv::Point2f(float(x), float(y));
                        all.push_back(e);
                    }
                }
        }
    }
    return weighted_nms(std::move(all), opt_.nms_iou);
}

cv::Mat rotate_expanded(const cv::Mat& img, double deg, cv::Matx23d* to_rotated) {
    const cv::Point2d c((img.cols - 1) / 2.0, (img.rows - 1) / 2.0);
    cv::Mat r = cv::getRotationMatrix2D(c, deg, 1.0);
    const double a = std::abs(std::cos(deg * CV_PI / 180)), b = std::abs(std::sin(deg * CV_PI / 180));
    const int w = int(std::lround(img.cols * a + img.rows * b)), h = int(std::lround(img.cols * b + img.rows * a));
    r.at<double>(0, 2) += (w - 1) / 2.0 - c.x;
    r.at<double>(1, 2) += (h - 1) / 2.0 - c.y;
    cv::Mat out;
    cv::warpAffine(img, out, r, {w, h}, cv::INTER_LINEAR, cv::BORDER_CONSTANT);
    if (to_rotated) *to_rotated = cv::Matx23d(r);
    return out;
}

Detection map_detection(const Detection& d, const cv::Matx23d& m) {
    auto map = [&](cv::Point2f p) {
        return cv::Point2f(float(m(0, 0) * p.x + m(0, 1) * p.y + m(0, 2)), float(m(1, 0) * p.x + m(1, 1) * p.y + m(1, 2)));
    };
    Detection o = d;
    // Faces are near-square, so keep the size and move the centre (the mesh ROI takes its
    // rotation from the keypoints anyway).
    const cv::Point2f c = map({d.box.x + d.box.width / 2, d.box.y + d.box.height / 2});
    const float side = std::max(d.box.width, d.box.height);
    o.box = {c.x - side / 2, c.y - side / 2, side, side};
    for (auto& k : o.keypoints) k = map(k);
    return o;
}

std::vector<Detection> FaceDetector::detect_rotated(const cv::Mat& bgr, double deg) {
    cv::Matx23d fwd;
    const cv::Mat rot = rotate_expanded(bgr, deg, &fwd);
    // No tiles here: turned passes are for portraits with a wrong orientation, and tiling
    // the larger turned canvas would multiply the cost on every faceless image.
    std::vector<Detection> r = detect_pass(rot, false);
    cv::Matx23d inv;
    cv::invertAffineTransform(fwd, inv);
    for (Detection& e : r) e = map_detection(e, inv);
    return r;
}

std::vector<std::vector<Detection>> FaceDetector::rotated_candidates(const cv::Mat& bgr, int group) {
    // Quarter turns first, then the diagonals (BlazeFace tolerates roughly +-30 degrees of
    // roll). Best-scoring turn first: a face seen at the wrong turn can still score a
    // little, with the keypoints of an upright face.
    static const std::vector<double> turns[2] = {{90.0, 270.0, 180.0}, {45.0, 315.0, 135.0, 225.0}};
    std::vector<std::vector<Detection>> out;
    for (double deg : turns[group]) {
        std::vector<Detection> r = detect_rotated(bgr, deg);
        if (!r.empty()) out.push_back(std::move(r));
    }
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a[0].score > b[0].score; });
    return out;
}

std::vector<Detection> FaceDetector::detect(const cv::Mat& bgr) {
    std::vector<Detection> d = detect_upright(bgr);
    if (!d.empty() || !opt_.rotated_passes) return d;
    for (int g = 0; g < kRotationGroups; ++g) {
        auto c = rotated_candidates(bgr, g);
        if (!c.empty()) return c.front();
    }
    return d;
}

}  // namespace portrait::face
