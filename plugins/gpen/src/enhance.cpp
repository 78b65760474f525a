#include "enhance.hpp"

#include <algorithm>
#include <stdexcept>

#include <opencv2/imgproc.hpp>

#include "compositor.hpp"
#include "face_template.hpp"
#include "similarity.hpp"

namespace portrait::gpen {

cv::Mat ResizeUpsampler::upsample(const cv::Mat& bgr, int factor) {
    if (factor == 1) return bgr.clone();
    cv::Mat out;
    cv::resize(bgr, out, bgr.size() * factor, 0, 0, interpolation_);
    return out;
}

cv::Matx23d align_transform(const Face& face, int size) {
    const Points5 ref = gpen_template(size);
    std::vector<cv::Point2d> src, dst;
    for (int i = 0; i < 5; ++i) {
        src.emplace_back(face.align5[i]);
        dst.push_back(ref[i]);
    }
    return estimate_similarity(src, dst);
}

cv::Mat aligned_crop(const cv::Mat& image, const cv::Matx23d& to_crop, int size) {
    cv::Mat crop;
    cv::warpAffine(image, crop, cv::Mat(to_crop), cv::Size(size, size), cv::INTER_LINEAR, cv::BORDER_CONSTANT,
                   cv::Scalar::all(0));
    return crop;
}

EnhanceResult enhance_faces(const cv::Mat& image, const std::vector<Face>& faces, FaceRestorer& restorer,
                            Upsampler& background, const cv::Mat& mask, const EnhanceOptions& opt,
                            const std::function<bool()>& cancelled) {
    CV_Assert(image.type() == CV_8UC3);
    if (opt.scale < 1) throw std::invalid_argument("scale must be >= 1");
    const int size = restorer.size();
    if (mask.type() != CV_32FC1 || mask.rows != size || mask.cols != size)
        throw std::invalid_argument("paste mask must be CV_32FC1 of the restorer's size");

    EnhanceResult res;
    res.image = background.upsample(image, opt.scale);
    if (res.image.size() != image.size() * opt.scale || res.image.type() != CV_8UC3)
        throw std::runtime_error("background upsampler returned an image of the wrong size or type");

    const std::vector<int> chosen = select_faces(faces, image.size(), opt.select);
    if (chosen.empty()) return res;

    // Crop transforms, and where each face lands in the output (crop -> output pixels).
    const cv::Matx23d up(opt.scale, 0, 0, 0, opt.scale, 0);
    std::vector<cv::Matx23d> to_crop, to_out;
    cv::Rect region;
    for (int i : chosen) {
        to_crop.push_back(align_transform(faces[i], size));
        to_out.push_back(compose(up, invert_affine(to_crop.back())));
        const cv::Rect fp = footprint(to_out.back(), size, res.image.size());
        region = region.empty() ? fp : (region | fp);
    }
    Compositor comp(res.image, region, mask);

    const int batch = std::max(1, opt.batch);
    for (std::size_t start = 0; start < chosen.size(); start += batch) {
        if (cancelled && cancelled()) throw std::runtime_error("cancelled");
        const std::size_t end = std::min(chosen.size(), start + batch);
        std::vector<cv::Mat> crops;
        for (std::size_t j = start; j < end; ++j) crops.push_back(aligned_crop(image, to_crop[j], size));
        std::vector<cv::Mat> restored;
        if (opt.alpha > 0) {
            restored = restorer.restore(crops);
            if (restored.size() != crops.size()) throw std::runtime_error("restorer returned a wrong face count");
        }
        for (std::size_t j = start; j < end; ++j) {
            cv::Mat face;
            const cv::Mat& crop = crops[j - start];
            if (opt.alpha >= 1) {
                face = restored[j - start];
            } else {
                crop.convertTo(face, CV_32FC3);  // alpha blend with the original face (official GPEN)
                if (opt.alpha > 0) cv::addWeighted(restored[j - start], opt.alpha, face, 1 - opt.alpha, 0, face);
            }
            if (face.type() != CV_32FC3 || face.size() != cv::Size(size, size))
                throw std::runtime_error("restorer returned a face of the wrong size or type");
            comp.add(face, to_out[j]);
            ++res.restored;
        }
    }
    return res;
}

}  // namespace portrait::gpen
