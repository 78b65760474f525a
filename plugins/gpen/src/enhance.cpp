#include "enhance.hpp"

#include <algorithm>
#include <stdexcept>

#include <opencv2/imgproc.hpp>

#include "compositor.hpp"
#include "exact_region.hpp"
#include "face_template.hpp"
#include "similarity.hpp"

namespace portrait::gpen {

cv::Mat ResizeUpsampler::upsample(const cv::Mat& bgr, int factor, const std::function<bool()>&) {
    if (factor == 1) return bgr.clone();
    cv::Mat out;
    cv::resize(bgr, out, bgr.size() * factor, 0, 0, interpolation_);
    return out;
}

cv::Matx23d enlarge(double factor) {
    const double t = (factor - 1) / 2;
    return {factor, 0, t, 0, factor, t};
}

namespace {

cv::Matx23d similarity_to(const std::array<cv::Point2d, 5>& points, const Points5& ref) {
    return estimate_similarity(std::vector<cv::Point2d>(points.begin(), points.end()),
                               std::vector<cv::Point2d>(ref.begin(), ref.end()));
}

// One face's transforms. F is the image the crops are sampled from (the working image, or
// its 2x enlargement); the original estimates both crops from the points in F (§3.5).
struct FaceGeometry {
    cv::Matx23d to_crop;  // F -> S x S crop
    cv::Matx23d to_gate;  // F -> 112 x 112 EQFace crop
    cv::Matx23d to_out;   // S x S crop -> output
};

FaceGeometry face_geometry(const Face& face, int frame_factor, int out_scale, int size) {
    const cv::Matx23d to_frame = enlarge(frame_factor);
    std::array<cv::Point2d, 5> p;
    for (int i = 0; i < 5; ++i) p[i] = apply(to_frame, cv::Point2d(face.align5[i]));
    FaceGeometry g;
    g.to_crop = similarity_to(p, gpen_template(size));
    g.to_gate = similarity_to(p, eqface_template());
    const cv::Matx23d back = invert_affine(g.to_crop);
    g.to_out = out_scale == frame_factor ? back : compose(enlarge(double(out_scale) / frame_factor), back);
    return g;
}

struct Crops {
    cv::Mat face;    // CV_8UC3 S x S
    cv::Mat gate;    // CV_8UC3 112 x 112, when asked for
    cv::Mat inside;  // CV_32FC1 S x S, 1 where the crop lies inside the image, when asked for
};

cv::Rect join(cv::Rect a, cv::Rect b) { return a.empty() ? b : b.empty() ? a : (a | b); }

// The crops as whole-image warps of F would give them (exact_region.hpp); F's 2x pixels
// are computed only where the crops read.
Crops sample_crops(const cv::Mat& image, int frame_factor, const FaceGeometry& g, int size, bool gate, bool inside) {
    const cv::Size frame = image.size() * frame_factor;
    const cv::Rect crop(0, 0, size, size), gate_crop(0, 0, kGateCrop, kGateCrop);
    cv::Rect need = warp_source_rect(g.to_crop, crop, frame);
    if (gate) need = join(need, warp_source_rect(g.to_gate, gate_crop, frame));
    Crops c;
    if (need.empty()) {  // the face lies wholly outside the image
        c.face = cv::Mat(size, size, CV_8UC3, cv::Scalar::all(0));
        if (gate) c.gate = cv::Mat(kGateCrop, kGateCrop, CV_8UC3, cv::Scalar::all(0));
        if (inside) c.inside = cv::Mat(size, size, CV_32FC1, cv::Scalar(0));
        return c;
    }
    const cv::Mat src = frame_factor == 1 ? image(need) : resize_region(image, frame_factor, need);
    c.face = warp_affine_region(src, need.tl(), g.to_crop, crop);
    if (gate) c.gate = warp_affine_region(src, need.tl(), g.to_gate, gate_crop);
    if (inside)
        c.inside = warp_affine_region(cv::Mat(src.size(), CV_32FC1, cv::Scalar(1)), need.tl(), g.to_crop, crop);
    return c;
}

cv::Mat to_float(const cv::Mat& m) {
    cv::Mat f;
    m.convertTo(f, CV_32FC3);
    return f;
}

}  // namespace

cv::Matx23d align_transform(const Face& face, int size) {
    std::array<cv::Point2d, 5> p;
    for (int i = 0; i < 5; ++i) p[i] = cv::Point2d(face.align5[i]);
    return similarity_to(p, gpen_template(size));
}

cv::Mat aligned_crop(const cv::Mat& image, const cv::Matx23d& to_crop, int size) {
    cv::Mat crop;
    cv::warpAffine(image, crop, cv::Mat(to_crop), cv::Size(size, size), cv::INTER_LINEAR, cv::BORDER_CONSTANT,
                   cv::Scalar::all(0));
    return crop;
}

EnhanceResult enhance_faces(const cv::Mat& image, const std::vector<Face>& faces, FaceRestorer& restorer,
                            Upsampler& background, const cv::Mat& mask, const EnhanceOptions& opt, FaceScorer* gate,
                            const std::function<bool()>& cancelled) {
    CV_Assert(image.type() == CV_8UC3);
    if (opt.scale < 1) throw std::invalid_argument("scale must be >= 1");
    const int size = restorer.size();
    if (mask.type() != CV_32FC1 || mask.rows != size || mask.cols != size)
        throw std::invalid_argument("paste mask must be CV_32FC1 of the restorer's size");

    EnhanceResult res;
    res.image = background.upsample(image, opt.scale, cancelled);
    if (res.image.size() != image.size() * opt.scale || res.image.type() != CV_8UC3)
        throw std::runtime_error("background upsampler returned an image of the wrong size or type");

    const std::vector<int> chosen = select_faces(faces, image.size(), opt.select);
    if (chosen.empty()) return res;

    const int frame_factor = opt.crop_from == CropSource::upscaled ? 2 : 1;
    std::vector<FaceGeometry> geo;
    cv::Rect region;
    for (int i : chosen) {
        geo.push_back(face_geometry(faces[i], frame_factor, opt.scale, size));
        region = join(region, footprint(geo.back().to_out, size, res.image.size()));
    }
    Compositor comp(res.image, region, mask);

    const bool network = opt.alpha > 0;  // alpha 0 pastes the original crops back
    FaceScorer* const scorer = network ? gate : nullptr;
    const bool fix = network && opt.color_fix != ColorFix::none;
    res.faces.resize(chosen.size());
    const std::size_t batch = std::size_t(std::max(1, opt.batch));
    for (std::size_t start = 0; start < chosen.size(); start += batch) {
        if (cancelled && cancelled()) throw std::runtime_error("cancelled");
        const std::size_t end = std::min(chosen.size(), start + batch);
        std::vector<Crops> crops;
        std::vector<FaceScore> before(end - start);
        std::vector<std::size_t> todo;  // faces of this batch that go to the network
        for (std::size_t j = start; j < end; ++j) {
            crops.push_back(sample_crops(image, frame_factor, geo[j], size, scorer != nullptr, fix));
            FaceResult& fr = res.faces[j];
            fr.index = chosen[j];
            if (scorer) {
                before[j - start] = scorer->score(crops.back().gate, ChannelOrder::bgr);
                fr.quality = before[j - start].quality;
                if (fr.quality < opt.gate.min_quality) {
                    fr.outcome = FaceOutcome::low_quality;
                    continue;
                }
            }
            todo.push_back(j);
        }
        std::vector<cv::Mat> restored;
        if (network && !todo.empty()) {
            std::vector<cv::Mat> in;
            for (std::size_t j : todo) in.push_back(crops[j - start].face);
            restored = restorer.restore(in);
            if (restored.size() != in.size()) throw std::runtime_error("restorer returned a wrong face count");
        }
        for (std::size_t k = 0; k < todo.size(); ++k) {
            const std::size_t j = todo[k];
            const Crops& c = crops[j - start];
            FaceResult& fr = res.faces[j];
            cv::Mat face = c.face;  // alpha 0: the original crop
            if (network) {
                const cv::Mat& out = restored[k];
                if (out.type() != CV_32FC3 || out.size() != cv::Size(size, size))
                    throw std::runtime_error("restorer returned a face of the wrong size or type");
                const cv::Mat out8 = (scorer || opt.truncate_face) ? truncate_to_8bit(out) : cv::Mat();
                if (scorer) {
                    const FaceScore after = scorer->score(restored_gate_crop(out8), ChannelOrder::rgb);
                    fr.identity_distance = identity_distance(before[j - start].feature, after.feature);
                    if (fr.identity_distance > opt.gate.max_identity_distance) {
                        fr.outcome = FaceOutcome::identity_changed;
                        continue;
                    }
                }
                face = opt.truncate_face ? out8 : out;
                const bool blend = opt.alpha < 1;
                if (fix || blend) {
                    cv::Mat f = to_float(face);
                    if (fix) f = color_fix(f, c.face, c.inside, mask, opt.color_fix);
                    // alpha blend with the original face (official GPEN --alpha)
                    if (blend) cv::addWeighted(f, opt.alpha, to_float(c.face), 1 - opt.alpha, 0, f);
                    if (opt.truncate_face)
                        f.convertTo(face, CV_8UC3);  // back to 8 bits, rounded
                    else
                        face = f;
                }
            }
            comp.add(face, geo[j].to_out);
            ++res.restored;
        }
    }
    return res;
}

}  // namespace portrait::gpen
