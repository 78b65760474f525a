#include "blemish_guard.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <opencv2/imgproc.hpp>

namespace portrait::skin {
namespace {

using L = GuardLimits;

struct Px {
    float grey;
    cv::Vec3f bgr;
};

float median(std::vector<float>& v) {
    const auto mid = v.begin() + std::ptrdiff_t(v.size() / 2);
    std::nth_element(v.begin(), mid, v.end());
    return *mid;
}

cv::Vec3f chromaticity(const cv::Vec3f& bgr) { return bgr / std::max(1.f, bgr[0] + bgr[1] + bgr[2]); }

// Whether colour `c` can be a blemish on skin of colour `ring`: only redder or browner.
bool skin_hued(const cv::Vec3f& c, const cv::Vec3f& ring) {
    const cv::Vec3f d = chromaticity(c) - chromaticity(ring);  // B, G, R shares
    return d[0] <= L::max_bluer && d[1] <= L::max_greener && d[2] >= -L::max_less_red &&
           std::abs(d[0]) + std::abs(d[1]) + std::abs(d[2]) <= L::max_shift;
}

enum class Verdict { Blemish, Bright, NotSkin, Freckle, Feature, NoReference, Unjudged };

struct Views {
    const cv::Mat &bgr, &grey, &smooth, &labels, &candidates, &protect, &skin;
};

struct Disc {
    float cx, cy, rd;  // centre and the radius holding the spot (and its holes)
};

Disc disc_of(cv::Rect box) {
    return {box.x + 0.5f * (box.width - 1), box.y + 0.5f * (box.height - 1), 0.5f * std::max(box.width, box.height) + 0.5f};
}

Verdict judge(const Views& v, int label, cv::Rect box, const GuardOptions& opt) {
    if (opt.max_judged > 0 && opt.face_width > 0 && std::max(box.width, box.height) > opt.max_judged * opt.face_width)
        return Verdict::Unjudged;
    const Disc dc = disc_of(box);
    // The core: a disc inside the spot's box. A jewel's dark rim is found as a ring whose
    // hole is the stone; a pimple's core is the pimple.
    const float rc = std::max(0.75f, 0.5f * std::min(box.width, box.height));
    const float r_in = dc.rd + 1, r_out = dc.rd + 1 + std::max(2.f, dc.rd);
    const int x0 = std::max(0, int(std::floor(dc.cx - r_out))), x1 = std::min(v.bgr.cols - 1, int(std::ceil(dc.cx + r_out)));
    const int y0 = std::max(0, int(std::floor(dc.cy - r_out))), y1 = std::min(v.bgr.rows - 1, int(std::ceil(dc.cy + r_out)));
    std::vector<Px> spot;
    std::vector<float> rg, rb, rgr, rr;
    float core_max = -1;
    cv::Vec3f core_sum(0, 0, 0);
    int core_n = 0;
    bool feature = false;
    for (int y = y0; y <= y1; ++y) {
        const auto* p = v.bgr.ptr<cv::Vec3b>(y);
        const auto* g = v.grey.ptr<uchar>(y);
        const auto* sm = v.smooth.ptr<uchar>(y);
        const int* l = v.labels.ptr<int>(y);
        const auto* c = v.candidates.ptr<uchar>(y);
        const auto* pr = v.protect.empty() ? nullptr : v.protect.ptr<uchar>(y);
        const auto* sk = v.skin.empty() ? nullptr : v.skin.ptr<uchar>(y);
        for (int x = x0; x <= x1; ++x) {
            const float d = std::hypot(x - dc.cx, y - dc.cy);
            const cv::Vec3f px(p[x][0], p[x][1], p[x][2]);
            if (l[x] == label) spot.push_back({float(g[x]), px});
            if (d <= rc) core_max = std::max(core_max, float(sm[x])), core_sum += px, ++core_n;
            if (d <= dc.rd + 1 && pr && pr[x]) feature = true;
            if (d >= r_in && d <= r_out && !c[x] && !(pr && pr[x]) && !(sk && !sk[x])) {
                rg.push_back(g[x]);
                rb.push_back(px[0]), rgr.push_back(px[1]), rr.push_back(px[2]);
            }
        }
    }
    if (feature) return Verdict::Feature;
    if (int(rg.size()) < L::min_ring_pixels || spot.empty() || core_n == 0) return Verdict::NoReference;
    const float ring_grey = median(rg);
    std::vector<float> dev(rg.size());
    for (std::size_t i = 0; i < rg.size(); ++i) dev[i] = std::abs(rg[i] - ring_grey);
    const float ring_sd = 1.4826f * median(dev);  // robust: a stray hair in the ring does not count
    const cv::Vec3f ring(median(rb), median(rgr), median(rr));

    if (core_max - ring_grey > std::max(L::bright_levels, 3 * ring_sd)) return Verdict::Bright;

    // The spot's body: its darker half (the outline pixels are half skin).
    std::sort(spot.begin(), spot.end(), [](const Px& a, const Px& b) { return a.grey < b.grey; });
    const std::size_t n = std::max<std::size_t>(1, spot.size() / 2);
    cv::Vec3f body(0, 0, 0);
    float body_grey = 0;
    for (std::size_t i = 0; i < n; ++i) body += spot[i].bgr, body_grey += spot[i].grey;
    body /= float(n), body_grey /= float(n);
    const cv::Vec3f core = core_sum / float(core_n);
    const float redder = chromaticity(body)[2] - chromaticity(ring)[2];
    // Both the darkest part and the middle must look like skin: a stone inside a dark
    // setting fails on its middle, a dark setting around a pale stone on its body.
    if (!skin_hued(body, ring) || !skin_hued(core, ring) || !(body_grey < ring_grey || redder > 0.01f))
        return Verdict::NotSkin;

    if (opt.keep_freckles && float(std::max(box.width, box.height)) <= L::freckle_size * opt.face_width &&
        ring_grey - body_grey <= L::freckle_depth * ring_grey && redder <= L::freckle_max_redder)
        return Verdict::Freckle;
    return Verdict::Blemish;
}

}  // namespace

GuardResult guard_blemishes(const cv::Mat& bgr, const cv::Mat& candidates, const cv::Mat& protect, const cv::Mat& skin,
                            const GuardOptions& opt) {
    CV_Assert(bgr.type() == CV_8UC3 && candidates.type() == CV_8U && candidates.size() == bgr.size());
    CV_Assert(protect.empty() || (protect.type() == CV_8U && protect.size() == bgr.size()));
    CV_Assert(skin.empty() || (skin.type() == CV_8U && skin.size() == bgr.size()));
    GuardResult res;
    res.remove = cv::Mat::zeros(candidates.size(), CV_8U);
    res.leave = cv::Mat::zeros(candidates.size(), CV_8U);
    cv::Mat labels, boxes, centroids;
    const int n = cv::connectedComponentsWithStats(candidates, labels, boxes, centroids, 8, CV_32S);
    if (n <= 1) return res;
    cv::Mat grey, smooth;
    cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
    cv::GaussianBlur(grey, smooth, {3, 3}, 0);  // a lone noisy pixel is not a bright core
    const Views views{bgr, grey, smooth, labels, candidates, protect, skin};
    GuardStats& st = res.stats;
    std::vector<uchar> accept(std::size_t(n), 0);
    for (int i = 1; i < n; ++i) {
        const cv::Rect box(boxes.at<int>(i, cv::CC_STAT_LEFT), boxes.at<int>(i, cv::CC_STAT_TOP),
                           boxes.at<int>(i, cv::CC_STAT_WIDTH), boxes.at<int>(i, cv::CC_STAT_HEIGHT));
        const Verdict v = judge(views, i, box, opt);
        if (v == Verdict::Bright || v == Verdict::NotSkin || v == Verdict::Freckle) {
            const Disc dc = disc_of(box);
            constexpr int kShift = 4;  // sub-pixel centre
            cv::circle(res.leave, cv::Point(int(std::lround(dc.cx * 16)), int(std::lround(dc.cy * 16))),
                       int(std::lround((dc.rd + 1) * 16)), cv::Scalar(255), cv::FILLED, cv::LINE_8, kShift);
        }
        switch (v) {
            case Verdict::Blemish: accept[std::size_t(i)] = 255, ++st.blemishes; break;
            case Verdict::Unjudged: accept[std::size_t(i)] = 255, ++st.unjudged; break;
            case Verdict::Bright: ++st.bright; break;
            case Verdict::NotSkin: ++st.not_skin; break;
            case Verdict::Freckle: ++st.freckles; break;
            case Verdict::Feature: ++st.features; break;
            case Verdict::NoReference: ++st.no_reference; break;
        }
    }
    for (int y = 0; y < res.remove.rows; ++y) {
        const int* l = labels.ptr<int>(y);
        auto* o = res.remove.ptr<uchar>(y);
        for (int x = 0; x < res.remove.cols; ++x) o[x] = accept[std::size_t(l[x])];
    }
    return res;
}

}  // namespace portrait::skin
