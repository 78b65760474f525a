#include "blazeface_decode.hpp"

#include <algorithm>
#include <cmath>

namespace portrait::face {

std::vector<Detection> decode_blazeface(const float* logits, const float* regressors,
                                        const std::vector<Anchor>& anchors, int input_size, float min_score) {
    std::vector<Detection> out;
    const float s = float(input_size);
    for (std::size_t i = 0; i < anchors.size(); ++i) {
        const float logit = std::clamp(logits[i], -100.f, 100.f);
        const float score = 1.f / (1.f + std::exp(-logit));
        if (score < min_score) continue;
        const float* r = regressors + 16 * i;
        const Anchor& a = anchors[i];
        const float cx = r[0] / s + a.cx, cy = r[1] / s + a.cy;
        const float w = r[2] / s, h = r[3] / s;
        if (!(w > 0.f && h > 0.f)) continue;  // degenerate boxes carry no face
        Detection d;
        d.score = score;
        d.box = {cx - w / 2, cy - h / 2, w, h};
        for (int k = 0; k < 6; ++k) d.keypoints[k] = {r[4 + 2 * k] / s + a.cx, r[5 + 2 * k] / s + a.cy};
        out.push_back(d);
    }
    return out;
}

float iou(const cv::Rect2f& a, const cv::Rect2f& b) {
    const float inter = (a & b).area();
    const float uni = a.area() + b.area() - inter;
    return uni > 0.f ? inter / uni : 0.f;
}

std::vector<Detection> weighted_nms(std::vector<Detection> dets, float iou_threshold) {
    std::stable_sort(dets.begin(), dets.end(), [](const Detection& a, const Detection& b) { return a.score > b.score; });
    std::vector<Detection> out;
    std::vector<bool> used(dets.size(), false);
    for (std::size_t i = 0; i < dets.size(); ++i) {
        if (used[i]) continue;
        const Detection& top = dets[i];
        float wsum = 0.f;
        float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
        std::array<cv::Point2f, 6> kp{};
        for (std::size_t j = i; j < dets.size(); ++j) {
            if (used[j] || (j != i && iou(top.box, dets[j].box) <= iou_threshold)) continue;
            used[j] = true;
            const Detection& d = dets[j];
            const float w = d.score;
            wsum += w;
            x0 += w * d.box.x;
            y0 += w * d.box.y;
            x1 += w * (d.box.x + d.box.width);
            y1 += w * (d.box.y + d.box.height);
            for (int k = 0; k < 6; ++k) kp[k] += w * d.keypoints[k];
        }
        Detection m;
        m.score = top.score;
        m.box = {x0 / wsum, y0 / wsum, (x1 - x0) / wsum, (y1 - y0) / wsum};
        for (int k = 0; k < 6; ++k) m.keypoints[k] = kp[k] / wsum;
        out.push_back(m);
    }
    return out;
}

}  // namespace portrait::face
