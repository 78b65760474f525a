#include "gpen_reference.hpp"

#include <cmath>
#include <cstring>
#include <stdexcept>

#include <opencv2/imgproc.hpp>

namespace gpen_ref {

namespace {
// REFERENCE_FACIAL_POINTS of the 96 x 112 ArcFace crop (§3.5).
const Points kArcface{{{30.2946, 51.6963}, {65.5318, 51.5014}, {48.0252, 71.7366}, {33.5493, 92.3655}, {62.7299, 92.2041}}};

constexpr int kInterArea = 3;  // the original's warpAffine flags=3

cv::Mat to_mat_u8(const torch::Tensor& hwc) {
    const torch::Tensor t = hwc.contiguous();
    cv::Mat m(int(t.size(0)), int(t.size(1)), CV_8UC3);
    std::memcpy(m.data, t.data_ptr<uint8_t>(), m.total() * 3);
    return m;
}

cv::Mat flip_channels(const cv::Mat& m) {  // [..., ::-1]
    cv::Mat out;
    cv::cvtColor(m, out, cv::COLOR_BGR2RGB);
    return out;
}
}  // namespace

Points template_for(int size) {
    // default_square: +8 in x (96 -> 112); inner padding 0.25: +28 (112 -> 168); * S / 168
    Points p;
    for (int i = 0; i < 5; ++i)
        p[i] = {(kArcface[i].x + 8 + 28) * (size / 168.0), (kArcface[i].y + 28) * (size / 168.0)};
    return p;
}

Points template_112() {
    // The early return: output size equals the squared crop size, no padding.
    Points p;
    for (int i = 0; i < 5; ++i) p[i] = {kArcface[i].x + 8, kArcface[i].y};
    return p;
}

cv::Matx23d umeyama(const Points& src, const Points& dst, bool estimate_scale, double fixed_scale, double* scale_out) {
    const int num = 5;
    cv::Point2d sm(0, 0), dm(0, 0);
    for (int i = 0; i < num; ++i) sm += src[i], dm += dst[i];
    sm /= num, dm /= num;
    // A = dst_demean.T @ src_demean / num
    cv::Matx22d a = cv::Matx22d::zeros();
    double var = 0;
    for (int i = 0; i < num; ++i) {
        const cv::Point2d s = src[i] - sm, d = dst[i] - dm;
        a(0, 0) += d.x * s.x, a(0, 1) += d.x * s.y, a(1, 0) += d.y * s.x, a(1, 1) += d.y * s.y;
        var += s.x * s.x + s.y * s.y;  // src_demean.var(axis=0).sum() * num
    }
    a *= 1.0 / num;
    var /= num;
    cv::Vec2d d(1, 1);
    if (cv::determinant(a) < 0) d[1] = -1;
    cv::Matx22d u, vt;
    cv::Matx21d s;
    cv::SVD::compute(a, s, u, vt);
    // rank 2 for any real face: T = U diag(d) V
    const cv::Matx22d r = u * cv::Matx22d(d[0], 0, 0, d[1]) * vt;
    const double scale = estimate_scale ? 1.0 / var * (s(0) * d[0] + s(1) * d[1]) : fixed_scale;
    if (scale_out) *scale_out = scale;
    const cv::Vec2d t = cv::Vec2d(dm.x, dm.y) - scale * (r * cv::Vec2d(sm.x, sm.y));
    return {scale * r(0, 0), scale * r(0, 1), t[0], scale * r(1, 0), scale * r(1, 1), t[1]};
}

void get_params(const Points& ref, const Points& pts, cv::Matx23d& tfm, cv::Matx23d& tfm_inv) {
    double scale = 1;
    tfm = umeyama(pts, ref, true, 1.0, &scale);
    tfm_inv = umeyama(ref, pts, false, 1.0 / scale);
}

cv::Mat sr_process(const cv::Mat& bgr, torch::jit::Module& rrdb) {
    torch::InferenceMode guard;
    // F.pad(..., 'reflect') on the bottom and right to even sides (reflect = BORDER_REFLECT_101)
    const int h_pad = bgr.rows % 2, w_pad = bgr.cols % 2;
    cv::Mat padded;
    cv::copyMakeBorder(flip_channels(bgr), padded, 0, h_pad, 0, w_pad, cv::BORDER_REFLECT_101);
    const torch::Tensor img = torch::from_blob(padded.data, {padded.rows, padded.cols, 3}, torch::kUInt8)
                                  .to(torch::kFloat32)
                                  .div(255.)
                                  .permute({2, 0, 1})
                                  .unsqueeze(0);
    torch::Tensor out = rrdb.forward({img}).toTensor();
    // "remove extra pad" takes off h_pad output rows, not 2 h_pad: an odd side comes back as
    // 2H + 1 (the stage returns exactly 2H; the tests use even sides)
    out = out.slice(2, 0, out.size(2) - h_pad).slice(3, 0, out.size(3) - w_pad);
    out = out.squeeze(0).to(torch::kFloat32).clamp_(0, 1);
    out = out.flip(0).permute({1, 2, 0});  // output[[2, 1, 0]]: RGB -> BGR, HWC
    return to_mat_u8(out.mul(255.).round().to(torch::kUInt8));
}

cv::Mat enhance_face(const cv::Mat& of_rgb, torch::jit::Module& gpen) {
    torch::InferenceMode guard;
    torch::Tensor t = torch::from_blob(const_cast<uchar*>(of_rgb.data), {of_rgb.rows, of_rgb.cols, 3}, torch::kUInt8)
                          .div(255.);
    t = t.sub(0.5).div(0.5).permute({2, 0, 1}).unsqueeze(0);
    torch::Tensor out = gpen.forward({t}).toTensor();
    out = out.mul(0.5).add(0.5).squeeze(0).permute({1, 2, 0}).flip(2);  // RGB -> BGR
    out = out.to(torch::kFloat32).clamp(0, 1).mul(255.);
    return to_mat_u8(out.to(torch::kUInt8));  // astype(uint8) truncates
}

Quality get_face_quality(const cv::Mat& img, torch::jit::Module& eqface) {
    torch::InferenceMode guard;
    const cv::Mat c = img.clone();
    torch::Tensor t = torch::from_blob(c.data, {c.rows, c.cols, 3}, torch::kUInt8).permute({2, 0, 1}).unsqueeze(0).flip(1);
    t = t.sub(127.5).div(128.0);
    const auto out = eqface.forward({t}).toTuple();
    const torch::Tensor f = out->elements()[0].toTensor().contiguous();
    Quality q;
    q.quality = out->elements()[1].toTensor().item<double>();
    q.feature.assign(f.data_ptr<float>(), f.data_ptr<float>() + f.numel());
    return q;
}

double pdist_cosine_mean(const std::vector<float>& a, const std::vector<float>& b) {
    double uv = 0, uu = 0, vv = 0;
    for (std::size_t i = 0; i < a.size(); ++i) uv += double(a[i]) * b[i], uu += double(a[i]) * a[i], vv += double(b[i]) * b[i];
    const double d = std::min(2.0, std::max(0.0, 1.0 - uv / std::sqrt(uu * vv)));
    return (0 + d + d + 0) / 4.0;  // the 2 x 2 squareform, averaged
}

cv::Mat paste_mask_512() {
    cv::Mat mask(512, 512, CV_32FC3, cv::Scalar::all(0));
    cv::rectangle(mask, cv::Point(26, 26), cv::Point(486, 486), cv::Scalar(1, 1, 1), -1, cv::LINE_AA);
    cv::GaussianBlur(mask, mask, cv::Size(101, 101), 4);
    cv::GaussianBlur(mask, mask, cv::Size(101, 101), 4);
    return mask;
}

cv::Mat forward(const cv::Mat& bgr, const cv::Mat& img_sr, const std::vector<Points>& pts2x, torch::jit::Module& gpen,
                torch::jit::Module* eqface, const Options& opt, std::vector<GateLog>* log) {
    // preprocess: img = cvtColor(resize(RGB, 2x), RGB2BGR); resizing BGR is the same per channel
    cv::Mat img;
    cv::resize(bgr, img, img_sr.size());
    const int width = img.cols, height = img.rows, size = opt.size;
    cv::Mat full_mask(img.size(), CV_32FC3, cv::Scalar::all(0));
    cv::Mat full_img(img.size(), CV_8UC3, cv::Scalar::all(0));
    const cv::Mat mask512 = paste_mask_512();
    for (const Points& pts : pts2x) {
        GateLog entry;
        cv::Matx23d tfm, tfm_inv, tfm_112, tfm_inv_112;
        get_params(template_for(size), pts, tfm, tfm_inv);
        get_params(template_112(), pts, tfm_112, tfm_inv_112);
        cv::Mat of, of_112;
        cv::warpAffine(img, of, cv::Mat(tfm), cv::Size(size, size), kInterArea);
        cv::warpAffine(img, of_112, cv::Mat(tfm_112), cv::Size(112, 112), kInterArea);
        of = flip_channels(of);  // BGR -> RGB
        of_112 = flip_channels(of_112);
        Quality fq_o;
        if (eqface) {
            fq_o = get_face_quality(of_112, *eqface);
            entry.quality = fq_o.quality;
            if (fq_o.quality < opt.fqa_thres) {
                if (log) log->push_back(entry);
                continue;
            }
        }
        const cv::Mat ef = enhance_face(of, gpen);
        if (eqface) {
            if (size < 256) throw std::invalid_argument("the original's gate crop needs S >= 256");
            const int ss = size / 256;
            cv::Mat ef_112;
            cv::resize(ef(cv::Range(35 * ss, size - 33 * ss), cv::Range(32 * ss, size - 36 * ss)), ef_112,
                       cv::Size(112, 112));
            const Quality fq_e = get_face_quality(ef_112, *eqface);
            entry.distance = pdist_cosine_mean(fq_o.feature, fq_e.feature);
            if (entry.distance > opt.id_thres) {
                if (log) log->push_back(entry);
                continue;
            }
        }
        entry.restored = true;
        if (log) log->push_back(entry);
        cv::Mat tmp_mask, tmp_img;
        cv::resize(mask512, tmp_mask, ef.size());
        cv::warpAffine(tmp_mask, tmp_mask, cv::Mat(tfm_inv), cv::Size(width, height), kInterArea);
        cv::warpAffine(ef, tmp_img, cv::Mat(tfm_inv), cv::Size(width, height), kInterArea);
        // mask = clip(tmp_mask - full_mask, 0, 1); where mask > 0 take this face's values
        for (int y = 0; y < height; ++y) {
            const float* tm = tmp_mask.ptr<float>(y);
            float* fm = full_mask.ptr<float>(y);
            const uchar* ti = tmp_img.ptr<uchar>(y);
            uchar* fi = full_img.ptr<uchar>(y);
            for (int i = 0; i < width * 3; ++i)
                if (std::min(1.f, std::max(0.f, tm[i] - fm[i])) > 0) fm[i] = tm[i], fi[i] = ti[i];
        }
    }
    // convertScaleAbs(img_sr * (1 - full_mask) + full_img * full_mask), float32 as numpy
    cv::Mat out(img.size(), CV_8UC3);
    for (int y = 0; y < height; ++y) {
        const float* fm = full_mask.ptr<float>(y);
        const uchar* fi = full_img.ptr<uchar>(y);
        const uchar* sr = img_sr.ptr<uchar>(y);
        uchar* o = out.ptr<uchar>(y);
        for (int i = 0; i < width * 3; ++i) {
            const float a = float(sr[i]) * (1.f - fm[i]);
            const float b = float(fi[i]) * fm[i];
            o[i] = cv::saturate_cast<uchar>(std::abs(a + b));
        }
    }
    return out;
}

}  // namespace gpen_ref
