#include "abpn_spot_guard.hpp"

#include <algorithm>
#include <vector>

#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

namespace portrait::skin {
namespace {

// A pixel stands out of its spot's surroundings when some channel differs from the ring's
// median by more than this share of the spot's largest difference (and kMinLevels).
constexpr float kCoreShare = 0.3f;
constexpr float kMinLevels = 6.f;

float median(std::vector<float>& v) {
    const auto mid = v.begin() + std::ptrdiff_t(v.size() / 2);
    std::nth_element(v.begin(), mid, v.end());
    return *mid;
}

// What the guard should judge of one marked blob: the net's blobs are larger than what
// they mark (a stud of 7 px in a blob of 13), and judged whole the skin inside them dilutes
// the object's colour until a stud passes for a blemish. So the blob is cut down to its
// pixels that stand out (the stud; a spot's body), the largest such part kept. (At half the
// largest difference a faint freckle's core shrinks to its darkest pixels, deeper than the
// freckle: 4 of 8 painted freckles were kept against 5 at 30 %.)
// Returns false when nothing stands out: the blob is judged whole.
bool core_of(const cv::Mat& bgr, const cv::Mat& labels, int label, cv::Rect box, cv::Mat& candidates) {
    const int pad = std::max(2, (std::max(box.width, box.height) + 1) / 2);
    const cv::Rect around = cv::Rect(box.x - pad, box.y - pad, box.width + 2 * pad, box.height + 2 * pad) &
                            cv::Rect({}, bgr.size());
    std::vector<float> ring[3];
    for (int y = around.y; y < around.br().y; ++y) {
        const int* l = labels.ptr<int>(y);
        const auto* p = bgr.ptr<cv::Vec3b>(y);
        for (int x = around.x; x < around.br().x; ++x)
            if (l[x] == 0)
                for (int c = 0; c < 3; ++c) ring[c].push_back(p[x][c]);
    }
    if (ring[0].empty()) return false;
    const cv::Vec3f ref(median(ring[0]), median(ring[1]), median(ring[2]));
    cv::Mat diff(box.size(), CV_32F, cv::Scalar(0));
    float most = 0;
    for (int y = 0; y < box.height; ++y) {
        const int* l = labels.ptr<int>(box.y + y);
        const auto* p = bgr.ptr<cv::Vec3b>(box.y + y);
        float* d = diff.ptr<float>(y);
        for (int x = 0; x < box.width; ++x) {
            if (l[box.x + x] != label) continue;
            const cv::Vec3b& q = p[box.x + x];
            d[x] = std::max({std::abs(q[0] - ref[0]), std::abs(q[1] - ref[1]), std::abs(q[2] - ref[2])});
            most = std::max(most, d[x]);
        }
    }
    const float t = std::max(kMinLevels, kCoreShare * most);
    if (most <= t) return false;
    const cv::Mat stands_out = diff > t;
    cv::Mat parts, stats, centroids;
    const int n = cv::connectedComponentsWithStats(stands_out, parts, stats, centroids, 8, CV_32S);
    std::vector<double> weight(std::size_t(n), 0.0);
    for (int y = 0; y < box.height; ++y)
        for (int x = 0; x < box.width; ++x) weight[std::size_t(parts.at<int>(y, x))] += diff.at<float>(y, x);
    const int best = int(std::max_element(weight.begin() + 1, weight.end()) - weight.begin());
    candidates(box).setTo(255, parts == best);
    return true;
}

}  // namespace

cv::Mat abpn_spots_to_leave(const cv::Mat& crop_bgr, const cv::Mat& marked, cv::Rect crop, const FaceSkin& face,
                            bool keep_freckles, GuardStats* stats) {
    CV_Assert(crop_bgr.type() == CV_8UC3 && marked.type() == CV_8U && marked.size() == crop_bgr.size() &&
              crop.size() == crop_bgr.size());
    cv::Mat leave = cv::Mat::zeros(marked.size(), CV_8U);
    GuardStats st;
    cv::Mat labels, boxes, centroids;
    const int n = cv::connectedComponentsWithStats(marked, labels, boxes, centroids, 8, CV_32S);
    // What the guard judges: per blob its core (or the whole blob), one component each; the
    // blobs are apart, so their cores are too.
    cv::Mat candidates = cv::Mat::zeros(marked.size(), CV_8U);
    std::vector<int> judged;
    for (int i = 1; i < n; ++i) {
        const cv::Rect box(boxes.at<int>(i, cv::CC_STAT_LEFT), boxes.at<int>(i, cv::CC_STAT_TOP),
                           boxes.at<int>(i, cv::CC_STAT_WIDTH), boxes.at<int>(i, cv::CC_STAT_HEIGHT));
        // Larger than a spot: one of the net's acne patches, its own business.
        if (std::max(box.width, box.height) > kAbpnGuardMaxSpot * face.face_width) {
            ++st.unjudged;
            continue;
        }
        if (!core_of(crop_bgr, labels, i, box, candidates)) candidates(box).setTo(255, labels(box) == i);
        judged.push_back(i);
    }
    if (!judged.empty()) {
        // The mesh's eyes, brows, lips and nostrils, moved from the face's ROI into the crop.
        cv::Mat features;
        if (!face.features.empty()) {
            features = cv::Mat::zeros(crop.size(), CV_8U);
            const cv::Rect both = face.roi & crop;
            if (!both.empty()) face.features(both - face.roi.tl()).copyTo(features(both - crop.tl()));
        }
        GuardOptions go;
        go.face_width = face.face_width;
        go.keep_freckles = keep_freckles;
        // No skin mask for the ring: the net also marks spots on the neck and ears inside the
        // crop, outside the face oval, and those are judged against the skin there (limited to
        // the oval they would find no ring and be left).
        const GuardResult g = guard_blemishes(crop_bgr, candidates, features, cv::Mat(), go);
        const int unjudged = st.unjudged;
        st = g.stats;
        st.unjudged = unjudged;
        // A blob is left when its judged pixels are not all accepted as a blemish.
        std::vector<uchar> left(std::size_t(n), 0);
        for (int y = 0; y < marked.rows; ++y) {
            const int* l = labels.ptr<int>(y);
            const uchar* c = candidates.ptr<uchar>(y);
            const uchar* r = g.remove.ptr<uchar>(y);
            for (int x = 0; x < marked.cols; ++x)
                if (c[x] && !r[x]) left[std::size_t(l[x])] = 1;
        }
        for (int y = 0; y < marked.rows; ++y) {
            const int* l = labels.ptr<int>(y);
            uchar* o = leave.ptr<uchar>(y);
            for (int x = 0; x < marked.cols; ++x) o[x] = left[std::size_t(l[x])] ? 255 : 0;
        }
    }
    if (stats) *stats = st;
    return leave;
}

torch::Tensor abpn_guard_keep(const torch::Tensor& probability, const torch::Tensor& keep, float threshold,
                              const cv::Mat& crop_bgr, cv::Rect crop, const FaceSkin& face, bool keep_freckles,
                              GuardStats* stats) {
    const int64_t H = probability.size(2), W = probability.size(3);
    CV_Assert(H == crop_bgr.rows && W == crop_bgr.cols);
    const torch::Tensor m = probability[0][0].ge(threshold).to(torch::kUInt8).contiguous().to(torch::kCPU);
    const cv::Mat marked(int(H), int(W), CV_8U, m.data_ptr<uint8_t>());
    if (stats) *stats = {};
    if (cv::countNonZero(marked) == 0) return keep;
    cv::Mat leave = abpn_spots_to_leave(crop_bgr, marked, crop, face, keep_freckles, stats);
    if (cv::countNonZero(leave) == 0) return keep;
    const torch::Tensor l =
        torch::from_blob(leave.data, {1, 1, H, W}, torch::kUInt8).to(keep.device()).to(torch::kBool);
    return keep.masked_fill(l, 1.0);
}

}  // namespace portrait::skin
