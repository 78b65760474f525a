#include "face_landmarks.hpp"

#include <stdexcept>

namespace portrait::face {

namespace {
cv::Point2f mean_of(const std::vector<cv::Point2f>& pts, std::initializer_list<int> idx) {
    cv::Point2f s(0, 0);
    for (int i : idx) s += pts[i];
    return s / float(idx.size());
}
}  // namespace

std::array<cv::Point2f, 5> align5_from_mesh(const std::vector<cv::Point2f>& pts) {
    if (pts.size() != kMeshPoints) throw std::invalid_argument("align5_from_mesh: need 468 points");
    // Eye centre = mean of both corners and the middle of both lids.
    return {mean_of(pts, {33, 133, 159, 145}), mean_of(pts, {263, 362, 386, 374}), pts[kMeshNoseTip], pts[61],
            pts[291]};
}

}  // namespace portrait::face
