#include "builtin_retouch.hpp"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

#include "blemish_guard.hpp"

namespace portrait::skin {
namespace {

// All sizes are fractions of the face width (ear to ear), so the look does not
// depend on the photo's resolution. Chosen by eye on astronaut.png and samples.jpg.
constexpr float kBlemishMaxFrac = 0.08f;     // largest spot diameter removed
constexpr float kAnalysisWidth = 256.f;      // face width blemishes are searched at (px)
// Frequency separation: a guided filter of this radius splits the texture (pores, fine
// relief) from the low band; its regulariser is loose, so only strong edges (nostrils, a
// jewel, the jaw line) stay in the low band instead of being counted as texture.
constexpr float kTextureRadiusFrac = 0.006f;
constexpr float kTextureEps = 0.08f;         // std-dev, 0..1 units (20 grey levels)
constexpr float kTextureKeep = 0.9f, kTextureKeepSpan = 0.3f;  // share kept: 0.9 - 0.3 s
constexpr float kRadiusMinFrac = 0.020f;     // guided-filter radius at smoothness 0 ...
constexpr float kRadiusSpanFrac = 0.030f;    // ... plus this at smoothness 1
constexpr float kEpsMin = 0.02f, kEpsSpan = 0.06f;  // guided-filter eps (std-dev, 0..1 units)
constexpr float kEvenSigmaFrac = 0.10f;      // blotch scale for tone evening
constexpr float kEvenFineFrac = 0.015f;      // below this the colour detail is kept

cv::Mat masked_blur(const cv::Mat& img, const cv::Mat& w, double sigma) {
    // Normalised convolution: a blur that only averages pixels where w > 0.
    cv::Mat num, den, w3;
    cv::Mat ws[] = {w, w, w};
    cv::merge(ws, img.channels(), w3);
    cv::GaussianBlur(img.mul(w3), num, cv::Size(), sigma);
    cv::GaussianBlur(w, den, cv::Size(), sigma);
    den = cv::max(den, 1e-4f);
    cv::Mat d3;
    cv::Mat ds[] = {den, den, den};
    cv::merge(ds, img.channels(), d3);
    return num / d3;
}

// Blur at reduced resolution for large sigmas (the result is smooth anyway).
cv::Mat big_masked_blur(const cv::Mat& img, const cv::Mat& w, double sigma) {
    const double f = std::min(1.0, 4.0 / std::max(sigma, 1e-3));
    if (f >= 0.99) return masked_blur(img, w, sigma);
    cv::Mat si, sw, out;
    cv::resize(img, si, cv::Size(), f, f, cv::INTER_AREA);
    cv::resize(w, sw, si.size(), 0, 0, cv::INTER_AREA);
    cv::resize(masked_blur(si, sw, sigma * f), out, img.size(), 0, 0, cv::INTER_LINEAR);
    return out;
}


}  // namespace

cv::Mat guided_filter(const cv::Mat& img, int r, float eps, int subsample) {
    subsample = std::max(1, subsample);
    cv::Mat p = img;
    if (subsample > 1)
        cv::resize(img, p, cv::Size(std::max(1, img.cols / subsample), std::max(1, img.rows / subsample)), 0, 0,
                   cv::INTER_AREA);
    const int rs = std::max(1, r / subsample);
    const cv::Size k(2 * rs + 1, 2 * rs + 1);
    cv::Mat mean_p, mean_pp, a, b;
    cv::boxFilter(p, mean_p, CV_32F, k, {-1, -1}, true, cv::BORDER_REFLECT);
    cv::boxFilter(p.mul(p), mean_pp, CV_32F, k, {-1, -1}, true, cv::BORDER_REFLECT);
    cv::Mat var = mean_pp - mean_p.mul(mean_p);
    cv::divide(var, var + cv::Scalar::all(eps), a);
    b = mean_p - a.mul(mean_p);
    cv::boxFilter(a, a, CV_32F, k, {-1, -1}, true, cv::BORDER_REFLECT);
    cv::boxFilter(b, b, CV_32F, k, {-1, -1}, true, cv::BORDER_REFLECT);
    if (subsample > 1) {
        cv::resize(a, a, img.size(), 0, 0, cv::INTER_LINEAR);
        cv::resize(b, b, img.size(), 0, 0, cv::INTER_LINEAR);
    }
    return a.mul(img) + b;
}

namespace {

// Scale at which blemishes are searched and filled: the largest spot is at most 9 px there,
// so the morphology and the inpainting cost the same for any face size.
double analysis_scale(float max_diameter) { return std::min(1.0, 9.0 / std::max(1.f, max_diameter)); }

// Spot mask (0/255) at the size of `small` (the crop at analysis_scale).
cv::Mat find_blemishes_small(const cv::Mat& small, const cv::Mat& m, float max_diameter, float sensitivity,
                             int* count, bool grow = true) {
    // Green carries both brown spots and red pimples (both are dark in green).
    cv::Mat g;
    cv::extractChannel(small, g, 1);
    const int d = std::max(3, int(std::lround(max_diameter * analysis_scale(max_diameter))) | 1);
    cv::Mat closed, bh;
    cv::morphologyEx(g, closed, cv::MORPH_CLOSE, cv::getStructuringElement(cv::MORPH_ELLIPSE, {d, d}));
    cv::subtract(closed, g, bh);  // black-hat: how much darker than its surroundings
    cv::Mat skin = m > 0.3f;
    cv::Scalar mean, sd;
    cv::meanStdDev(bh, mean, sd, m > 0.8f);
    // Spots stand out from the skin's own texture: threshold above the black-hat's spread
    // over clear skin, but never so high that an obvious spot (15+ levels) survives.
    const double sens = std::clamp(double(sensitivity), 0.0, 1.0);
    const double k = 4.0 - 2.5 * sens;
    const double thr = std::clamp(mean[0] + k * sd[0], 6.0, 18.0 - 8.0 * sens);
    cv::Mat spots = (bh > thr) & skin;
    cv::Mat labels, stats, centroids;
    const int n = cv::connectedComponentsWithStats(spots, labels, stats, centroids, 8, CV_32S);
    // Keep compact components no wider than the element: longer dark shapes are
    // creases, lash lines or hair, which are not blemishes.
    std::vector<uchar> keep(std::size_t(std::max(n, 1)), 0);
    int kept = 0;
    for (int i = 1; i < n; ++i) {
        const int w = stats.at<int>(i, cv::CC_STAT_WIDTH), h = stats.at<int>(i, cv::CC_STAT_HEIGHT);
        if (w <= d && h <= d && std::max(w, h) <= 3 * std::min(w, h) + 1) keep[std::size_t(i)] = 255, ++kept;
    }
    cv::Mat out(spots.size(), CV_8U);
    for (int y = 0; y < out.rows; ++y) {
        const int* l = labels.ptr<int>(y);
        auto* o = out.ptr<uchar>(y);
        for (int x = 0; x < out.cols; ++x) o[x] = keep[std::size_t(l[x])];
    }
    // Grow by a pixel: a spot's soft rim is darker too.
    if (grow) cv::dilate(out, out, cv::getStructuringElement(cv::MORPH_ELLIPSE, {3, 3}));
    if (count) *count = kept;
    return out;
}

// `mask` with the objects in `leave` (CV_8U) cut out: zero over them, back to the mask
// 2 px outside with a soft edge, so no step of the retouch reaches into them.
cv::Mat carve_out(const cv::Mat& mask, const cv::Mat& leave) {
    cv::Mat grown, soft;
    cv::dilate(leave, grown, cv::getStructuringElement(cv::MORPH_ELLIPSE, {5, 5}));
    grown.convertTo(soft, CV_32F, 1.0 / 255);
    cv::GaussianBlur(soft, soft, cv::Size(), 1.0);
    cv::Mat keep = 1.f - soft;
    keep.setTo(0, leave);
    return mask.mul(keep);
}

}  // namespace

cv::Mat find_blemishes(const cv::Mat& bgr, const cv::Mat& mask, float max_diameter, float sensitivity, int* count) {
    const double f = analysis_scale(max_diameter);
    cv::Mat small = bgr, m = mask;
    if (f < 1.0) {
        cv::resize(bgr, small, cv::Size(), f, f, cv::INTER_AREA);
        cv::resize(mask, m, small.size(), 0, 0, cv::INTER_AREA);
    }
    cv::Mat out = find_blemishes_small(small, m, max_diameter, sensitivity, count);
    if (f < 1.0) {
        cv::resize(out, out, bgr.size(), 0, 0, cv::INTER_LINEAR);
        out = out > 0;
    }
    return out;
}

BuiltinStats builtin_retouch(cv::Mat& bgr, const std::vector<FaceSkin>& faces, const BuiltinOptions& opt) {
    CV_Assert(bgr.type() == CV_8UC3);
    BuiltinStats st;
    if (opt.strength <= 0) return st;
    const cv::Mat original = bgr.clone();  // every face reads the untouched image
    for (const auto& face : faces) {
        if (face.roi.empty() || face.mask.empty()) continue;
        double mmax = 0;
        cv::minMaxLoc(face.mask, nullptr, &mmax);
        if (mmax <= 0) continue;
        ++st.faces;
        const float W = face.face_width;
        cv::Mat M = face.mask;  // a header: carving out objects below makes a new matrix
        cv::Mat crop8 = original(face.roi).clone();

        // 1. Blemishes: black-hat spots, judged by the guard, filled from their surroundings.
        if (opt.blemish_removal > 0) {
            // Found and filled at the analysis scale (cost independent of the face size), the
            // fill brought back up and blended in with a soft edge. The guard judges at full
            // size, where a stone and its setting are still apart.
            const float maxd = kBlemishMaxFrac * W;
            const double f = analysis_scale(maxd);
            cv::Mat small = crop8, ms = M;
            if (f < 1.0) {
                cv::resize(crop8, small, cv::Size(), f, f, cv::INTER_AREA);
                cv::resize(M, ms, small.size(), 0, 0, cv::INTER_AREA);
            }
            int n = 0;
            cv::Mat spots = find_blemishes_small(small, ms, maxd, opt.blemish_removal, &n, false);
            if (n > 0) {
                // Nearest-neighbour enlargement keeps every component whole and apart.
                cv::Mat cand = spots;
                if (f < 1.0) cv::resize(spots, cand, crop8.size(), 0, 0, cv::INTER_NEAREST);
                GuardOptions go;
                go.face_width = W;
                go.keep_freckles = opt.keep_freckles;
                const GuardResult g = guard_blemishes(crop8, cand, face.features, M > 0.3f, go);
                n = g.stats.blemishes;
                st.spots_left += g.stats.kept();
                if (f < 1.0) {
                    // A small pixel is a blemish when any of its footprint is; the candidates'
                    // own pixels bound it, so a neighbour the guard left stays out.
                    cv::Mat r;
                    cv::resize(g.remove, r, small.size(), 0, 0, cv::INTER_AREA);
                    spots = (r > 0) & spots;
                } else {
                    spots = g.remove;
                }
                cv::dilate(spots, spots, cv::getStructuringElement(cv::MORPH_ELLIPSE, {3, 3}));
                if (g.stats.bright + g.stats.not_skin + g.stats.freckles > 0) M = carve_out(M, g.leave);
            }
            if (n > 0) {
                cv::Mat filled;
                cv::inpaint(small, spots, filled, std::max(3.0, 0.5 * maxd * f), cv::INPAINT_TELEA);
                cv::Mat soft;
                spots.convertTo(soft, CV_32F, 1.0 / 255);
                cv::GaussianBlur(soft, soft, cv::Size(), 0.7);
                if (f < 1.0) {
                    cv::resize(filled, filled, crop8.size(), 0, 0, cv::INTER_LINEAR);
                    cv::resize(soft, soft, crop8.size(), 0, 0, cv::INTER_LINEAR);
                }
                const float wgt = std::min(1.f, 2 * opt.blemish_removal) * std::min(1.f, 2 * opt.strength);
                // Blend only where the soft spot mask is non-zero (a small share of the crop).
                for (int y = 0; y < crop8.rows; ++y) {
                    const float* sp = soft.ptr<float>(y);
                    const auto* fp = filled.ptr<cv::Vec3b>(y);
                    auto* cp = crop8.ptr<cv::Vec3b>(y);
                    for (int x = 0; x < crop8.cols; ++x) {
                        if (sp[x] <= 0) continue;
                        const float a = std::min(1.f, 1.5f * sp[x]) * wgt;
                        for (int c = 0; c < 3; ++c)
                            cp[x][c] = cv::saturate_cast<uchar>(cp[x][c] + a * (float(fp[x][c]) - float(cp[x][c])));
                    }
                }
                st.blemishes += n;
            }
        }

        cv::Mat I;
        crop8.convertTo(I, CV_32F, 1.0 / 255);
        cv::Mat R = I;

        // 2. Smoothing by frequency separation: I = low + texture, where low is an
        // edge-preserving filter at the pore scale. The result is the low band smoothed
        // (a wider edge-preserving filter) plus a share of the texture, so pores and fine
        // relief survive while blotches and bumps are flattened. Both filters keep strong
        // edges, so nothing halos or sharpens there.
        const float s = std::clamp(opt.smoothness, 0.f, 1.f);
        if (s > 0) {
            const int r = std::max(2, int(std::lround(W * (kRadiusMinFrac + kRadiusSpanFrac * s))));
            const float e = kEpsMin + kEpsSpan * s;
            const int rt = std::max(1, int(std::lround(W * kTextureRadiusFrac)));
            const cv::Mat low = guided_filter(I, rt, kTextureEps * kTextureEps, std::max(1, rt / 4));
            // The base smooths the low band itself: whatever the split kept (an edge) it can
            // keep too, and what went to the texture is not counted twice (no sharpening).
            const cv::Mat base = guided_filter(low, r, e * e, std::max(1, r / 4));
            const float keep = kTextureKeep - kTextureKeepSpan * s;
            R = base + keep * (I - low);
            const float amount = std::min(1.f, 0.4f + 1.2f * s);
            if (amount < 1) R = I + amount * (R - I);
        }

        // 3. Tone evening: pull the colour's blotch band towards its wide average (chroma
        // only, so the face keeps its shading). The shift is a low-frequency field: it is
        // computed where the fine blur is about 2 px and applied in the final pass.
        cv::Mat shift;  // CV_32FC2 (dCr, dCb), roi-sized, or empty
        if (opt.tone_evening > 0) {
            const double fine_sigma = std::max(1.0, double(kEvenFineFrac * W));
            const double fe = std::min(1.0, 2.0 / fine_sigma);
            cv::Mat rs = R, ms = M, ys;
            if (fe < 1.0) {
                cv::resize(R, rs, cv::Size(), fe, fe, cv::INTER_AREA);
                cv::resize(M, ms, rs.size(), 0, 0, cv::INTER_AREA);
            }
            cv::cvtColor(rs, ys, cv::COLOR_BGR2YCrCb);
            cv::Mat wide = big_masked_blur(ys, ms, kEvenSigmaFrac * W * fe);
            // Normalised by the mask too, so a jewel cut out of the mask does not tint the
            // skin around it.
            cv::Mat fine = masked_blur(ys, ms, fine_sigma * fe);
            cv::Mat d = (wide - fine) * std::clamp(opt.tone_evening, 0.f, 1.f);
            std::vector<cv::Mat> ch;
            cv::split(d, ch);
            cv::Mat crcb[] = {ch[1], ch[2]};
            cv::merge(crcb, 2, shift);
            if (fe < 1.0) cv::resize(shift, shift, R.size(), 0, 0, cv::INTER_LINEAR);
        }

        // 4-5. One pass: chroma shift (YCrCb -> BGR is linear: dB = 1.773 dCb,
        // dG = -0.714 dCr - 0.344 dCb, dR = 1.403 dCr), whitening (soft-light lift with
        // mg = 0.5 + 0.2 w m for R, 0.15 w m for G and B, as the ABPN whitening), and the
        // blend by mask and strength onto the crop with its blemishes filled. Only masked
        // pixels are written, so later faces do not undo earlier ones where rois overlap.
        const float strength = std::clamp(opt.strength, 0.f, 1.f);
        const float wh = std::max(0.f, opt.whitening);
        cv::Mat dst = bgr(face.roi);
        for (int y = 0; y < R.rows; ++y) {
            const auto* rp = R.ptr<cv::Vec3f>(y);
            const float* mp = M.ptr<float>(y);
            const auto* sp = shift.empty() ? nullptr : shift.ptr<cv::Vec2f>(y);
            const auto* cp = crop8.ptr<cv::Vec3b>(y);
            auto* op = dst.ptr<cv::Vec3b>(y);
            for (int x = 0; x < R.cols; ++x) {
                const float m = mp[x];
                if (m <= 0) continue;
                cv::Vec3f v = rp[x];
                if (sp) {
                    const float dcr = sp[x][0], dcb = sp[x][1];
                    v[0] += 1.773f * dcb;
                    v[1] += -0.714f * dcr - 0.344f * dcb;
                    v[2] += 1.403f * dcr;
                }
                for (int c = 0; c < 3; ++c) {
                    float t = v[c];
                    if (wh > 0) {
                        const float mg = 0.5f + 0.2f * wh * m * (c == 2 ? 1.f : 0.75f);
                        t = t * t + 2 * mg * (t - t * t);
                    }
                    const float i0 = cp[x][c] * (1.f / 255);
                    op[x][c] = cv::saturate_cast<uchar>((i0 + m * strength * (t - i0)) * 255.f);
                }
            }
        }
    }
    return st;
}

}  // namespace portrait::skin
