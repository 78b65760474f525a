#include "mesh_regions.hpp"

#include <cmath>

namespace portrait::skin {

// Index lists are MediaPipe's FACEMESH_* connection sets, walked as closed outlines
// (face-mesh.md §4 for the oval).
const std::vector<int>& face_oval_outline() {
    static const std::vector<int> v = {10,  338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288,
                                       397, 365, 379, 378, 400, 377, 152, 148, 176, 149, 150, 136,
                                       172, 58,  132, 93,  234, 127, 162, 21,  54,  103, 67,  109};
    return v;
}

const std::vector<std::vector<int>>& non_skin_outlines() {
    static const std::vector<std::vector<int>> v = {
        // right eye (subject's), lower lid then upper lid
        {33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246},
        // left eye
        {263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466},
        // right brow: upper edge out to in, lower edge back
        {70, 63, 105, 66, 107, 55, 65, 52, 53, 46},
        // left brow
        {300, 293, 334, 296, 336, 285, 295, 282, 283, 276},
        // outer lips
        {61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0, 37, 39, 40, 185},
        // nostrils: from one wing over the columella to the other, closed across the wings' tops
        {48, 64, 98, 97, 2, 326, 327, 294, 278},
    };
    return v;
}

const std::vector<int>& skin_sample_points() {
    // cheeks (205/425, 50/280, 118/347), forehead centre (151, 9), chin (199, 175); not the
    // upper forehead, which a fringe often covers
    static const std::vector<int> v = {205, 425, 50, 280, 118, 347, 151, 9, 199, 175};
    return v;
}

std::vector<cv::Point> outline_points(const std::vector<cv::Point2f>& lm, const std::vector<int>& outline,
                                      cv::Point2f offset) {
    std::vector<cv::Point> pts;
    pts.reserve(outline.size());
    for (int i : outline) {
        const cv::Point2f p = lm[std::size_t(i)] - offset;
        pts.emplace_back(int(std::lround(p.x)), int(std::lround(p.y)));
    }
    return pts;
}

float face_width(const std::vector<cv::Point2f>& lm) {
    const cv::Point2f d = lm[234] - lm[454];
    return std::sqrt(d.dot(d));
}

}  // namespace portrait::skin
